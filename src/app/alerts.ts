// Wiring of owner notifications: builds channels, renderer, dispatcher and sender over the
// store of the traffic record, runs them as two loops inside `ripcord run` (startAlerts), and
// serves the `ripcord alerts …` and `ripcord hook pam` commands.

import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { silentLogger } from '../core/log.ts';
import type { Config } from '../core/config/index.ts';
import { effectiveRoutes } from '../core/config/alerts.ts';
import type { Db } from '../adapters/db/db.ts';
import { SqlOutboxStore } from '../adapters/db/alerts-store.ts';
import { createChannels } from '../adapters/channels/index.ts';
import { spawnDetached } from '../adapters/channels/detached.ts';
import type { Finding } from '../detect/index.ts';
import {
  Dispatcher,
  Sender,
  createRenderer,
  messageKey,
  systemMessage,
  nextCommands,
  parseSilenceMatch,
  shippedTemplates,
  type AlertRecord,
  type Channel,
  type ChannelHealth,
  type FindingSource,
  type MessageContext,
  type OutboxItem,
  type OutboxStatus,
  type OutboxStore,
  type Renderer,
  type Silence,
} from '../alerts/index.ts';
import type { LoadedConfig } from './config.ts';
import { resolvePath } from './config.ts';
import { createApp, withApp, type App } from './context.ts';

export interface AlertsDeps {
  db: Db;
  /** The outbox over `db` (the app context's); one is made when absent. */
  outbox?: OutboxStore;
  /** The traffic record (its findings table is read by id). */
  store: FindingSource;
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Folder relative template paths are resolved against (the config file's folder). */
  baseDir?: string;
  /** Channels to use instead of the configured ones (tests, benchmarks). */
  channels?: Map<string, Channel>;
}

export interface AlertsService {
  /** New findings were committed: dispatch now instead of at the next poll. */
  notify(): void;
  /** Finishes the current step of both loops and stops. */
  stop(): Promise<void>;
  /** Resolves when the tables exist and templates are loaded (rejects on a broken template). */
  ready: Promise<void>;
}

interface Parts {
  outbox: OutboxStore;
  dispatcher: Dispatcher;
  sender: Sender;
  channels: Map<string, Channel>;
  renderer: Renderer;
  context: MessageContext;
}

export function messageContext(config: Config): MessageContext {
  return { site: config.site.name, host: config.alerts.hostname ?? hostname() };
}

async function templateRenderer(config: Config, baseDir: string | undefined): Promise<Renderer> {
  const own = config.alerts.templates;
  return createRenderer(
    own !== undefined ? [resolvePath(baseDir ?? process.cwd(), own), shippedTemplates] : [shippedTemplates],
  );
}

async function build(d: AlertsDeps, overrides: { leaseMs?: number } = {}): Promise<Parts> {
  const a = d.config.alerts;
  const clock = d.clock ?? systemClock;
  const logger = (d.logger ?? silentLogger).child({ subsystem: 'alerts' });
  const outbox = d.outbox ?? new SqlOutboxStore(d.db, () => clock.now());
  if (d.outbox === undefined) await outbox.init();
  const renderer = await templateRenderer(d.config, d.baseDir);
  const channels = d.channels ?? createChannels(a.channels, () => clock.now());
  const context = messageContext(d.config);
  const dispatcher = new Dispatcher({
    store: outbox,
    findings: d.store,
    routes: effectiveRoutes(a),
    channels: [...channels.keys()],
    clock,
    logger,
    context,
    maxAgeMs: a.maxAge,
    resolveTimeoutMs: a.resolveTimeout,
    // SQLite has one writer, so ids become visible in order; PostgreSQL sequences do not.
    gapGraceMs: d.db.dialect === 'postgres' ? 30_000 : 0,
  });
  const sender = new Sender({
    store: outbox,
    channels,
    renderer,
    clock,
    logger,
    context,
    leaseMs: overrides.leaseMs ?? a.delivery.lease,
    backoffMs: a.delivery.backoff,
    maxBackoffMs: a.delivery.maxBackoff,
    giveUpAfterMs: a.delivery.giveUpAfter,
    failingAfter: a.channelFailing.failures,
    failingOlderThanMs: a.channelFailing.olderThan,
  });
  return { outbox, dispatcher, sender, channels, renderer, context };
}

/** A loop that runs `step` every `everyMs`, or at once when woken; one step at a time. */
function loop(name: string, everyMs: number, step: () => Promise<number | null>, logger: Logger) {
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const done = (async () => {
    while (!stopped) {
      woken = false;
      let waitMs = everyMs;
      try {
        const next = await step();
        if (next !== null) waitMs = Math.max(0, Math.min(everyMs, next));
      } catch (e) {
        // A store or channel hiccup must not end the loop; the next round retries.
        logger.error({ loop: name, err: e instanceof Error ? e.message : String(e) }, 'alerts step failed');
        waitMs = Math.max(everyMs, 1000);
      }
      if (stopped || woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();
  return {
    wake,
    async stop() {
      stopped = true;
      wakeUp?.();
      await done;
    },
  };
}

/**
 * Starts alert delivery inside `ripcord run`: the dispatcher polls the findings table every
 * `alerts.pollMs` (and at once on `notify()`), the sender delivers whatever is due.
 */
export function startAlerts(d: AlertsDeps): AlertsService {
  const logger = (d.logger ?? silentLogger).child({ subsystem: 'alerts' });
  const clock = d.clock ?? systemClock;
  const pollMs = d.config.alerts.pollMs;
  let parts: Parts | null = null;
  const ready = build(d).then((p) => {
    parts = p;
  });
  ready.catch((e: unknown) =>
    logger.error({ err: e instanceof Error ? e.message : String(e) }, 'alerts could not start'),
  );

  const sendLoop = loop(
    'send',
    pollMs,
    async () => {
      await ready;
      if (!parts) return null;
      await parts.sender.tick();
      const due = await parts.sender.nextDue();
      return due === null ? null : due - clock.now();
    },
    logger,
  );
  const dispatchLoop = loop(
    'dispatch',
    pollMs,
    async () => {
      await ready;
      if (!parts) return null;
      const r = await parts.dispatcher.tick();
      if (r.queued > 0) sendLoop.wake();
      // After a lost race with another dispatcher, go again at once.
      return r.conflict ? 0 : null;
    },
    logger,
  );
  return {
    notify: () => dispatchLoop.wake(),
    ready,
    async stop() {
      await Promise.all([dispatchLoop.stop(), sendLoop.stop()]);
      if (parts) for (const c of parts.channels.values()) await c.close?.();
    },
  };
}

/** One dispatch and one delivery round, now (the PAM hook's helper, `alerts test`, tests). */
export async function deliverNow(
  d: AlertsDeps,
  o: { leaseMs?: number } = {},
): Promise<{ queued: number; sent: number; retried: number; failed: number }> {
  const p = await build(d, o);
  try {
    const t = await p.dispatcher.tick();
    const s = await p.sender.tick();
    return { queued: t.queued, ...s };
  } finally {
    for (const c of p.channels.values()) await c.close?.();
  }
}

// ---- commands ------------------------------------------------------------------------

async function withOutbox<T>(app: App, fn: (o: OutboxStore) => Promise<T>): Promise<T> {
  return fn(await app.outbox());
}

export interface AlertView extends Omit<AlertRecord, 'evidence' | 'message'> {
  state: 'open' | 'acked' | 'closed';
  message: string;
  evidence: string[];
}

function view(a: AlertRecord, config: Config, now: number): AlertView {
  const closed = a.status === 'open' && now - a.updatedAt > config.alerts.resolveTimeout;
  return { ...a, state: closed ? 'closed' : a.status };
}

export async function listAlerts(
  app: App,
  q: { status?: 'open' | 'acked'; since?: number; limit: number },
): Promise<AlertView[]> {
  const now = Date.now();
  return withOutbox(app, async (o) => (await o.listAlerts(q)).map((a) => view(a, app.config, now)));
}

export interface AlertDetail {
  alert: AlertView;
  deliveries: Omit<OutboxItem, 'message' | 'token'>[];
  commands: string[];
}

export async function showAlert(app: App, id: number): Promise<AlertDetail> {
  return withOutbox(app, async (o) => {
    const a = await o.getAlert(id);
    if (!a) throw new AppError('not_found', `no alert ${id}`);
    const deliveries = (await o.outboxOf(id)).map(({ message: _m, token: _t, ...rest }) => rest);
    return { alert: view(a, app.config, Date.now()), deliveries, commands: nextCommands(a) };
  });
}

export async function ackAlert(app: App, id: number): Promise<{ id: number; acked: boolean; already: boolean }> {
  return withOutbox(app, async (o) => {
    const a = await o.getAlert(id);
    if (!a) throw new AppError('not_found', `no alert ${id}`);
    const acked = await o.ack(id, Date.now());
    return { id, acked, already: !acked && a.status === 'acked' };
  });
}

export async function addSilence(
  app: App,
  s: { match: string; forMs: number; comment?: string | undefined },
): Promise<Silence> {
  const match = parseSilenceMatch(s.match);
  if (!(s.forMs > 0)) throw new AppError('usage', '--for must be a positive duration such as 30m or 2h');
  const now = Date.now();
  return withOutbox(app, async (o) => {
    const rec = { match, startsAt: now, endsAt: now + s.forMs, comment: s.comment ?? null, createdAt: now };
    const id = await o.addSilence(rec);
    return { id, muted: 0, ...rec };
  });
}

export async function listSilences(app: App, all: boolean): Promise<Silence[]> {
  return withOutbox(app, (o) => o.listSilences(Date.now(), all));
}

export async function expireSilence(app: App, id: number): Promise<{ id: number; expired: boolean }> {
  return withOutbox(app, async (o) => ({ id, expired: await o.expireSilence(id, Date.now()) }));
}

export interface AlertsStatus {
  outbox: Record<OutboxStatus, number>;
  channels: (ChannelHealth & { configured: boolean })[];
}

export async function alertsStatus(app: App): Promise<AlertsStatus> {
  return withOutbox(app, async (o) => {
    const health = await o.channelHealth();
    const names = new Set([...Object.keys(app.config.alerts.channels), ...health.map((h) => h.channel)]);
    const byName = new Map(health.map((h) => [h.channel, h]));
    return {
      outbox: await o.outboxCounts(),
      channels: [...names].sort().map((n) => ({
        ...(byName.get(n) ?? {
          channel: n,
          consecutiveFailures: 0,
          failingSince: null,
          lastError: null,
          lastSuccessAt: null,
          reported: false,
        }),
        configured: n in app.config.alerts.channels,
      })),
    };
  });
}

export interface TestResult {
  channel: string;
  type: string;
  ok: boolean;
  ms: number;
  error: string | null;
  transient: boolean | null;
  key: string;
}

/** Sends a test message on one channel now, outside the outbox, and reports what happened. */
export async function testChannel(
  loaded: LoadedConfig,
  name: string,
  o: { channels?: Map<string, Channel> } = {},
): Promise<TestResult> {
  const { config } = loaded;
  const channels = o.channels ?? createChannels(config.alerts.channels);
  const channel = channels.get(name);
  if (!channel) {
    const known = [...channels.keys()];
    throw new AppError(
      'not_found',
      `no channel named ${name}${known.length ? ` (configured: ${known.join(', ')})` : ' (alerts.channels is empty)'}`,
    );
  }
  const renderer = await templateRenderer(config, loaded.baseDir);
  const ctx = messageContext(config);
  const now = Date.now();
  const key = messageKey(`test${now.toString(36)}`, 1);
  const message = systemMessage({
    kind: 'test',
    key,
    ctx,
    route: '_test',
    title: `Test message on channel ${name}`,
    summary: `This is a test of the ${channel.type} channel ${name}. If you read it, Ripcord can reach you here.`,
    severity: 'info',
    rule: 'test',
    category: 'test',
    at: now,
    commands: ['ripcord alerts list', 'ripcord logs who'],
  });
  const started = performance.now();
  try {
    await channel.send(message, await renderer.render(message));
    return {
      channel: name,
      type: channel.type,
      ok: true,
      ms: Math.round(performance.now() - started),
      error: null,
      transient: null,
      key,
    };
  } catch (e) {
    const err = e instanceof AppError ? e : new AppError('internal', e instanceof Error ? e.message : String(e));
    return {
      channel: name,
      type: channel.type,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: err.message,
      transient: err.transient,
      key,
    };
  } finally {
    for (const c of channels.values()) await c.close?.();
  }
}

// ---- PAM hook ------------------------------------------------------------------------

/** PAM service name -> the service vocabulary of the traffic record. */
export function pamService(s: string): string {
  const v = s.toLowerCase();
  if (v === 'sshd' || v === 'ssh') return 'ssh';
  if (/ftp/.test(v)) return 'ftp';
  if (v === 'sudo' || v === 'sudo-i') return 'sudo';
  if (v === 'su' || v === 'su-l') return 'su';
  if (v === 'login' || v === 'gdm-password' || v === 'lightdm') return 'console';
  return v.replace(/[^a-z0-9_-]/g, '').slice(0, 32) || 'other';
}

/** Only a plausible host or address is kept from PAM_RHOST (it comes from the client side). */
function cleanHost(h: string | undefined): string | null {
  if (h === undefined) return null;
  const t = h.trim();
  if (t === '' || t.length > 255) return null;
  return /^[A-Za-z0-9.:_%-]+$/.test(t) ? t : null;
}

export function pamFinding(env: Readonly<Record<string, string | undefined>>, now: number): Finding | null {
  if (env['PAM_TYPE'] !== 'open_session') return null;
  const rawUser = (env['PAM_USER'] ?? '').slice(0, 128);
  const user = rawUser === '' ? null : rawUser;
  const ip = cleanHost(env['PAM_RHOST']);
  const service = pamService(env['PAM_SERVICE'] ?? 'other');
  const ruser = env['PAM_RUSER'];
  const tty = env['PAM_TTY'];
  const line = `pam ${env['PAM_SERVICE'] ?? '?'}: session opened for ${user ?? '?'}${ip ? ` from ${ip}` : ''}${ruser ? ` by ${ruser}` : ''}${tty ? ` on ${tty}` : ''}`;
  return {
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    time: now,
    ip,
    user,
    service,
    field: 'pam',
    match: user ?? '',
    message: `${service} login: ${user ?? 'unknown user'}${ip ? ` from ${ip}` : ' (local)'}`,
    groupKey: `login-success|${service}|${user ?? ''}|${ip ?? ''}|${now}`,
    evidence: [line.slice(0, 500)],
  };
}

export interface HookResult {
  recorded: boolean;
  findingId: number | null;
  deliverySpawned: boolean;
  error: string | null;
}

/**
 * `ripcord hook pam`: records the login as a finding and starts delivery in a detached child,
 * so the login itself never waits for mail. Never throws: a broken hook must not break logins.
 */
export async function pamHook(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  o: { timeoutMs: number; deliver: boolean; selfArgv: string[] },
): Promise<HookResult> {
  const result: HookResult = { recorded: false, findingId: null, deliverySpawned: false, error: null };
  const finding = pamFinding(env, Date.now());
  if (finding === null) return result;
  // A locked SQLite file is waited for briefly, not for the default 10 s.
  const app = createApp(loaded, {
    store: { busyTimeoutMs: Math.max(100, Math.min(o.timeoutMs, 2000)), openDeadline: Date.now() + o.timeoutMs },
  });
  const work = (async () => {
    const [id] = await (await app.events()).addFindings([finding]);
    result.recorded = true;
    result.findingId = id ?? null;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      result.error ??= `timed out after ${o.timeoutMs} ms`;
      resolve();
    }, o.timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([work, timeout]);
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
  void app.close().catch(() => {});
  if (result.recorded && o.deliver && loaded.config.alerts.enabled) {
    try {
      spawnDetached(o.selfArgv);
      result.deliverySpawned = true;
    } catch (e) {
      result.error = `recorded, but delivery could not start: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return result;
}

/** `ripcord hook deliver`: one dispatch and delivery round (started detached by the PAM hook). */
export async function hookDeliver(
  loaded: LoadedConfig,
  logger: Logger = silentLogger,
): Promise<{ queued: number; sent: number; retried: number; failed: number }> {
  return withApp(loaded, { logger, store: { openDeadline: Date.now() + 10_000 } }, async (app) =>
    // A short lease: if this short-lived process dies mid-send, `ripcord run` retries soon.
    deliverNow(
      {
        db: await app.db(),
        outbox: await app.outbox(),
        store: await app.events(),
        config: app.config,
        logger,
        baseDir: app.baseDir,
      },
      { leaseMs: 15_000 },
    ),
  );
}

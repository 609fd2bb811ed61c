// Wiring of owner notifications: the alerts subsystem's service, views and PAM finding over the
// app context's outbox and traffic record, with the configured channels and templates. Serves
// `ripcord run` (startAlerts), the `ripcord alerts …` commands and `ripcord hook pam|deliver`.

import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { silentLogger } from '../core/log.ts';
import type { Config } from '../core/config/index.ts';
import type { Db } from '../adapters/db/db.ts';
import { SqlOutboxStore } from '../adapters/db/alerts-store.ts';
import { createChannels } from '../adapters/channels/index.ts';
import { spawnDetached } from '../adapters/channels/detached.ts';
import * as alerts from '../alerts/index.ts';
import {
  createRenderer,
  deliverOnce,
  pamFinding,
  shippedTemplates,
  startAlertsService,
  type AlertDetail,
  type AlertView,
  type AlertsService,
  type AlertsServiceDeps,
  type AlertsStatus,
  type Channel,
  type FindingSource,
  type MessageContext,
  type OutboxStore,
  type Renderer,
  type Silence,
  type TestResult,
} from '../alerts/index.ts';
import type { LoadedConfig } from './config.ts';
import { resolvePath } from './config.ts';
import { createApp, withApp, type App } from './context.ts';

export type { AlertDetail, AlertView, AlertsService, AlertsStatus, TestResult };
export { pamFinding, pamService } from '../alerts/index.ts';

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

export function messageContext(config: Config): MessageContext {
  return { site: config.site.name, host: config.alerts.hostname ?? hostname() };
}

function templateRenderer(config: Config, baseDir: string | undefined): Promise<Renderer> {
  const own = config.alerts.templates;
  return createRenderer(
    own !== undefined ? [resolvePath(baseDir ?? process.cwd(), own), shippedTemplates] : [shippedTemplates],
  );
}

async function serviceDeps(d: AlertsDeps): Promise<AlertsServiceDeps> {
  const clock = d.clock ?? systemClock;
  let outbox = d.outbox;
  if (outbox === undefined) {
    outbox = new SqlOutboxStore(d.db, () => clock.now());
    await outbox.init();
  }
  return {
    outbox,
    findings: d.store,
    config: d.config.alerts,
    channels: d.channels ?? createChannels(d.config.alerts.channels, () => clock.now()),
    renderer: () => templateRenderer(d.config, d.baseDir),
    context: messageContext(d.config),
    clock,
    logger: (d.logger ?? silentLogger).child({ subsystem: 'alerts' }),
    // SQLite has one writer, so ids become visible in order; PostgreSQL sequences do not.
    gapGraceMs: d.db.dialect === 'postgres' ? 30_000 : 0,
  };
}

/** Alert delivery inside `ripcord run` (see alerts/service.ts). */
export function startAlerts(d: AlertsDeps): AlertsService {
  const deps = serviceDeps(d);
  let service: AlertsService | null = null;
  const started = deps.then((x) => {
    service = startAlertsService(x);
    return service;
  });
  const ready = started.then((s) => s.ready);
  ready.catch(() => {}); // reported by the service's logger; awaited by the caller
  return {
    notify: () => service?.notify(),
    ready,
    async stop() {
      const s = await started.catch(() => null);
      await s?.stop();
    },
  };
}

/** The alerts service over the app context's outbox and traffic record. */
export async function startAlertsFor(app: App): Promise<AlertsService> {
  return startAlerts({
    db: await app.db(),
    outbox: await app.outbox(),
    store: await app.findings(),
    config: app.config,
    logger: app.logger,
    clock: app.clock,
    baseDir: app.baseDir,
  });
}

/** One dispatch and one delivery round, now. */
export async function deliverNow(
  d: AlertsDeps,
  o: { leaseMs?: number } = {},
): Promise<{ queued: number; sent: number; retried: number; failed: number }> {
  return deliverOnce(await serviceDeps(d), o);
}

// ---- commands ------------------------------------------------------------------------

export async function listAlerts(
  app: App,
  q: { status?: 'open' | 'acked'; since?: number; limit: number },
): Promise<AlertView[]> {
  return alerts.listAlerts(await app.outbox(), q, app.config.alerts.resolveTimeout, app.clock.now());
}

export async function showAlert(app: App, id: number): Promise<AlertDetail> {
  return alerts.showAlert(await app.outbox(), id, app.config.alerts.resolveTimeout, app.clock.now());
}

export async function ackAlert(app: App, id: number): Promise<{ id: number; acked: boolean; already: boolean }> {
  return alerts.ackAlert(await app.outbox(), id, app.clock.now());
}

export async function addSilence(
  app: App,
  s: { match: string; forMs: number; comment?: string | undefined },
): Promise<Silence> {
  return alerts.addSilence(await app.outbox(), s, app.clock.now());
}

export async function listSilences(app: App, all: boolean): Promise<Silence[]> {
  return (await app.outbox()).listSilences(app.clock.now(), all);
}

export async function expireSilence(app: App, id: number): Promise<{ id: number; expired: boolean }> {
  return { id, expired: await (await app.outbox()).expireSilence(id, app.clock.now()) };
}

export async function alertsStatus(app: App): Promise<AlertsStatus> {
  return alerts.alertsStatus(await app.outbox(), Object.keys(app.config.alerts.channels));
}

/** Sends a test message on one channel now, outside the outbox, and reports what happened. */
export async function testChannel(
  loaded: LoadedConfig,
  name: string,
  o: { channels?: Map<string, Channel> } = {},
): Promise<TestResult> {
  const { config } = loaded;
  const channels = o.channels ?? createChannels(config.alerts.channels);
  try {
    return await alerts.sendTestMessage(
      channels,
      name,
      () => templateRenderer(config, loaded.baseDir),
      messageContext(config),
      Date.now,
    );
  } finally {
    for (const c of channels.values()) await c.close?.();
  }
}

// ---- PAM hook ------------------------------------------------------------------------

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
    const [id] = await (await app.findings()).addFindings([finding]);
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
        store: await app.findings(),
        config: app.config,
        logger,
        baseDir: app.baseDir,
      },
      { leaseMs: 15_000 },
    ),
  );
}

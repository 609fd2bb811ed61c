// Several web servers, one Ripcord: each `ripcord run` writes a heartbeat under its host name
// (hosts.name or the machine's), the leading server watches for hosts gone quiet (a finding,
// so the alert path tells the owner, and another when the host is heard again), and on
// PostgreSQL the servers elect one leader through an advisory lock (adapters/db/hosts-store.ts).

import { SqlHostStore, tryLeadership, type HostInfo, type Leadership } from '../adapters/db/hosts-store.ts';
import type { Finding } from '../core/finding.ts';
import type { App } from './context.ts';
import { hostName } from './store.ts';

export type { HostInfo };
export type RunRole = 'all' | 'agent' | 'server';

/** How long a host may be silent before it counts as quiet (hosts.quietAfterMinutes). */
const quietMs = (app: App): number => app.config.hosts.quietAfterMinutes * 60_000;

/** Whether a host has been silent too long at `now`. */
const silent = (app: App, h: HostInfo, now: number): boolean => now - h.lastSeen > quietMs(app);

/** Heartbeats every 15 s, or often enough to beat three times within the quiet time. */
const beatMs = (app: App): number => Math.min(15_000, quietMs(app) / 3);

async function hostStore(app: App): Promise<SqlHostStore> {
  const s = new SqlHostStore(await app.db());
  await s.init();
  return s;
}

export async function listHosts(app: App): Promise<(HostInfo & { quiet: boolean })[]> {
  const now = app.clock.now();
  return (await (await hostStore(app)).list()).map((h) => ({ ...h, quiet: silent(app, h, now) }));
}

/** Writes this host's heartbeat now and every 15 s until stopped. */
export async function startHeartbeat(app: App, role: RunRole): Promise<{ stop(): Promise<void> }> {
  const store = await hostStore(app);
  const me = { name: hostName(app.config), role, pid: process.pid, startedAt: app.clock.now() };
  await store.beat(me, app.clock.now());
  const timer = setInterval(() => {
    store
      .beat(me, app.clock.now())
      .catch((e: unknown) => app.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'heartbeat failed'));
  }, beatMs(app));
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
    },
  };
}

function hostFinding(h: HostInfo, quiet: boolean, at: number, quietAfterMinutes: number): Finding {
  return {
    rule: quiet ? 'host-quiet' : 'host-back',
    category: 'host',
    severity: quiet ? 'high' : 'low',
    time: at,
    ip: null,
    user: null,
    service: 'ripcord',
    field: 'host',
    match: h.name,
    message: quiet
      ? `host ${h.name} has not reported for over ${quietAfterMinutes} minutes (last ${new Date(h.lastSeen).toISOString()}): its logs and files are not being watched`
      : `host ${h.name} reports again`,
    groupKey: `host|${h.name}`,
    evidence: [`last heard ${new Date(h.lastSeen).toISOString()}, role ${h.role}, pid ${h.pid ?? '?'}`],
  };
}

/**
 * One pass of the quiet-host watch: marks hosts silent for too long (a finding each, once) and
 * clears the mark of those heard again. Returns the findings stored.
 */
export async function checkQuietHosts(app: App): Promise<Finding[]> {
  const store = await hostStore(app);
  const now = app.clock.now();
  const found: Finding[] = [];
  for (const h of await store.list()) {
    const quiet = silent(app, h, now);
    if (quiet && h.quietSince === null && (await store.setQuiet(h.name, now)))
      found.push(hostFinding(h, true, now, app.config.hosts.quietAfterMinutes));
    else if (!quiet && h.quietSince !== null && (await store.setQuiet(h.name, null)))
      found.push(hostFinding(h, false, now, app.config.hosts.quietAfterMinutes));
  }
  if (found.length > 0) await (await app.findings()).addFindings(found);
  return found;
}

/** The quiet-host watch, every 30 s (or twice per hosts.quietAfterMinutes), waking the alert dispatcher when it finds something. */
export function startHostWatch(
  app: App,
  notify: () => void,
  everyMs = Math.min(30_000, quietMs(app) / 2),
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = checkQuietHosts(app)
      .then((f) => {
        if (f.length > 0) notify();
      })
      .catch((e: unknown) => app.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'host watch failed'));
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** Waits until this server leads (polling every `everyMs`), or null when the signal aborts first. */
export async function awaitLeadership(app: App, signal: AbortSignal, everyMs = 5000): Promise<Leadership | null> {
  const db = await app.db();
  let waiting = false;
  while (!signal.aborted) {
    let l: Leadership | null = null;
    try {
      l = await tryLeadership(db);
    } catch (e) {
      // the store is unreachable for now (restarting): try again after the pause
      app.logger.warn(
        { err: e instanceof Error ? e.message : String(e) },
        'cannot reach the store to contend for the lead',
      );
    }
    if (l !== null) return l;
    if (!waiting) app.logger.info({}, 'another server leads: standing by');
    waiting = true;
    await new Promise<void>((r) => {
      const t = setTimeout(r, everyMs);
      signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  return null;
}

// `ripcord run`: the long-running process. It follows every configured source through the
// pipeline into the store, prunes old traffic, and is where the other subsystems plug in
// (alert delivery, integrity watch, backup schedule). It stops cleanly on abort: each source
// finishes the batch it is storing, so a restart resumes exactly where it stopped.

import { AppError } from '../core/errors.ts';
import { SourceChannel, type SourceStats } from '../logs/index.ts';
import type { App } from './context.ts';
import { sources } from '../adapters/sources/index.ts';
import { startDetection, type DetectThread } from './detect-thread.ts';
import { startServices, type Service } from './services.ts';
import { awaitLeadership, startHeartbeat, type RunRole } from './hosts.ts';
import { hostName } from './store.ts';

export interface RunOptions {
  signal: AbortSignal;
  /**
   * all (default): one server does everything. agent: reads this host's logs and watches its
   * files into the shared store. server: delivers alerts and runs the schedules, as the leader
   * among the servers of the store (a PostgreSQL advisory lock), standing by otherwise.
   */
  role?: RunRole;
  /** Read every source to its current end, then stop (for cron and tests). */
  once?: boolean;
  pollMs?: number;
  /** Called when all sources have started. */
  onReady?: (info: { sources: string[] }) => void;
}

export interface RunSummary {
  sources: (SourceStats & { source: string })[];
  pruned: number;
}

const DAY = 86_400_000;

/** Runs until `o.signal` aborts (or, with `once`, until every source is read); the caller closes `app`. */
export async function runDaemon(app: App, o: RunOptions): Promise<RunSummary> {
  const { config, baseDir, loaded } = app;
  const log = app.logger;
  const events = await app.events();
  const services: Service[] = [];
  let pruned = 0;
  let thread: DetectThread | null = null;
  let leading: Promise<void> = Promise.resolve();
  const stopLeading = new AbortController();
  try {
    // One detector for every source; its gates on a second thread only when asked (detect.thread:
    // true): live traffic is light, and `auto` leaves the daemon's memory to one thread.
    const detection = await startDetection(loaded, events, config.detect.thread === true);
    thread = detection.gates;
    const detector = detection.detector;
    const role = o.role ?? 'all';
    const reads = role !== 'server';
    if (!o.once) {
      const beat = await startHeartbeat(app, role);
      services.push({ name: 'heartbeat', stop: () => beat.stop() });
      if (reads) services.push(...(await startServices(app, { files: true, lead: false })));
      if (role !== 'agent')
        leading = lead(app, AbortSignal.any([o.signal, stopLeading.signal]), services).catch((e: unknown) =>
          log.error({ err: e instanceof Error ? e.message : String(e) }, 'leading stopped'),
        );
    }
    const notify = () => {
      for (const s of services) s.notify?.();
    };

    // Retention: prune at start and then every hour.
    const prune = async () => {
      const removed = await events.prune(Date.now() - config.logs.retentionDays * DAY);
      pruned += removed;
      if (removed > 0) log.info({ removed, retentionDays: config.logs.retentionDays }, 'pruned old traffic');
    };
    await prune();
    const pruneTimer = o.once
      ? null
      : setInterval(() => void prune().catch((e: unknown) => log.error({ err: String(e) }, 'prune failed')), 3_600_000);

    const channels: SourceChannel[] = [];
    // An agent's sources are stored under its host name: two servers' `nginx` stay apart.
    const prefix = role === 'agent' ? `${hostName(config)}/` : '';
    const built = (reads ? config.sources : []).map((spec) => ({
      spec,
      source: sources.create(spec, {
        baseDir,
        follow: !o.once,
        batchLines: config.logs.batchLines,
        stdin: process.stdin,
        ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      }),
    }));
    const runs = built.map(async ({ spec, source }) => {
      const id = prefix + source.id;
      const channel = new SourceChannel(
        {
          store: events,
          detector,
          batchGates: thread ?? undefined,
          platform: config.site.platform,
          onFindings: notify,
        },
        id,
        spec.format,
        {
          logFormat: spec.logFormat,
          timezone: spec.timezone,
        },
      );
      channels.push(channel);
      const state = await events.sourceState(id);
      log.info({ source: id, resume: state?.checkpoint !== null && state?.checkpoint !== undefined }, 'source started');
      // A failing source is retried with backoff; the others keep running.
      for (let attempt = 0; !o.signal.aborted; attempt++) {
        try {
          const current = await events.sourceState(id);
          await source.run(current?.checkpoint ?? null, (b) => channel.handle(b), o.signal);
          await channel.flush();
          return;
        } catch (e) {
          // The batch parsed but not yet stored is stored now (or dropped if that fails): the
          // retry reads on from the checkpoint stored last, so nothing is doubled or lost.
          await channel.flush().catch(() => {});
          const err = e instanceof AppError ? e : new AppError('io', String(e));
          if (o.once) throw err;
          const wait = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6));
          log.error({ source: id, err: err.describe(), retryInMs: wait }, 'source failed');
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    });
    o.onReady?.({ sources: built.map((b) => prefix + b.source.id) });
    await Promise.all(runs);
    // Followers return only when stopped; but with no sources at all (or stdin at its end) the
    // other services (alerts, the integrity watch) still run until the process is told to stop.
    if (!o.once && !o.signal.aborted)
      await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
    if (pruneTimer) clearInterval(pruneTimer);
    return { sources: channels.map((c) => ({ source: c.sourceId, ...c.stats })), pruned };
  } finally {
    stopLeading.abort();
    await leading;
    await thread?.close();
    for (const s of services.reverse())
      await s.stop().catch((e: unknown) => log.error({ err: String(e) }, 'service stop failed'));
  }
}

/**
 * The leader's services (alert delivery, schedules, the quiet-host watch), started once this
 * server leads and stopped if it loses the lead (its lock connection broke), to contend again.
 * They are added to `services` (woken by new findings, stopped at shutdown).
 */
async function lead(app: App, signal: AbortSignal, services: Service[]): Promise<void> {
  while (!signal.aborted) {
    const leadership = await awaitLeadership(app, signal);
    if (leadership === null) return;
    app.logger.info({}, 'leading: alert delivery and schedules run here');
    const mine = await startServices(app, { files: false, lead: true });
    services.push(...mine);
    const stopped = new Promise<'stop'>((r) => signal.addEventListener('abort', () => r('stop'), { once: true }));
    const why = await Promise.race([stopped, leadership.lost.then(() => 'lost' as const)]);
    for (const s of mine.reverse()) {
      services.splice(services.indexOf(s), 1);
      await s.stop().catch((e: unknown) => app.logger.error({ err: String(e) }, 'service stop failed'));
    }
    await leadership.release();
    if (why === 'stop') return;
    app.logger.warn({}, 'lost the lead (the store connection broke): contending again');
  }
}

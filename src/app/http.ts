// What the HTTP API and the dashboard need from the app beyond the CLI's functions: a cursor
// page of findings, the audit log of writes (one JSON line per write: when, who, what, the
// status, kept beside the store in the state folder), traffic and logins, an address's
// activity, and file changes with their diff and revert.

import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { App } from './context.ts';
import { resolvePath } from './config.ts';
import { backupList } from './backup.ts';
import { AppError } from '../core/errors.ts';
import {
  integrityCheck,
  integrityContextIn,
  integrityDiff,
  integrityRevert,
  type CheckResult,
  type DiffResult,
} from './integrity.ts';
import {
  emptyBucket,
  searchLogs,
  timeline,
  top,
  who,
  type StoredEvent,
  type StoredFinding,
  type TimeBucket,
  type TimelineItem,
  type TopBy,
  type WhoRow,
} from '../logs/index.ts';

export async function findingsPage(
  app: App,
  after: number,
  limit: number,
  host?: string,
): Promise<{ items: StoredFinding[]; next: number | null }> {
  const items = await (await app.findings()).findingsAfter(after, limit, host);
  return { items, next: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
}

export async function auditWrite(
  app: App,
  e: { by: string; method: string; path: string; status: number },
): Promise<void> {
  mkdirSync(app.config.stateDir, { recursive: true });
  appendFileSync(
    join(app.config.stateDir, 'http-audit.jsonl'),
    `${JSON.stringify({ time: new Date(app.clock.now()).toISOString(), ...e })}\n`,
    { mode: 0o600 },
  );
}

/** Requests and logins, newest first (the CLI's `logs search`). */
export async function trafficSearch(
  app: App,
  q: {
    ip?: string;
    path?: string;
    method?: string;
    status?: number[];
    since?: number;
    until?: number;
    host?: string;
    limit: number;
  },
): Promise<StoredEvent[]> {
  return searchLogs(await app.events(), {
    limit: q.limit,
    ...(q.host !== undefined ? { host: q.host } : {}),
    ...(q.status !== undefined && q.status.length > 0 ? { status: q.status } : {}),
    ...(q.ip !== undefined ? { ip: q.ip } : {}),
    ...(q.path !== undefined ? { pathGlob: q.path } : {}),
    ...(q.method !== undefined ? { method: q.method.toUpperCase() } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  });
}

/**
 * Requests over a window in `buckets` equal buckets by status class (empty ones as zeros, for a
 * chart), and the window's leading addresses and paths.
 */
export async function trafficOverTime(
  app: App,
  q: { since: number; until: number; buckets: number; top: number },
): Promise<{
  bucketMs: number;
  series: TimeBucket[];
  topIps: { value: string | null; count: number }[];
  topPaths: { value: string | null; count: number }[];
}> {
  const events = await app.events();
  const bucketMs = Math.max(60_000, Math.ceil((q.until - q.since) / q.buckets / 60_000) * 60_000);
  const [found, topIps, topPaths] = await Promise.all([
    events.requestsOverTime(q.since, q.until, bucketMs),
    events.top('ip', q.since, q.until, q.top),
    events.top('path', q.since, q.until, q.top),
  ]);
  const byTime = new Map(found.map((b) => [b.time, b]));
  const series: TimeBucket[] = [];
  for (let t = q.since; t < q.until; t += bucketMs) series.push(byTime.get(t) ?? emptyBucket(t));
  return { bucketMs, series, topIps, topPaths };
}

/** Logins and connections (the CLI's `logs who`). */
export async function logins(
  app: App,
  q: { since?: number; until?: number; failed?: 'true' | 'false'; host?: string; limit: number },
): Promise<WhoRow[]> {
  return who(await app.events(), {
    limit: q.limit,
    ...(q.host !== undefined ? { host: q.host } : {}),
    failed: q.failed === 'true',
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  });
}

/** The newest findings first (the dashboard's overview). */
export async function recentFindings(app: App, limit: number): Promise<StoredFinding[]> {
  return (await app.findings()).listFindings({ limit });
}

/** Everything one address did, for the dashboard's attacker page: its findings and its traffic. */
export async function addressActivity(
  app: App,
  ip: string,
  limit: number,
): Promise<{ findings: StoredFinding[]; events: StoredEvent[] }> {
  const [findings, events] = await Promise.all([
    (await app.findings()).listFindings({ ip, limit }),
    searchLogs(await app.events(), { ip, limit }),
  ]);
  return { findings, events };
}

// ---- file changes for the dashboard and the API: the quick check, one file's diff, revert ----

/** The changes since the known-good baseline (the quick check: cached hashes where safe). */
export async function fileChanges(app: App): Promise<CheckResult> {
  return integrityCheck(integrityContextIn(app), { full: false });
}

/** One file: baseline against now, with the unified diff. */
export async function fileDiff(app: App, path: string): Promise<DiffResult> {
  return integrityDiff(integrityContextIn(app), path);
}

/**
 * Writes the known-good copy of one file back, moving what is not in the baseline to the
 * quarantine when `quarantineAdded` (default: when the path itself is an added file). `expect`
 * is the current content's hash the person saw (null: the file was missing): when the file
 * changed since, nothing is written and the conflict is reported. `current`: the diff the
 * caller has just taken, instead of taking it again.
 */
export async function fileRevert(
  app: App,
  o: {
    path: string;
    expect: string | null;
    by: string;
    dryRun: boolean;
    quarantineAdded?: boolean;
    current?: DiffResult;
  },
): Promise<Awaited<ReturnType<typeof integrityRevert>>> {
  const ctx = { ...integrityContextIn(app), by: o.by };
  const now = o.current ?? (await integrityDiff(ctx, o.path));
  if ((now.after?.hash ?? null) !== o.expect)
    throw new AppError('conflict', 'the file changed since it was shown: look at its diff again', {
      where: o.path,
    });
  return integrityRevert(ctx, {
    paths: [o.path],
    all: false,
    dryRun: o.dryRun,
    deleteAdded: o.quarantineAdded ?? now.status === 'added',
  });
}

/** The most frequent values of a field over a window (the CLI's `logs top`). */
export async function trafficTop(
  app: App,
  q: { by: TopBy; since?: number; until?: number; limit: number },
): Promise<{ value: string | null; count: number }[]> {
  return top(await app.events(), q.by, q);
}

/** Requests, logins and findings between two instants, oldest first (the CLI's `logs timeline`). */
export async function trafficTimeline(
  app: App,
  q: { from: number; to: number; ip?: string; limit: number },
): Promise<TimelineItem[]> {
  return timeline(await app.events(), await app.findings(), q);
}

// ---- the dashboard's static files: uPlot from its package, the page scripts beside http/ ----

const assetFiles = {
  'uplot.js': () => import.meta.resolve('uplot/dist/uPlot.iife.min.js'),
  'uplot.css': () => import.meta.resolve('uplot/dist/uPlot.min.css'),
  'traffic.js': () => new URL('../http/static/traffic.js', import.meta.url).href,
} as const;

export type DashboardAsset = keyof typeof assetFiles;
export type { TopBy };
const assetCache = new Map<DashboardAsset, string>();

/** A static file of the dashboard, read once. */
export function dashboardAsset(name: DashboardAsset): string {
  let text = assetCache.get(name);
  if (text === undefined) assetCache.set(name, (text = readFileSync(fileURLToPath(assetFiles[name]()), 'utf8')));
  return text;
}

/** The certificate and key of http.tls, read now (a missing or unreadable file is named), or null. */
export function tlsFiles(app: App): { cert: Buffer; key: Buffer } | null {
  const tls = app.config.http.tls;
  if (tls === null) return null;
  const read = (what: 'cert' | 'key') => {
    const file = resolvePath(app.baseDir, tls[what]);
    try {
      return readFileSync(file);
    } catch (e) {
      throw new AppError(
        'config_invalid',
        `cannot read the TLS ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        {
          where: `http.tls.${what} (${file})`,
        },
      );
    }
  };
  return { cert: read('cert'), key: read('key') };
}

type BackupOverview = { jobs: { job: string; last: number | null; snapshot: string | null }[] } | { error: string };
const overviewCache = new WeakMap<App, { at: number; value: BackupOverview }>();

/**
 * Each configured backup job's newest snapshot (the overview's "are the backups running?").
 * Null when no job is configured; the reason when the repository cannot be read. Listing
 * snapshots reads and decrypts each one's record, so the answer is kept for 30 seconds.
 */
export async function backupOverview(app: App): Promise<BackupOverview | null> {
  const jobs = app.config.backup.jobs.map((j) => j.name);
  if (jobs.length === 0) return null;
  const cached = overviewCache.get(app);
  if (cached !== undefined && app.clock.now() - cached.at < 30_000) return cached.value;
  const value = await readBackupOverview(app, jobs);
  overviewCache.set(app, { at: app.clock.now(), value });
  return value;
}

async function readBackupOverview(app: App, jobs: string[]): Promise<BackupOverview> {
  try {
    const all = await backupList(app);
    return {
      jobs: jobs.map((job) => {
        const mine = all.filter((b) => b.job === job);
        const last = mine[mine.length - 1];
        return { job, last: last === undefined ? null : Date.parse(last.time), snapshot: last?.id ?? null };
      }),
    };
  } catch (e) {
    return { error: e instanceof AppError ? e.describe() : String(e) };
  }
}

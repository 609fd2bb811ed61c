// The traffic record as the CLI and the daemon use it: importing files, and the questions
// an owner asks in an emergency (search, who logged in, top talkers, timeline).

import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../core/errors.ts';
import type { Config, FormatName } from '../core/config/index.ts';
import { FileSource } from '../adapters/sources/file.ts';
import { StreamSource } from '../adapters/sources/stdin.ts';
import { SourceChannel, type EventDetector, type SourceStats } from '../logs/pipeline.ts';
import type { LineSource } from '../logs/sources.ts';
import type { AuthQuery, EventStore, HttpQuery, StoredAuth, StoredEvent, StoredFinding, TopBy } from '../logs/ports.ts';

export interface IngestOptions {
  files: string[];
  format: FormatName;
  logFormat?: string | undefined;
  timezone?: string | undefined;
  platform?: string | undefined;
  detector?: EventDetector | undefined;
  batchLines?: number | undefined;
  /** Read standard input for `-`. */
  stdin?: Readable | undefined;
  onProgress?: (p: { file: string; read: number; total: number; lines: number }) => void;
  onFindings?: (ids: number[]) => void;
  signal?: AbortSignal;
}

export interface IngestResult extends SourceStats {
  file: string;
  source: string;
  durationMs: number;
  linesPerSecond: number;
}

/** The source id a file gets when imported with `ripcord ingest` (its absolute path). */
export function fileSourceId(path: string): string {
  return `file:${resolve(path)}`;
}

/**
 * Imports files once. Each file is its own source with a checkpoint, so importing the same
 * file again only adds what was appended since (and a crash mid-way resumes, not doubles).
 */
export async function ingestFiles(store: EventStore, o: IngestOptions): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const signal = o.signal ?? new AbortController().signal;
  for (const file of o.files) {
    const started = performance.now();
    let source: LineSource;
    if (file === '-') {
      if (!o.stdin) throw new AppError('usage', 'standard input is not available');
      source = new StreamSource('stdin', o.stdin, o.batchLines);
    } else {
      source = new FileSource({
        id: fileSourceId(file),
        path: resolve(file),
        follow: false,
        batchLines: o.batchLines ?? 5000,
      });
    }
    const channel = new SourceChannel(
      {
        store,
        detector: o.detector,
        platform: o.platform ?? 'custom',
        ...(o.onFindings ? { onFindings: o.onFindings } : {}),
      },
      source.id,
      o.format,
      { logFormat: o.logFormat, timezone: o.timezone ?? 'UTC' },
    );
    const state = source.id === 'stdin' ? null : await store.sourceState(source.id);
    await source.run(
      state?.checkpoint ?? null,
      async (batch) => {
        await channel.handle(batch);
        const p = source.progress?.();
        o.onProgress?.({ file, read: p?.read ?? 0, total: p?.total ?? 0, lines: channel.stats.lines });
      },
      signal,
    );
    const durationMs = performance.now() - started;
    results.push({
      file,
      source: source.id,
      ...channel.stats,
      durationMs,
      linesPerSecond: durationMs > 0 ? Math.round((channel.stats.lines * 1000) / durationMs) : 0,
    });
  }
  return results;
}

export interface SearchOptions extends Omit<HttpQuery, 'limit'> {
  limit?: number;
  service?: AuthQuery['service'];
  kind?: 'http' | 'auth' | 'all';
}

/**
 * Searches the record, newest first. HTTP-only filters (path, method, status) search requests;
 * user/service search logins; with neither, both kinds are merged by time.
 */
export async function searchLogs(store: EventStore, q: SearchOptions): Promise<StoredEvent[]> {
  const limit = q.limit ?? 100;
  const httpOnly =
    q.pathGlob !== undefined || q.pathRe !== undefined || q.method !== undefined || (q.status?.length ?? 0) > 0;
  const authOnly = q.service !== undefined;
  if (httpOnly && authOnly)
    throw new AppError(
      'usage',
      '--service applies to logins; --path, --method and --status to web requests: use one kind',
    );
  const kind = q.kind ?? (httpOnly ? 'http' : authOnly ? 'auth' : 'all');
  const common = {
    ...(q.ip !== undefined ? { ip: q.ip } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.source !== undefined ? { source: q.source } : {}),
    limit,
  };
  const out: StoredEvent[] = [];
  if (kind !== 'auth') {
    const { service: _s, kind: _k, ...http } = q;
    out.push(...(await store.searchHttp({ ...http, ...common })));
  }
  if (kind !== 'http')
    out.push(...(await store.searchAuth({ ...common, ...(q.service !== undefined ? { service: q.service } : {}) })));
  out.sort((a, b) => b.time - a.time || b.id - a.id);
  return out.slice(0, limit);
}

export interface WhoRow extends StoredAuth {
  /** Whether this user had logged in successfully from this IP before this event. */
  knownIp: boolean | null;
}

/** Every login and connection (SSH, FTP, sudo, shop admin), newest first. */
export async function who(
  store: EventStore,
  q: {
    since?: number;
    until?: number;
    user?: string;
    service?: AuthQuery['service'];
    failed?: boolean;
    limit?: number;
  },
): Promise<WhoRow[]> {
  const rows = await store.searchAuth({
    loginsOnly: true,
    ...(q.failed ? {} : { outcome: 'success' as const }),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.service !== undefined ? { service: q.service } : {}),
    limit: q.limit ?? 100,
  });
  const out: WhoRow[] = [];
  for (const r of rows) {
    const knownIp = r.user !== null && r.ip !== null ? await store.seenBefore(r.user, r.ip, r.time) : null;
    out.push({ ...r, knownIp });
  }
  return out;
}

export async function top(
  store: EventStore,
  by: TopBy,
  q: { since?: number; until?: number; limit?: number },
): Promise<{ value: string | null; count: number }[]> {
  return store.top(by, q.since, q.until, q.limit ?? 20);
}

export type TimelineItem = StoredEvent | (StoredFinding & { kind: 'finding' });

/** Every kind of event and finding between two instants, oldest first. */
export async function timeline(
  store: EventStore,
  q: { from: number; to: number; ip?: string; limit?: number },
): Promise<TimelineItem[]> {
  const limit = q.limit ?? 1000;
  const base = { since: q.from, until: q.to, limit, ...(q.ip !== undefined ? { ip: q.ip } : {}) };
  const [http, auth, findings] = await Promise.all([
    store.searchHttp(base),
    store.searchAuth(base),
    store.listFindings(base),
  ]);
  const items: TimelineItem[] = [...http, ...auth, ...findings.map((f) => ({ ...f, kind: 'finding' as const }))];
  items.sort((a, b) => a.time - b.time || kindOrder(a) - kindOrder(b) || a.id - b.id);
  return items.slice(-limit);
}

function kindOrder(i: TimelineItem): number {
  return i.kind === 'finding' ? 2 : i.kind === 'auth' ? 1 : 0;
}

export type { Config };

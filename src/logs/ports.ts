// What the logs subsystem needs from the outside: a store for the traffic record (events,
// rejections, findings and source checkpoints, written together), and sources of lines.
//
// Ownership and idempotency: `append` writes a whole batch and the checkpoint after it in one
// transaction; replaying the same batch after a crash is impossible because the checkpoint
// moved with it. Retries belong to the caller (the pipeline retries transient store errors).

import type { AuthEvent, AuthService, HttpEvent, LogEvent, Rejection } from './events.ts';
import { resolve } from 'node:path';
import type { LineSource } from './sources.ts';
import type { Finding } from '../core/finding.ts';

/** Where a source stopped, stored with the events it covers. Opaque to the store. */
export type Checkpoint = Record<string, string | number | null>;

export interface SourceState {
  id: string;
  checkpoint: Checkpoint | null;
  lines: number;
  events: number;
  skipped: number;
  rejected: number;
  updatedAt: number | null;
}

export interface AppendBatch {
  sourceId: string;
  events: LogEvent[];
  /** Line number (1-based, within the source) of each event, parallel to `events`. */
  eventLines: number[];
  rejects: Rejection[];
  /** Findings with the index (into `events`) of the event that caused them, or -1. */
  findings: { finding: Finding; event: number }[];
  lines: number;
  skipped: number;
  /** Position after the last line of this batch; null for sources without one (stdin). */
  checkpoint: Checkpoint | null;
  /**
   * Events the store already turned into its own form (EventStore.pack), stored with the
   * batch after `events`; findings never point at them.
   */
  packed?: PackedEvents;
}

/**
 * Requests a store encoded as soon as they were parsed (PostgreSQL: COPY text), so a batch
 * waiting for the commit before it holds a few long strings instead of thousands of objects
 * the garbage collector would copy again and again. Opaque to the pipeline.
 */
export interface PackedEvents {
  /** How many events the pieces hold. */
  count: number;
  /** The store's encoding of them, in order. */
  pieces: string[];
  /** What the encoding assumed, checked by the store at commit (PostgreSQL: the source's number). */
  basis: string;
}

/** All the events of a batch, those still objects and those packed. */
export const batchEvents = (b: AppendBatch): number => b.events.length + (b.packed?.count ?? 0);

export interface StoredFinding extends Finding {
  id: number;
  source: string | null;
  /** The host whose Ripcord stored it (several web servers on one store). */
  host: string | null;
  eventKind: string | null;
  eventId: number | null;
}

export interface HttpQuery {
  ip?: string;
  since?: number;
  until?: number;
  /** Glob over the path (`*` within a segment and across, `?`), as SQLite GLOB. */
  pathGlob?: string;
  pathRe?: string;
  method?: string;
  status?: number[];
  user?: string;
  source?: string;
  /** Only what this host's sources read. */
  host?: string;
  limit: number;
}

export interface AuthQuery {
  ip?: string;
  since?: number;
  until?: number;
  user?: string;
  service?: AuthService;
  source?: string;
  /** Only what this host's sources read. */
  host?: string;
  /** Only logins and connections (not commands or disconnects). */
  loginsOnly?: boolean;
  outcome?: 'success' | 'failure';
  limit: number;
}

/** A stored request: the event plus where it is kept and where it came from. */
export interface StoredHttp extends HttpEvent {
  id: number;
  source: string;
  line: number;
}

/** A stored login or connection. */
export interface StoredAuth extends AuthEvent {
  id: number;
  source: string;
  line: number;
}

export type StoredEvent = StoredHttp | StoredAuth;

export type TopBy = 'ip' | 'path' | 'status' | 'user-agent' | 'user';

export interface StoredReject {
  id: number;
  source: string;
  line: number;
  text: string;
  reason: string;
}

export interface FindingQuery {
  since?: number;
  until?: number;
  ip?: string;
  rule?: string;
  category?: string;
  minSeverity?: string;
  host?: string;
  limit: number;
}

/**
 * The findings kept beside the traffic record: those of detection are written by
 * `EventStore.append` in the batch's transaction; the rest (PAM hook, integrity watch,
 * vulnerable software) through `addFindings`. Ids only grow, so `findingsAfter` is a cursor.
 * Implemented by the same store as EventStore (one table, one transaction with the events).
 */
export interface FindingStore {
  /** Findings not tied to a line; one transaction; returns their ids in order. */
  addFindings(findings: Finding[]): Promise<number[]>;
  findingsAfter(afterId: number, limit: number, host?: string): Promise<StoredFinding[]>;
  /** The newest finding's id (0 with none): a cursor for "from now on". */
  lastFindingId(): Promise<number>;
  listFindings(q: FindingQuery): Promise<StoredFinding[]>;
}

/** One bucket of `requestsOverTime`: its start (ms) and the requests in it by status class. */
export interface TimeBucket {
  time: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  other: number;
}

/** A bucket starting at `time` with no request in it. */
export const emptyBucket = (time: number): TimeBucket => ({ time, s2xx: 0, s3xx: 0, s4xx: 0, s5xx: 0, other: 0 });

/** Adds `n` requests of `status` to a bucket. */
export function countStatus(b: TimeBucket, status: number, n = 1): void {
  const c = Math.floor(status / 100);
  if (c === 2) b.s2xx += n;
  else if (c === 3) b.s3xx += n;
  else if (c === 4) b.s4xx += n;
  else if (c === 5) b.s5xx += n;
  else b.other += n;
}

/**
 * The traffic record. `append` claims the source's checkpoint: it moves only from the value
 * this store last read (`sourceState`) or wrote for the source, else the batch is refused
 * whole with AppError 'conflict' (another writer has the source).
 */
export interface EventStore {
  /** Creates tables and indexes (idempotent). */
  init(): Promise<void>;
  sourceState(id: string): Promise<SourceState | null>;
  listSources(): Promise<SourceState[]>;
  /** One transaction: events, rejections, findings, counters and the checkpoint. Returns the finding ids. */
  append(batch: AppendBatch): Promise<{ findingIds: number[] }>;
  /**
   * Optional: encodes the events it can of a freshly parsed slice (never those in `keep`, which
   * findings point at) and says which it left as objects (indices, in order); null when it
   * cannot yet (say, before the source's first commit). See PackedEvents.
   */
  pack?(
    sourceId: string,
    events: readonly LogEvent[],
    eventLines: readonly number[],
    keep: ReadonlySet<number>,
  ): { packed: PackedEvents; kept: number[] } | null;
  searchHttp(q: HttpQuery): Promise<StoredHttp[]>;
  searchAuth(q: AuthQuery): Promise<StoredAuth[]>;
  /** Whether `user` had a successful login from `ip` (any service) before `before`. */
  seenBefore(user: string, ip: string, before: number): Promise<boolean>;
  top(
    by: TopBy,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]>;
  /** Requests per time bucket and status class (2xx…5xx; `other` for the rest), oldest bucket first; empty buckets left out. */
  requestsOverTime(since: number, until: number, bucketMs: number): Promise<TimeBucket[]>;
  rejects(q: { source?: string; limit: number }): Promise<StoredReject[]>;
  counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }>;
  /** Deletes events, rejections and findings older than `before`; returns rows removed. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Opens the source that reads a named file once (`-` for standard input), for `ripcord ingest`. */
export type SourceOpener = (file: string) => LineSource;

/**
 * The id a log file's source is stored under (its checkpoint and counters) unless the config
 * names one: `file:` and its absolute path. `ripcord ingest` and a `type: file` source agree on
 * it, so importing a file that is also followed never reads it twice.
 */
export function fileSourceId(path: string): string {
  return `file:${resolve(path)}`;
}

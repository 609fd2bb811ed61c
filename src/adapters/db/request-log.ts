// The requests of the SQLite traffic record, kept as column blocks (request-block.ts) in tables
// keyed by a block's first event id: http_blocks (the catalog: id range, time range, statuses,
// sources), http_block_ips (a Bloom filter of each block's address keys), http_block_data (the block's
// head: row count and column lengths) and http_block_columns (each column's compressed frame
// on its own row, so a search reads only the columns it filters on). A search reads the
// catalog, skips blocks whose time, status, source or address keys rule them out, and decodes
// the needed columns of the rest, newest block first, stopping once no older block can beat
// what it has. Event ids are handed out from http_ids and never reused, so findings keep
// pointing at their request.
//
// Every method runs inside the caller's transaction or is a read; the caller (SqlEventStore)
// owns transactions, so a batch's blocks commit with its checkpoint.

import { countStatus, emptyBucket, type HttpQuery, type TimeBucket } from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import type { SqliteDb } from './sqlite.ts';
import type { HttpEvent } from '../../logs/index.ts';
import { buildAddressFilter, mayHoldAddress } from './address-filter.ts';
import { KeyCounter } from './key-counter.ts';
import {
  BLOCK_MAX_ROWS,
  BLOCK_MIN_ROWS,
  BlockDamage,
  BlockReader,
  encodeBlock,
  splitBlock,
  type BlockRow,
  type RowColumns,
  type TextColumn,
} from './request-block.ts';
import { ipKey, ipv4Text } from './address-key.ts';
import { globLiteral, globRegExp } from './glob.ts';

export const requestLogDdl = `
CREATE TABLE http_blocks (first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, rows INTEGER NOT NULL,
  min_time INTEGER NOT NULL, max_time INTEGER NOT NULL, statuses TEXT NOT NULL, sources TEXT NOT NULL);
CREATE INDEX http_blocks_time ON http_blocks (max_time, min_time);
CREATE TABLE http_block_ips (first_id INTEGER PRIMARY KEY, filter BLOB NOT NULL);
CREATE TABLE http_block_data (first_id INTEGER PRIMARY KEY, head BLOB NOT NULL);
CREATE TABLE http_block_columns (key INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE http_ids (one INTEGER PRIMARY KEY CHECK (one = 1), next INTEGER NOT NULL);
INSERT INTO http_ids (one, next) VALUES (1, 1);
`;

/** Column c of the block starting at id f is stored under key f * COLUMN_KEYS + c. */
const COLUMN_KEYS = 32;

interface CatalogRow {
  first_id: number;
  last_id: number;
  rows: number;
  min_time: number;
  max_time: number;
  statuses: string;
  sources: string;
}

/** A matching row, located before it is turned into an event (only the newest `limit` are). */
interface Hit {
  time: number;
  id: number;
  reader: BlockReader;
  i: number;
}

export interface BlockSizes {
  /** Most rows per block (at most BLOCK_MAX_ROWS). */
  max: number;
  /** A trailing block below this is merged with the next append. */
  min: number;
}

/** A block's identity: a block rewritten by an append or a prune changes at least one part. */
const identity = (b: CatalogRow): string => `${b.first_id}:${b.last_id}:${b.rows}`;

const numList = (s: string): number[] => (s === '' ? [] : s.split(',').map(Number));

/** Most bytes of address filters kept in memory between searches (a 10M-request record holds ~10 MB). */
const FILTER_CACHE_BYTES = 64 * 1024 * 1024;

export class RequestLog {
  readonly #db: SqliteDb;
  readonly #sizes: BlockSizes;
  /**
   * Address filters read by earlier searches, keyed by the block's identity (first id, last id,
   * rows): a block rewritten by a prune (here or by another process) has another identity, so a
   * stale filter is never used.
   */
  readonly #filters = new Map<string, Uint8Array>();
  #filterBytes = 0;
  /**
   * The blocks the last searches read, with the columns they decoded (the newest blocks, which
   * the dashboard and an investigation ask for again and again), by the same identity.
   */
  readonly #recent = new Map<string, BlockReader>();

  constructor(db: SqliteDb, sizes: Partial<BlockSizes> = {}) {
    this.#db = db;
    const max = Math.min(BLOCK_MAX_ROWS, sizes.max ?? BLOCK_MAX_ROWS);
    this.#sizes = { max, min: Math.min(max, sizes.min ?? BLOCK_MIN_ROWS) };
  }

  /**
   * Stores requests of one source (must run inside a transaction) and returns their ids, in
   * order. A small trailing block is read back and rewritten with the new rows, so a follower
   * committing a few lines at a time still ends up with full blocks.
   */
  append(src: number, events: readonly HttpEvent[], lines: readonly number[]): number[] {
    return guard(() => this.#append(src, events, lines));
  }

  #append(src: number, events: readonly HttpEvent[], lines: readonly number[]): number[] {
    if (events.length === 0) return [];
    const db = this.#db;
    const next = (db.prepare('SELECT next FROM http_ids WHERE one = 1').get() as { next: number }).next;
    const all: RowColumns = { ids: [], srcs: [], lines: [], events: [] };
    const tail = db.prepare('SELECT first_id, rows FROM http_blocks ORDER BY first_id DESC LIMIT 1').get() as
      | { first_id: number; rows: number }
      | undefined;
    if (tail !== undefined && tail.rows < this.#sizes.min) {
      const reader = this.#reader(tail.first_id);
      if (reader !== null) {
        reader.allInto(all);
        this.#delete(tail.first_id);
      }
    }
    const ids = new Array<number>(events.length);
    for (let i = 0; i < events.length; i++) {
      ids[i] = next + i;
      all.ids.push(next + i);
      all.srcs.push(src);
      all.lines.push(lines[i] as number);
      all.events.push(events[i] as HttpEvent);
    }
    this.#write(all);
    db.prepare('UPDATE http_ids SET next = ? WHERE one = 1').run(next + events.length);
    return ids;
  }

  /**
   * Stores rows that already have ids (converting an older store), in id order, and makes sure
   * later ids come after them. Inside a transaction.
   */
  restore(rows: RowColumns): void {
    if (rows.events.length === 0) return;
    this.#write(rows);
    const last = rows.ids[rows.ids.length - 1] as number;
    this.#db.prepare('UPDATE http_ids SET next = MAX(next, ?) WHERE one = 1').run(last + 1);
  }

  /** Encodes rows into blocks of even size (none above the maximum) and stores them. */
  #write(rows: RowColumns): void {
    const total = rows.events.length;
    const blocks = Math.ceil(total / this.#sizes.max);
    const per = Math.ceil(total / blocks);
    const insCat = this.#db.prepare(
      'INSERT INTO http_blocks (first_id, last_id, rows, min_time, max_time, statuses, sources) VALUES (?,?,?,?,?,?,?)',
    );
    const insIps = this.#db.prepare('INSERT INTO http_block_ips (first_id, filter) VALUES (?, ?)');
    const insHead = this.#db.prepare('INSERT INTO http_block_data (first_id, head) VALUES (?, ?)');
    const insCol = this.#db.prepare('INSERT INTO http_block_columns (key, data) VALUES (?, ?)');
    for (let at = 0; at < total; at += per) {
      const { summary: s, data } = encodeBlock(rows, at, Math.min(total, at + per));
      insCat.run(s.firstId, s.lastId, s.rows, s.minTime, s.maxTime, s.statuses.join(','), s.sources.join(','));
      insIps.run(s.firstId, buildAddressFilter(s.ipKeys));
      const { head, frames } = splitBlock(data);
      insHead.run(s.firstId, head);
      frames.forEach((f, c) => {
        insCol.run(s.firstId * COLUMN_KEYS + c, f);
      });
    }
  }

  #delete(firstId: number): void {
    for (const t of ['http_blocks', 'http_block_ips', 'http_block_data'])
      this.#db.prepare(`DELETE FROM ${t} WHERE first_id = ?`).run(firstId);
    this.#db
      .prepare('DELETE FROM http_block_columns WHERE key >= ? AND key < ?')
      .run(firstId * COLUMN_KEYS, (firstId + 1) * COLUMN_KEYS);
  }

  #reader(firstId: number): BlockReader | null {
    const r = this.#db.prepare('SELECT head FROM http_block_data WHERE first_id = ?').get(firstId) as
      | { head: Uint8Array }
      | undefined;
    if (r === undefined) return null;
    const col = this.#db.prepare('SELECT data FROM http_block_columns WHERE key = ?');
    const load = (c: number): Buffer | null => {
      const f = col.get(firstId * COLUMN_KEYS + c) as { data: Uint8Array } | undefined;
      return f === undefined ? null : Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    };
    return new BlockReader(Buffer.from(r.head.buffer, r.head.byteOffset, r.head.byteLength), firstId, undefined, load);
  }

  /** A search's reader of a block: kept for the next searches (the 32 most recently used). */
  #recentReader(b: CatalogRow): BlockReader | null {
    const k = identity(b);
    let r = this.#recent.get(k) ?? null;
    if (r !== null) this.#recent.delete(k);
    else r = this.#reader(b.first_id);
    if (r === null) return null;
    this.#recent.set(k, r);
    if (this.#recent.size > 32) this.#recent.delete(this.#recent.keys().next().value as string);
    return r;
  }

  /** The stored block starting at `firstId` (benchmarks and tools), or null. */
  block(firstId: number): BlockReader | null {
    return guard(() => this.#reader(firstId));
  }

  #catalog(since: number | undefined, until: number | undefined): CatalogRow[] {
    return this.#db
      .prepare(
        'SELECT first_id, last_id, rows, min_time, max_time, statuses, sources FROM http_blocks WHERE max_time >= ? AND min_time < ? ORDER BY max_time DESC, first_id DESC',
      )
      .all(since ?? Number.MIN_SAFE_INTEGER, until ?? Number.MAX_SAFE_INTEGER) as unknown as CatalogRow[];
  }

  /** Rows matching `q` (source already resolved to its number), newest first, at most q.limit. */
  search(q: HttpQuery, src: ReadonlySet<number> | undefined): BlockRow[] {
    return guard(() => this.#search(q, src));
  }

  #search(q: HttpQuery, src: ReadonlySet<number> | undefined): BlockRow[] {
    const since = q.since ?? Number.MIN_SAFE_INTEGER;
    const until = q.until ?? Number.MAX_SAFE_INTEGER;
    const statuses = q.status !== undefined && q.status.length > 0 ? new Set(q.status) : null;
    const key = q.ip !== undefined ? ipKey(q.ip) : null;
    const filterStmt = this.#db.prepare('SELECT filter FROM http_block_ips WHERE first_id = ?');
    const filterOf = (b: CatalogRow): Uint8Array | undefined => {
      const k = identity(b);
      let f = this.#filters.get(k);
      if (f === undefined) {
        const r = filterStmt.get(b.first_id) as { filter: Uint8Array } | undefined;
        if (r === undefined) return undefined;
        f = new Uint8Array(r.filter); // a copy: the driver's buffer is not ours to keep
        if (this.#filterBytes + f.byteLength > FILTER_CACHE_BYTES) {
          this.#filters.clear();
          this.#filterBytes = 0;
        }
        this.#filters.set(k, f);
        this.#filterBytes += f.byteLength;
      }
      return f;
    };
    const method = q.method?.toUpperCase();
    const glob = q.pathGlob !== undefined ? globRegExp(q.pathGlob) : null;
    const globText = q.pathGlob !== undefined ? globLiteral(q.pathGlob) : '';
    const re = q.pathRe !== undefined ? pathRegExp(q.pathRe) : null;
    const limit = q.limit;
    if (limit <= 0) return [];
    const hits: Hit[] = [];
    /** Time of the limit-th newest hit so far (older blocks must beat it to matter). */
    let floor = -Infinity;
    const trim = () => {
      hits.sort((a, b) => b.time - a.time || b.id - a.id);
      if (hits.length > limit) hits.length = limit;
      if (hits.length === limit) floor = (hits[limit - 1] as Hit).time;
    };
    for (const b of this.#catalog(q.since, q.until)) {
      if (b.max_time < floor) break;
      if (statuses !== null && !numList(b.statuses).some((s) => statuses.has(s))) continue;
      if (src !== undefined && !numList(b.sources).some((n) => src.has(n))) continue;
      if (key !== null) {
        const f = filterOf(b);
        if (f === undefined || !mayHoldAddress(f, key)) continue;
      }
      const reader = this.#recentReader(b);
      if (reader === null) continue;
      const sel = new Uint8Array(reader.rows).fill(1);
      // The address first: a filter's false positive then costs no time column.
      if (q.ip !== undefined) {
        reader.text('ip').narrowEquals(sel, q.ip);
        if (!sel.includes(1)) continue;
      }
      const time = reader.numbers('time');
      if (b.min_time < since || b.max_time >= until || b.max_time >= floor) {
        for (let i = 0; i < reader.rows; i++) {
          const t = time[i] as number;
          if (t < since || t >= until || t < floor) sel[i] = 0;
        }
      }
      if (statuses !== null) {
        const st = reader.numbers('status');
        for (let i = 0; i < reader.rows; i++) if (sel[i] === 1 && !statuses.has(st[i] as number)) sel[i] = 0;
      }
      if (src !== undefined) {
        const sc = reader.numbers('src');
        for (let i = 0; i < reader.rows; i++) if (!src.has(sc[i] as number)) sel[i] = 0;
      }
      if (method !== undefined) reader.text('method').narrowEquals(sel, method);
      if (q.user !== undefined) reader.text('user').narrowEquals(sel, q.user);
      if (glob !== null) reader.text('path').narrowMatch(sel, glob, globText);
      if (re !== null) reader.text('path').narrowMatch(sel, re, '');
      let ids: Float64Array | null = null;
      let added = false;
      for (let i = 0; i < reader.rows; i++) {
        if (sel[i] === 0) continue;
        ids ??= reader.ids();
        hits.push({ time: time[i] as number, id: ids[i] as number, reader, i });
        added = true;
      }
      if (added && hits.length >= limit) trim();
    }
    trim();
    return hits.map((h) => h.reader.row(h.i));
  }

  /** Counts per value of a request field over a time window, most frequent first. */
  top(
    by: 'ip' | 'path' | 'status' | 'user-agent',
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): { value: string | null; count: number }[] {
    return guard(() => this.#top(by, since, until, limit));
  }

  #top(
    by: 'ip' | 'path' | 'status' | 'user-agent',
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): { value: string | null; count: number }[] {
    const lo = since ?? Number.MIN_SAFE_INTEGER;
    const hi = until ?? Number.MAX_SAFE_INTEGER;
    const counts = new Map<string | null, number>();
    // IPv4 addresses and statuses are counted as numbers; only the leaders become text.
    const numbers = new KeyCounter();
    const col: TextColumn | null = by === 'ip' ? 'ip' : by === 'path' ? 'path' : by === 'user-agent' ? 'ua' : null;
    for (const b of this.#catalog(since, until)) {
      const reader = this.#reader(b.first_id);
      if (reader === null) continue;
      let sel: Uint8Array | null = null;
      if (b.min_time < lo || b.max_time >= hi) {
        const time = reader.numbers('time');
        sel = new Uint8Array(reader.rows);
        for (let i = 0; i < reader.rows; i++) sel[i] = (time[i] as number) >= lo && (time[i] as number) < hi ? 1 : 0;
      }
      if (col === 'ip') reader.text(col).countAddressesInto(sel, numbers, counts);
      else if (col !== null) reader.text(col).countInto(sel, counts);
      else {
        const st = reader.numbers('status');
        for (let i = 0; i < reader.rows; i++) {
          if (sel !== null && sel[i] !== 1) continue;
          const v = st[i] as number;
          // Statuses are 3-digit in practice; any odd one a log holds is counted by its text.
          if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) numbers.add(v, 1);
          else counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
        }
      }
    }
    const asText = col === 'ip' ? ipv4Text : String;
    const merged = new Map<string | null, number>(
      topOf(numbers.entries(), limit).map((t) => [asText(t.value), t.count]),
    );
    for (const t of topOf(counts, limit)) merged.set(t.value, (merged.get(t.value) ?? 0) + t.count);
    return topOf(merged, limit);
  }

  /** Requests per bucket of `bucketMs` from `since` and status class (columns time and status only). */
  overTime(since: number, until: number, bucketMs: number): TimeBucket[] {
    return guard(() => {
      const out = new Map<number, TimeBucket>();
      for (const b of this.#catalog(since, until)) {
        const reader = this.#reader(b.first_id);
        if (reader === null) continue;
        const time = reader.numbers('time');
        const status = reader.numbers('status');
        for (let i = 0; i < reader.rows; i++) {
          const t = time[i] as number;
          if (t < since || t >= until) continue;
          const start = since + Math.floor((t - since) / bucketMs) * bucketMs;
          let bucket = out.get(start);
          if (bucket === undefined) out.set(start, (bucket = emptyBucket(start)));
          countStatus(bucket, status[i] as number);
        }
      }
      return [...out.values()].sort((a, b) => a.time - b.time);
    });
  }

  count(): number {
    return (this.#db.prepare('SELECT COALESCE(SUM(rows), 0) AS n FROM http_blocks').get() as { n: number }).n;
  }

  /** Removes requests older than `before` (inside a transaction); returns how many. */
  prune(before: number): number {
    return guard(() => this.#prune(before));
  }

  #prune(before: number): number {
    let removed = 0;
    const old = this.#db
      .prepare('SELECT first_id, rows, min_time, max_time FROM http_blocks WHERE min_time < ?')
      .all(before) as { first_id: number; rows: number; min_time: number; max_time: number }[];
    for (const b of old) {
      if (b.max_time < before) {
        // Whole blocks go without being read.
        this.#delete(b.first_id);
        removed += b.rows;
        continue;
      }
      const reader = this.#reader(b.first_id);
      // Read the rows to keep before the columns are deleted (a reader loads columns lazily).
      const keep: RowColumns = { ids: [], srcs: [], lines: [], events: [] };
      reader?.allInto(keep, (e) => e.time >= before);
      this.#delete(b.first_id);
      if (reader === null) continue;
      removed += reader.rows - keep.events.length;
      if (keep.events.length > 0) this.#write(keep);
    }
    return removed;
  }
}

/** Runs fn, reporting a block that cannot be read as a damaged store rather than as a crash. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof BlockDamage)) throw e;
    throw new AppError('store', `the traffic record is damaged: ${e.message}`, { cause: e });
  }
}

/**
 * The `limit` most frequent values, most first. A day holds hundreds of thousands of distinct
 * addresses; keeping only the leaders while walking the counts is much cheaper than sorting
 * them all (measured 18% of `top --by ip`).
 */
function topOf<K>(counts: Iterable<[K, number]>, limit: number): { value: K; count: number }[] {
  const best: { value: K; count: number }[] = [];
  if (limit <= 0) return best;
  for (const [value, count] of counts) {
    if (best.length === limit && count <= (best[limit - 1] as { count: number }).count) continue;
    let i = best.length === limit ? limit - 1 : best.length;
    if (best.length === limit) best.pop();
    while (i > 0 && (best[i - 1] as { count: number }).count < count) i--;
    best.splice(i, 0, { value, count });
  }
  return best;
}

/** `--path-re` compiled, or a usage error that says why it is not a regular expression. */
export function pathRegExp(re: string): RegExp {
  try {
    return new RegExp(re);
  } catch (e) {
    throw new AppError(
      'usage',
      `--path-re is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

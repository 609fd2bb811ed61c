// The traffic record on SQLite: requests in compressed column blocks (request-log.ts: one block
// write per batch instead of a row and index updates per request), read through the block
// catalog; logins, rejections, findings and checkpoints in the shared tables
// (events-store-base.ts), all of a batch in one synchronous transaction.

import type { AuthEvent, HttpEvent } from '../../logs/index.ts';
import type { AppendBatch, HttpQuery, StoredHttp, TimeBucket, TopBy } from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import { authCols, findingCols, findingMarks, findingValues, SqlEventStore } from './events-store-base.ts';
import { eventsMigrations } from './events-schema.ts';
import type { SqliteDb } from './sqlite.ts';
import { RequestLog, type BlockSizes } from './request-log.ts';
import { convertLegacyPartitions } from './request-log-legacy.ts';

export class SqliteEventStore extends SqlEventStore {
  override readonly db: SqliteDb;
  #requests: RequestLog | null = null;
  readonly #blockSizes: Partial<BlockSizes>;

  constructor(
    db: SqliteDb,
    now: () => number = Date.now,
    o: { blockRows?: Partial<BlockSizes>; host?: string | null } = {},
  ) {
    super(db, now, o.host ?? null);
    this.db = db;
    this.#blockSizes = o.blockRows ?? {};
  }

  /** The request log (init() must have run). */
  #log(): RequestLog {
    if (this.#requests === null) throw new AppError('store', 'the event store was used before init()');
    return this.#requests;
  }

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
    // SQLite's default page cache (2 MB): appends write whole new blocks that are not read
    // again, and a search reads blocks through the operating system's cache anyway; a 32 MB
    // cache held 30 MB of written pages for nothing during an import (2M lines: 292 against
    // 330 MB with the detection thread, no slower).
    this.db.raw.exec('PRAGMA cache_size=-2048; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=4000;');
    this.#requests = new RequestLog(this.db, this.#blockSizes);
    convertLegacyPartitions(this.db, this.#requests);
  }

  protected appendBatch(b: AppendBatch): Promise<{ findingIds: number[] }> {
    const db = this.db;
    const now = this.now();
    let src = this.sources.get(b.sourceId);
    try {
      const result = db.txSync(() => {
        if (src === undefined) {
          db.prepare('INSERT INTO log_sources (id, host) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run(
            b.sourceId,
            this.host,
          );
          const row = db.prepare('SELECT num FROM log_sources WHERE id = ?').get(b.sourceId) as { num: number };
          src = row.num;
          this.sources.set(b.sourceId, src);
        }
        const s = src;
        const insAuth = db.prepare(`INSERT INTO auth_events (${authCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
        const ids: number[] = new Array(b.events.length);
        const requests: HttpEvent[] = [];
        const requestLines: number[] = [];
        const requestAt: number[] = [];
        for (let i = 0; i < b.events.length; i++) {
          const e = b.events[i] as HttpEvent | AuthEvent;
          const line = b.eventLines[i] ?? 0;
          if (e.kind === 'http') {
            requests.push(e);
            requestLines.push(line);
            requestAt.push(i);
          } else {
            const r = insAuth.run(
              s,
              line,
              e.time,
              e.service,
              e.action,
              e.outcome,
              e.user,
              e.ip,
              e.port,
              e.method,
              e.invalidUser ? 1 : 0,
              e.targetUser,
              e.command,
              e.host,
              e.program,
              e.message,
            );
            ids[i] = Number(r.lastInsertRowid);
          }
        }
        const requestIds = this.#log().append(s, requests, requestLines);
        for (let k = 0; k < requestAt.length; k++) ids[requestAt[k] as number] = requestIds[k] as number;
        if (b.rejects.length > 0) {
          const insRej = db.prepare('INSERT INTO log_rejects (src, line, text, reason, at) VALUES (?,?,?,?,?)');
          for (const r of b.rejects) insRej.run(s, r.line, r.text, r.reason, now);
        }
        const findingIds: number[] = [];
        if (b.findings.length > 0) {
          const insF = db.prepare(`INSERT INTO findings (${findingCols}) VALUES (${findingMarks})`);
          for (const { finding: f, event } of b.findings) {
            const ev = event >= 0 ? b.events[event] : undefined;
            const r = insF.run(
              ...findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now, this.host),
            );
            findingIds.push(Number(r.lastInsertRowid));
          }
        }
        const claim = this.claimStatement('sqlite', s, b, now);
        if (Number(db.prepare(claim.sql).run(...claim.params).changes) !== 1) throw this.claimRefused(b);
        return { findingIds };
      });
      return Promise.resolve(result);
    } catch (e) {
      return Promise.reject(
        e instanceof AppError
          ? e
          : new AppError('store', `SQLite append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
      );
    }
  }

  protected async searchRequests(q: HttpQuery, srcs: ReadonlySet<number> | undefined): Promise<StoredHttp[]> {
    return this.#log()
      .search(q, srcs)
      .map((r) => ({ ...r.event, id: r.id, source: this.sourceName(r.src), line: r.line }));
  }

  protected async topRequests(
    by: Exclude<TopBy, 'user'>,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]> {
    return this.#log().top(by, since, until, limit);
  }

  async requestsOverTime(since: number, until: number, bucketMs: number): Promise<TimeBucket[]> {
    return this.#log().overTime(since, until, bucketMs);
  }

  protected async countRequests(): Promise<number> {
    return this.#log().count();
  }

  protected async pruneRequests(before: number): Promise<number> {
    return this.db.txSync(() => this.#log().prune(before));
  }
}

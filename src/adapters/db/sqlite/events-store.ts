// The traffic record on SQLite. Requests go to column blocks (../request-log.ts: one block
// write per batch instead of a row and index updates per request); logins, rejections,
// findings and the claimed checkpoint are plain tables, all written in one synchronous
// transaction so nothing else in the process interleaves.

import type { AuthEvent, HttpEvent } from '../../../core/events.ts';
import type { AppendBatch, FindingStore, HttpQuery, StoredHttp, TopBy } from '../../../logs/ports.ts';
import { AppError } from '../../../core/errors.ts';
import { eventsMigrations } from '../events-schema.ts';
import {
  authCols,
  claimParams,
  claimRefused,
  claimSql,
  findingCols,
  findingValues,
  SqlEventRecord,
} from '../events-sql.ts';
import type { SqliteDb } from '../sqlite.ts';
import { pathRegExp, RequestLog, type BlockSizes } from '../request-log.ts';
import { convertLegacyPartitions } from '../request-log-legacy.ts';
import { SqliteFindingStore } from './findings-store.ts';

export class SqliteEventStore extends SqlEventRecord {
  declare readonly db: SqliteDb;
  readonly findings: FindingStore;
  #requests: RequestLog | null = null;
  #blockSizes: Partial<BlockSizes>;

  constructor(db: SqliteDb, now: () => number = Date.now, o: { blockRows?: Partial<BlockSizes> } = {}) {
    super(db, now);
    this.findings = new SqliteFindingStore(db, now);
    this.#blockSizes = o.blockRows ?? {};
  }

  /** The request log (init() must have run). */
  #log(): RequestLog {
    if (this.#requests === null) throw new AppError('store', 'the event store was used before init()');
    return this.#requests;
  }

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
    // A bigger page cache keeps the catalog and recent blocks in memory.
    this.db.raw.exec('PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=4000;');
    this.#requests = new RequestLog(this.db, this.#blockSizes);
    convertLegacyPartitions(this.db, this.#requests);
  }

  async append(b: AppendBatch): Promise<{ findingIds: number[] }> {
    const db = this.db;
    const now = this.now();
    let src = this.sources.get(b.sourceId);
    try {
      return db.txSync(() => {
        if (src === undefined) {
          db.prepare('INSERT INTO log_sources (id) VALUES (?) ON CONFLICT (id) DO NOTHING').run(b.sourceId);
          const row = db.prepare('SELECT num FROM log_sources WHERE id = ?').get(b.sourceId) as { num: number };
          src = row.num;
        }
        const s = src;
        // The claim first: a batch whose starting checkpoint is no longer the stored one writes nothing.
        const claimed = db
          .prepare(claimSql(b.from === undefined ? null : 'checkpoint IS ?'))
          .run(...claimParams(b, s, now));
        if (Number(claimed.changes) !== 1) throw claimRefused(b.sourceId);
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
          const insF = db.prepare(`INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
          for (const { finding: f, event } of b.findings) {
            const ev = event >= 0 ? b.events[event] : undefined;
            const r = insF.run(...findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now));
            findingIds.push(Number(r.lastInsertRowid));
          }
        }
        this.sources.set(b.sourceId, s);
        return { findingIds };
      });
    } catch (e) {
      // Ids cached in the rolled-back transaction no longer exist.
      this.sources.clear();
      throw e instanceof AppError
        ? e
        : new AppError('store', `SQLite append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async searchHttp(q: HttpQuery): Promise<StoredHttp[]> {
    await this.loadSources();
    if (q.pathRe !== undefined) pathRegExp(q.pathRe); // a bad pattern is refused before reading
    let srcNum: number | undefined;
    if (q.source !== undefined) {
      srcNum = this.sources.get(q.source);
      if (srcNum === undefined) return [];
    }
    return this.#log()
      .search(q, srcNum)
      .map((r) => ({ ...r.event, id: r.id, source: this.sourceName(r.src), line: r.line }));
  }

  async top(
    by: TopBy,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]> {
    // Requests are counted over their blocks; logins in SQL.
    if (by !== 'user') return this.#log().top(by, since, until, limit);
    const params: (number | undefined)[] = [];
    const where: string[] = [];
    if (since !== undefined) where.push('e.time >= ?'), params.push(since);
    if (until !== undefined) where.push('e.time < ?'), params.push(until);
    const rows = await this.db.query<{ value: unknown; count: unknown }>(
      `SELECT e."user" AS value, COUNT(*) AS count FROM auth_events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY e."user" ORDER BY count DESC LIMIT ?`,
      [...(params as number[]), limit],
    );
    return rows.map((r) => ({
      value: r.value === null || r.value === undefined ? null : String(r.value),
      count: Number(r.count),
    }));
  }

  async counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }> {
    return {
      http: this.#log().count(),
      auth: await this.countRows('auth_events'),
      rejects: await this.countRows('log_rejects'),
      findings: await this.findings.countFindings(),
    };
  }

  async prune(before: number): Promise<number> {
    const removed = this.db.txSync(() => this.#log().prune(before));
    return removed + (await this.pruneShared(before));
  }
}

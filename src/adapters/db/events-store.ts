// The traffic record over SQL: one implementation of logs' EventStore for both dialects.
// Requests go to column blocks on SQLite (request-log.ts: one block write per batch instead of
// a row and index updates per request) and to a row table with set-based inserts (unnest of
// column arrays) on PostgreSQL. Logins, rejections, findings and checkpoints are plain tables
// on both, written in the same transaction as the requests.

import type { AuthEvent, HttpEvent } from '../../logs/index.ts';
import type {
  AppendBatch,
  AuthQuery,
  Checkpoint,
  EventStore,
  HttpQuery,
  SourceState,
  StoredAuth,
  StoredFinding,
  StoredHttp,
  StoredReject,
  TopBy,
} from '../../logs/ports.ts';
import type { Finding } from '../../detect/index.ts';
import { severities } from '../../detect/index.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, Queryable, SqlValue } from './db.ts';
import { eventsMigrations } from './events-schema.ts';
import { SqliteDb } from './sqlite.ts';
import { pathRegExp, RequestLog, type BlockSizes } from './request-log.ts';
import { convertLegacyPartitions } from './request-log-legacy.ts';

/** PostgreSQL TEXT cannot hold NUL; it is stored as U+2400 (␀) there. */
const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u2400') : s);

const httpCols = 'src, line, time, ip, method, path, query, protocol, status, bytes, referer, ua, "user", vhost, dur';
const authCols =
  'src, line, time, service, action, outcome, "user", ip, port, method, invalid_user, target_user, command, host, program, message';
const findingCols =
  'time, rule, category, severity, ip, "user", service, field, match, message, group_key, evidence, src, event_kind, event_id, created_at';

type R = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export class SqlEventStore implements EventStore {
  readonly db: Db;
  #sources = new Map<string, number>();
  #now: () => number;
  /** SQLite only: requests in column blocks. */
  #requests: RequestLog | null = null;
  #blockSizes: Partial<BlockSizes>;

  constructor(db: Db, now: () => number = Date.now, o: { blockRows?: Partial<BlockSizes> } = {}) {
    this.db = db;
    this.#now = now;
    this.#blockSizes = o.blockRows ?? {};
  }

  /** The SQLite request log (init() must have run). */
  #log(): RequestLog {
    if (this.#requests === null) throw new AppError('store', 'the event store was used before init()');
    return this.#requests;
  }

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
    if (this.db instanceof SqliteDb) {
      // A bigger page cache keeps the catalog and recent blocks in memory.
      this.db.raw.exec('PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=4000;');
      this.#requests = new RequestLog(this.db, this.#blockSizes);
      convertLegacyPartitions(this.db, this.#requests);
    }
  }

  async #sourceNum(q: Queryable, id: string): Promise<number> {
    const cached = this.#sources.get(id);
    if (cached !== undefined) return cached;
    await q.run('INSERT INTO log_sources (id) VALUES (?) ON CONFLICT (id) DO NOTHING', [id]);
    const [row] = await q.query<{ num: number }>('SELECT num FROM log_sources WHERE id = ?', [id]);
    if (!row) throw new AppError('store', `source ${id} could not be registered`);
    this.#sources.set(id, num(row.num));
    return num(row.num);
  }

  #sourceName(n: unknown): string {
    for (const [k, v] of this.#sources) if (v === Number(n)) return k;
    return String(n);
  }

  async #loadSources(): Promise<void> {
    const rows = await this.db.query<{ num: number; id: string }>('SELECT num, id FROM log_sources');
    for (const r of rows) this.#sources.set(r.id, num(r.num));
  }

  async sourceState(id: string): Promise<SourceState | null> {
    const [r] = await this.db.query<R>('SELECT * FROM log_sources WHERE id = ?', [id]);
    return r ? toSourceState(r) : null;
  }

  async listSources(): Promise<SourceState[]> {
    return (await this.db.query<R>('SELECT * FROM log_sources ORDER BY id')).map(toSourceState);
  }

  async append(batch: AppendBatch): Promise<{ findingIds: number[] }> {
    if (this.db instanceof SqliteDb) return this.#appendSqlite(this.db, batch);
    return this.#appendPostgres(batch);
  }

  #appendSqlite(db: SqliteDb, b: AppendBatch): { findingIds: number[] } {
    const now = this.#now();
    let src = this.#sources.get(b.sourceId);
    try {
      return db.txSync(() => {
        if (src === undefined) {
          db.prepare('INSERT INTO log_sources (id) VALUES (?) ON CONFLICT (id) DO NOTHING').run(b.sourceId);
          const row = db.prepare('SELECT num FROM log_sources WHERE id = ?').get(b.sourceId) as { num: number };
          src = row.num;
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
          const insF = db.prepare(`INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
          for (const { finding: f, event } of b.findings) {
            const ev = event >= 0 ? b.events[event] : undefined;
            const r = insF.run(...findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now));
            findingIds.push(Number(r.lastInsertRowid));
          }
        }
        db.prepare(
          'UPDATE log_sources SET checkpoint = ?, lines = lines + ?, events = events + ?, skipped = skipped + ?, rejected = rejected + ?, updated_at = ? WHERE num = ?',
        ).run(
          b.checkpoint === null ? null : JSON.stringify(b.checkpoint),
          b.lines,
          b.events.length,
          b.skipped,
          b.rejects.length,
          now,
          s,
        );
        return { findingIds };
      });
    } catch (e) {
      // Ids cached in the rolled-back transaction no longer exist.
      this.#sources.clear();
      throw e instanceof AppError
        ? e
        : new AppError('store', `SQLite append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async #appendPostgres(b: AppendBatch): Promise<{ findingIds: number[] }> {
    const now = this.#now();
    try {
      return await this.db.tx(async (q) => {
        const s = await this.#sourceNum(q, b.sourceId);
        const http: HttpEvent[] = [];
        const httpLines: number[] = [];
        const httpIdx: number[] = [];
        const auth: AuthEvent[] = [];
        const authLines: number[] = [];
        const authIdx: number[] = [];
        b.events.forEach((e, i) => {
          if (e.kind === 'http') {
            http.push(e);
            httpLines.push(b.eventLines[i] ?? 0);
            httpIdx.push(i);
          } else {
            auth.push(e);
            authLines.push(b.eventLines[i] ?? 0);
            authIdx.push(i);
          }
        });
        // Intern the batch's distinct strings in one statement.
        const distinct = new Set<string>();
        for (const e of http) {
          if (e.referer) distinct.add(pgText(e.referer));
          if (e.userAgent) distinct.add(pgText(e.userAgent));
        }
        const strIds = new Map<string, number>();
        if (distinct.size > 0) {
          const rows = await q.query<{ id: number; s: string }>(
            'INSERT INTO log_strings (s) SELECT unnest(?::text[]) ON CONFLICT (s) DO UPDATE SET s = excluded.s RETURNING id, s',
            [pgArray([...distinct])],
          );
          for (const r of rows) strIds.set(r.s, num(r.id));
        }
        const sid = (v: string | null) => (v ? (strIds.get(pgText(v)) ?? null) : null);
        const ids: number[] = new Array(b.events.length);
        if (http.length > 0) {
          const rows = await q.query<{ id: number }>(
            `INSERT INTO http_events (${httpCols}) SELECT ?::int, * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::int[]) RETURNING id`,
            [
              s,
              pgArray(httpLines),
              pgArray(http.map((e) => e.time)),
              pgArray(http.map((e) => pgText(e.ip))),
              pgArray(http.map((e) => pgText(e.method))),
              pgArray(http.map((e) => pgText(e.path))),
              pgArray(http.map((e) => pgText(e.query))),
              pgArray(http.map((e) => pgText(e.protocol))),
              pgArray(http.map((e) => e.status)),
              pgArray(http.map((e) => e.bytes)),
              pgArray(http.map((e) => sid(e.referer))),
              pgArray(http.map((e) => sid(e.userAgent))),
              pgArray(http.map((e) => (e.user === null ? null : pgText(e.user)))),
              pgArray(http.map((e) => (e.vhost === null ? null : pgText(e.vhost)))),
              pgArray(http.map((e) => (e.durationMs === null ? null : Math.round(e.durationMs)))),
            ],
          );
          rows.forEach((r, k) => {
            ids[httpIdx[k] ?? 0] = num(r.id);
          });
        }
        if (auth.length > 0) {
          const t = (v: string | null) => (v === null ? null : pgText(v));
          const rows = await q.query<{ id: number }>(
            `INSERT INTO auth_events (${authCols}) SELECT ?::int, * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::boolean[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) RETURNING id`,
            [
              s,
              pgArray(authLines),
              pgArray(auth.map((e) => e.time)),
              pgArray(auth.map((e) => e.service)),
              pgArray(auth.map((e) => e.action)),
              pgArray(auth.map((e) => e.outcome)),
              pgArray(auth.map((e) => t(e.user))),
              pgArray(auth.map((e) => t(e.ip))),
              pgArray(auth.map((e) => e.port)),
              pgArray(auth.map((e) => t(e.method))),
              pgArray(auth.map((e) => e.invalidUser)),
              pgArray(auth.map((e) => t(e.targetUser))),
              pgArray(auth.map((e) => t(e.command))),
              pgArray(auth.map((e) => t(e.host))),
              pgArray(auth.map((e) => t(e.program))),
              pgArray(auth.map((e) => pgText(e.message))),
            ],
          );
          rows.forEach((r, k) => {
            ids[authIdx[k] ?? 0] = num(r.id);
          });
        }
        for (const r of b.rejects) {
          await q.run('INSERT INTO log_rejects (src, line, text, reason, at) VALUES (?,?,?,?,?)', [
            s,
            r.line,
            pgText(r.text),
            pgText(r.reason),
            now,
          ]);
        }
        const findingIds: number[] = [];
        for (const { finding: f, event } of b.findings) {
          const ev = event >= 0 ? b.events[event] : undefined;
          const [row] = await q.query<{ id: number }>(
            `INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
            findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now).map((v) =>
              typeof v === 'string' ? pgText(v) : v,
            ),
          );
          findingIds.push(num(row?.id));
        }
        await q.run(
          'UPDATE log_sources SET checkpoint = ?, lines = lines + ?, events = events + ?, skipped = skipped + ?, rejected = rejected + ?, updated_at = ? WHERE num = ?',
          [
            b.checkpoint === null ? null : JSON.stringify(b.checkpoint),
            b.lines,
            b.events.length,
            b.skipped,
            b.rejects.length,
            now,
            s,
          ],
        );
        return { findingIds };
      });
    } catch (e) {
      this.#sources.clear();
      throw e;
    }
  }

  async addFindings(findings: Finding[]): Promise<number[]> {
    const now = this.#now();
    return this.db.tx(async (q) => {
      const ids: number[] = [];
      for (const f of findings) {
        const vals = findingValues(f, null, null, null, now).map((v) =>
          typeof v === 'string' && q.dialect === 'postgres' ? pgText(v) : v,
        );
        const [row] = await q.query<{ id: number }>(
          `INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
          vals,
        );
        ids.push(num(row?.id));
      }
      return ids;
    });
  }

  async searchHttp(q: HttpQuery): Promise<StoredHttp[]> {
    await this.#loadSources();
    if (q.pathRe !== undefined) pathRegExp(q.pathRe); // refuses a bad pattern on both dialects
    let srcNum: number | undefined;
    if (q.source !== undefined) {
      srcNum = this.#sources.get(q.source);
      if (srcNum === undefined) return [];
    }
    if (this.db instanceof SqliteDb) {
      return this.#log()
        .search(q, srcNum)
        .map((r) => ({ ...r.event, id: r.id, source: this.#sourceName(r.src), line: r.line }));
    }
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.ip !== undefined) where.push('e.ip = ?'), params.push(q.ip);
    if (q.since !== undefined) where.push('e.time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('e.time < ?'), params.push(q.until);
    if (q.method !== undefined) where.push('e.method = ?'), params.push(q.method.toUpperCase());
    if (q.status !== undefined && q.status.length > 0) {
      where.push(`e.status IN (${q.status.map(() => '?').join(',')})`);
      params.push(...q.status);
    }
    if (q.user !== undefined) where.push('e."user" = ?'), params.push(q.user);
    if (q.pathGlob !== undefined) where.push('e.path LIKE ?'), params.push(globToLike(q.pathGlob));
    if (q.pathRe !== undefined) where.push('e.path ~ ?'), params.push(q.pathRe);
    if (srcNum !== undefined) where.push('e.src = ?'), params.push(srcNum);
    params.push(q.limit);
    const rows = await this.db.query<R>(
      `SELECT e.*, r.s AS referer_s, u.s AS ua_s FROM http_events e
       LEFT JOIN log_strings r ON r.id = e.referer LEFT JOIN log_strings u ON u.id = e.ua
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.time DESC, e.id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => this.#toHttp(r));
  }

  #toHttp(r: R): StoredHttp {
    return {
      kind: 'http',
      id: num(r['id']),
      source: this.#sourceName(r['src']),
      line: num(r['line']),
      time: num(r['time']),
      ip: String(r['ip']),
      method: String(r['method']),
      path: String(r['path']),
      query: String(r['query']),
      protocol: String(r['protocol']),
      status: num(r['status']),
      bytes: numOrNull(r['bytes']),
      referer: strOrNull(r['referer_s']),
      userAgent: strOrNull(r['ua_s']),
      user: strOrNull(r['user']),
      vhost: strOrNull(r['vhost']),
      durationMs: numOrNull(r['dur']),
    };
  }

  async searchAuth(q: AuthQuery): Promise<StoredAuth[]> {
    await this.#loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.ip !== undefined) where.push('ip = ?'), params.push(q.ip);
    if (q.since !== undefined) where.push('time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('time < ?'), params.push(q.until);
    if (q.user !== undefined) where.push('"user" = ?'), params.push(q.user);
    if (q.service !== undefined) where.push('service = ?'), params.push(q.service);
    if (q.outcome !== undefined) where.push('outcome = ?'), params.push(q.outcome);
    if (q.loginsOnly) where.push("action IN ('login', 'connect')");
    if (q.source !== undefined) {
      const n = this.#sources.get(q.source);
      if (n === undefined) return [];
      where.push('src = ?');
      params.push(n);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(
      `SELECT * FROM auth_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => this.#toAuth(r));
  }

  #toAuth(r: R): StoredAuth {
    return {
      kind: 'auth',
      id: num(r['id']),
      source: this.#sourceName(r['src']),
      line: num(r['line']),
      time: num(r['time']),
      // Written only from the typed event, so the stored text is one of the union's values.
      service: String(r['service']) as StoredAuth['service'],
      action: String(r['action']) as StoredAuth['action'],
      outcome: String(r['outcome']) as StoredAuth['outcome'],
      user: strOrNull(r['user']),
      ip: strOrNull(r['ip']),
      port: numOrNull(r['port']),
      method: strOrNull(r['method']),
      invalidUser: r['invalid_user'] === true || Number(r['invalid_user']) === 1,
      targetUser: strOrNull(r['target_user']),
      command: strOrNull(r['command']),
      host: strOrNull(r['host']),
      program: strOrNull(r['program']),
      message: String(r['message']),
    };
  }

  async seenBefore(user: string, ip: string, before: number): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 AS x FROM auth_events WHERE "user" = ? AND ip = ? AND time < ? AND outcome = 'success' AND action IN ('login','connect') LIMIT 1`,
      [user, ip, before],
    );
    return rows.length > 0;
  }

  async top(
    by: TopBy,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]> {
    // Requests on SQLite are counted over their blocks; the rest in SQL.
    if (by !== 'user' && this.#requests !== null) return this.#requests.top(by, since, until, limit);
    const params: SqlValue[] = [];
    const where: string[] = [];
    if (since !== undefined) where.push('e.time >= ?'), params.push(since);
    if (until !== undefined) where.push('e.time < ?'), params.push(until);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    params.push(limit);
    let sql: string;
    if (by === 'user-agent') {
      sql = `SELECT u.s AS value, COUNT(*) AS count FROM http_events e LEFT JOIN log_strings u ON u.id = e.ua ${w} GROUP BY u.s ORDER BY count DESC LIMIT ?`;
    } else if (by === 'user') {
      sql = `SELECT e."user" AS value, COUNT(*) AS count FROM auth_events e ${w} GROUP BY e."user" ORDER BY count DESC LIMIT ?`;
    } else {
      const col = by === 'ip' ? 'e.ip' : by === 'path' ? 'e.path' : 'e.status';
      sql = `SELECT ${col} AS value, COUNT(*) AS count FROM http_events e ${w} GROUP BY ${col} ORDER BY count DESC LIMIT ?`;
    }
    const rows = await this.db.query<R>(sql, params);
    return rows.map((r) => ({
      value: r['value'] === null || r['value'] === undefined ? null : String(r['value']),
      count: num(r['count']),
    }));
  }

  async findingsAfter(afterId: number, limit: number): Promise<StoredFinding[]> {
    await this.#loadSources();
    const rows = await this.db.query<R>('SELECT * FROM findings WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((r) => this.#toFinding(r));
  }

  async listFindings(q: {
    since?: number;
    until?: number;
    ip?: string;
    rule?: string;
    category?: string;
    minSeverity?: string;
    limit: number;
  }): Promise<StoredFinding[]> {
    await this.#loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.since !== undefined) where.push('time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('time < ?'), params.push(q.until);
    if (q.ip !== undefined) where.push('ip = ?'), params.push(q.ip);
    if (q.rule !== undefined) where.push('rule = ?'), params.push(q.rule);
    if (q.category !== undefined) where.push('category = ?'), params.push(q.category);
    if (q.minSeverity !== undefined) {
      const idx = severities.indexOf(q.minSeverity as (typeof severities)[number]);
      if (idx < 0) throw new AppError('usage', `unknown severity ${q.minSeverity} (one of ${severities.join(', ')})`);
      const allowed = severities.slice(idx);
      where.push(`severity IN (${allowed.map(() => '?').join(',')})`);
      params.push(...allowed);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(
      `SELECT * FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => this.#toFinding(r));
  }

  #toFinding(r: R): StoredFinding {
    let evidence: string[] = [];
    try {
      const parsed: unknown = JSON.parse(String(r['evidence']));
      if (Array.isArray(parsed)) evidence = parsed.map(String);
    } catch {
      evidence = [];
    }
    return {
      id: num(r['id']),
      time: num(r['time']),
      rule: String(r['rule']),
      category: String(r['category']),
      severity: String(r['severity']) as StoredFinding['severity'],
      ip: strOrNull(r['ip']),
      user: strOrNull(r['user']),
      service: strOrNull(r['service']),
      field: String(r['field']),
      match: String(r['match']),
      message: String(r['message']),
      groupKey: String(r['group_key']),
      evidence,
      source: r['src'] === null || r['src'] === undefined ? null : this.#sourceName(r['src']),
      eventKind: strOrNull(r['event_kind']),
      eventId: numOrNull(r['event_id']),
    };
  }

  async rejects(q: { source?: string; limit: number }): Promise<StoredReject[]> {
    await this.#loadSources();
    const params: SqlValue[] = [];
    let w = '';
    if (q.source !== undefined) {
      const n = this.#sources.get(q.source);
      if (n === undefined) return [];
      w = 'WHERE src = ?';
      params.push(n);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(`SELECT * FROM log_rejects ${w} ORDER BY id DESC LIMIT ?`, params);
    return rows.map((r) => ({
      id: num(r['id']),
      source: this.#sourceName(r['src']),
      line: num(r['line']),
      text: String(r['text']),
      reason: String(r['reason']),
    }));
  }

  async counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }> {
    const one = async (t: string) =>
      num((await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]?.n ?? 0);
    return {
      http: this.#requests?.count() ?? (await one('http_events')),
      auth: await one('auth_events'),
      rejects: await one('log_rejects'),
      findings: await one('findings'),
    };
  }

  async prune(before: number): Promise<number> {
    let removed = 0;
    if (this.db instanceof SqliteDb) {
      const db = this.db;
      removed += db.txSync(() => this.#log().prune(before));
    }
    for (const t of this.db instanceof SqliteDb
      ? ['auth_events', 'findings']
      : ['http_events', 'auth_events', 'findings']) {
      removed += (await this.db.run(`DELETE FROM ${t} WHERE time < ?`, [before])).changes;
    }
    removed += (await this.db.run('DELETE FROM log_rejects WHERE at < ?', [before])).changes;
    return removed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function findingValues(
  f: Finding,
  src: number | null,
  kind: string | null,
  eventId: number | null,
  now: number,
): (string | number | null)[] {
  return [
    f.time,
    f.rule,
    f.category,
    f.severity,
    f.ip,
    f.user,
    f.service,
    f.field,
    f.match,
    f.message,
    f.groupKey,
    JSON.stringify(f.evidence),
    src,
    kind,
    eventId,
    now,
  ];
}

function toSourceState(r: R): SourceState {
  let checkpoint: Checkpoint | null = null;
  if (typeof r['checkpoint'] === 'string') {
    const parsed: unknown = JSON.parse(r['checkpoint']);
    if (parsed !== null && typeof parsed === 'object') checkpoint = parsed as Checkpoint;
  }
  return {
    id: String(r['id']),
    checkpoint,
    lines: num(r['lines']),
    events: num(r['events']),
    skipped: num(r['skipped']),
    rejected: num(r['rejected']),
    updatedAt: numOrNull(r['updated_at']),
  };
}

/** A PostgreSQL array literal for `?::type[]` parameters (pg serialises JS arrays itself; this keeps nulls). */
function pgArray(values: readonly (string | number | boolean | null)[]): SqlValue {
  return values as unknown as SqlValue;
}

/** SQLite GLOB syntax to LIKE for PostgreSQL: `*` -> `%`, `?` -> `_`, LIKE's own wildcards escaped. */
export function globToLike(glob: string): string {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return out;
}

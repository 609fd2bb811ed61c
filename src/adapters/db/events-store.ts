// The traffic record over SQL: one implementation of logs' EventStore for both dialects,
// with a fast synchronous append for SQLite (prepared statements in one transaction) and a
// set-based append for PostgreSQL (unnest of column arrays). Queries are shared; only GLOB,
// regular expressions and booleans differ.

import type { AuthEvent, HttpEvent } from '../../logs/events.ts';
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
import { eventsMigrations, httpPartitionDdl, httpPartitionSealDdl, httpViewDdl, ID_STRIDE, PARTITION_ROWS } from './events-schema.ts';
import { SqliteDb } from './sqlite.ts';

/**
 * The 32-bit value of a dotted-quad IPv4 address written canonically (no leading zeros, each
 * part 0-255), or -1 for anything else (IPv6, host names, odd spellings), which are looked up
 * by their text. Canonical spelling matters: "010.1.1.1" must not share an id with "10.1.1.1".
 */
export function ipv4Value(ip: string): number {
  const n = ip.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** PostgreSQL TEXT cannot hold NUL; it is stored as U+2400 (␀) there. */
const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u2400') : s);

const httpCols = 'src, line, time, ip, method, path, query, protocol, status, bytes, referer, ua, "user", vhost, dur';
const authCols = 'src, line, time, service, action, outcome, "user", ip, port, method, invalid_user, target_user, command, host, program, message';
const findingCols = 'time, rule, category, severity, ip, "user", service, field, match, message, group_key, evidence, src, event_kind, event_id, created_at';

type R = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export class SqlEventStore implements EventStore {
  readonly db: Db;
  #sources = new Map<string, number>();
  #strings = new Map<string, number>();
  #ips = new Map<string, number>();
  #ipv4 = new Map<number, number>();
  #now: () => number;

  #partitionRows: number;

  constructor(db: Db, now: () => number = Date.now, o: { partitionRows?: number } = {}) {
    this.db = db;
    this.#now = now;
    this.#partitionRows = o.partitionRows ?? PARTITION_ROWS;
  }

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
    if (this.db instanceof SqliteDb) {
      // A bigger page cache keeps index pages of recent inserts in memory during bulk ingest.
      this.db.raw.exec('PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=4000;');
      this.db.raw.function('regexp', { deterministic: true }, (re: unknown, text: unknown) => {
        if (typeof re !== 'string' || typeof text !== 'string') return 0;
        return regexCache(re).test(text) ? 1 : 0;
      });
      const db = this.db;
      const has = db.raw.prepare('SELECT COUNT(*) AS n FROM http_parts').get() as { n: number };
      if (has.n === 0) {
        db.txSync(() => {
          if ((db.raw.prepare('SELECT COUNT(*) AS n FROM http_parts').get() as { n: number }).n > 0) return;
          db.raw.exec(httpPartitionDdl(0));
          db.raw.prepare('INSERT INTO http_parts (n, rows) VALUES (0, 0)').run();
          db.raw.exec(httpViewDdl([0]));
        });
      }
    }
  }

  /** SQLite request partitions overlapping [since, until), newest first. */
  #partitions(db: SqliteDb, since?: number, until?: number): { n: number; min: number; max: number; rows: number; ipIndexed: boolean }[] {
    // ipIndexed: whether the partition is sealed and has its (ip, time) index yet.
    const rows = db.raw
      .prepare(
        `SELECT p.n, p.min_time AS min, p.max_time AS max, p.rows,
           EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = 'http_p' || p.n || '_ip') AS ipx
         FROM http_parts p WHERE p.min_time IS NOT NULL AND p.max_time >= ? AND p.min_time < ? ORDER BY p.max_time DESC, p.n DESC`,
      )
      .all(since ?? Number.MIN_SAFE_INTEGER, until ?? Number.MAX_SAFE_INTEGER) as { n: number; min: number; max: number; rows: number; ipx: number }[];
    return rows.map((r) => ({ n: r.n, min: r.min, max: r.max, rows: r.rows, ipIndexed: r.ipx === 1 }));
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
        // The current request partition; the write lock of this transaction makes the id range ours.
        let part = db.prepare('SELECT n, rows, min_time, max_time FROM http_parts ORDER BY n DESC LIMIT 1').get() as { n: number; rows: number; min_time: number | null; max_time: number | null };
        let insHttp = db.prepare(`INSERT INTO http_p${part.n} (id, ipid, ${httpCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
        let nextLocal = part.rows;
        let minT = part.min_time ?? Number.MAX_SAFE_INTEGER;
        let maxT = part.max_time ?? Number.MIN_SAFE_INTEGER;
        const closePart = () => {
          db.prepare('UPDATE http_parts SET rows = ?, min_time = ?, max_time = ? WHERE n = ?').run(
            nextLocal,
            minT === Number.MAX_SAFE_INTEGER ? null : minT,
            maxT === Number.MIN_SAFE_INTEGER ? null : maxT,
            part.n,
          );
        };
        // Interning reads before it writes: after the cache is cleared, known values must not
        // turn into writes (an upsert writes even when the row exists).
        const findIp = db.prepare('SELECT id FROM log_ips WHERE ip = ?');
        const addIp = db.prepare('INSERT INTO log_ips (ip) VALUES (?) RETURNING id');
        const ipNum = (ip: string): number => {
          // IPv4 addresses are looked up by their 32-bit value: hashing a number is much cheaper
          // than hashing a fresh string for every line (measured ~10% of ingest time).
          const v4 = ipv4Value(ip);
          let id = v4 >= 0 ? this.#ipv4.get(v4) : this.#ips.get(ip);
          if (id === undefined) {
            id = ((findIp.get(ip) ?? addIp.get(ip)) as { id: number }).id;
            if (this.#ips.size + this.#ipv4.size >= 500_000) {
              this.#ips.clear();
              this.#ipv4.clear();
            }
            if (v4 >= 0) this.#ipv4.set(v4, id);
            else this.#ips.set(ip, id);
          }
          return id;
        };
        const insAuth = db.prepare(`INSERT INTO auth_events (${authCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
        const findStr = db.prepare('SELECT id FROM log_strings WHERE s = ?');
        const addStr = db.prepare('INSERT INTO log_strings (s) VALUES (?) RETURNING id');
        const str = (v: string | null): number | null => {
          if (v === null || v === '') return null;
          let id = this.#strings.get(v);
          if (id === undefined) {
            id = ((findStr.get(v) ?? addStr.get(v)) as { id: number }).id;
            if (this.#strings.size >= 200_000) this.#strings.clear();
            this.#strings.set(v, id);
          }
          return id;
        };
        const ids: number[] = new Array(b.events.length);
        for (let i = 0; i < b.events.length; i++) {
          const e = b.events[i] as HttpEvent | AuthEvent;
          const line = b.eventLines[i] ?? 0;
          if (e.kind === 'http') {
            if (nextLocal >= this.#partitionRows) {
              // This partition is full: seal it (build its address index) and start the next,
              // in this same transaction.
              closePart();
              db.raw.exec(httpPartitionSealDdl(part.n));
              const n = part.n + 1;
              db.raw.exec(httpPartitionDdl(n));
              db.prepare('INSERT INTO http_parts (n, rows) VALUES (?, 0)').run(n);
              const all = (db.prepare('SELECT n FROM http_parts ORDER BY n').all() as { n: number }[]).map((r) => r.n);
              db.raw.exec(httpViewDdl(all));
              part = { n, rows: 0, min_time: null, max_time: null };
              insHttp = db.prepare(`INSERT INTO http_p${n} (id, ipid, ${httpCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
              nextLocal = 0;
              minT = Number.MAX_SAFE_INTEGER;
              maxT = Number.MIN_SAFE_INTEGER;
            }
            const id = part.n * ID_STRIDE + ++nextLocal;
            if (e.time < minT) minT = e.time;
            if (e.time > maxT) maxT = e.time;
            insHttp.run(id, ipNum(e.ip), s, line, e.time, e.ip, e.method, e.path, e.query, e.protocol, e.status, e.bytes, str(e.referer), str(e.userAgent), e.user, e.vhost, e.durationMs);
            ids[i] = id;
          } else {
            const r = insAuth.run(s, line, e.time, e.service, e.action, e.outcome, e.user, e.ip, e.port, e.method, e.invalidUser ? 1 : 0, e.targetUser, e.command, e.host, e.program, e.message);
            ids[i] = Number(r.lastInsertRowid);
          }
        }
        if (nextLocal !== part.rows || minT !== (part.min_time ?? Number.MAX_SAFE_INTEGER)) closePart();
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
        ).run(b.checkpoint === null ? null : JSON.stringify(b.checkpoint), b.lines, b.events.length, b.skipped, b.rejects.length, now, s);
        return { findingIds };
      });
    } catch (e) {
      // Interned ids created in the rolled-back transaction no longer exist.
      this.#strings.clear();
      this.#ips.clear();
      this.#ipv4.clear();
      this.#sources.clear();
      throw e instanceof AppError ? e : new AppError('store', `SQLite append failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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
          rows.forEach((r, k) => (ids[httpIdx[k] ?? 0] = num(r.id)));
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
          rows.forEach((r, k) => (ids[authIdx[k] ?? 0] = num(r.id)));
        }
        for (const r of b.rejects) {
          await q.run('INSERT INTO log_rejects (src, line, text, reason, at) VALUES (?,?,?,?,?)', [s, r.line, pgText(r.text), pgText(r.reason), now]);
        }
        const findingIds: number[] = [];
        for (const { finding: f, event } of b.findings) {
          const ev = event >= 0 ? b.events[event] : undefined;
          const [row] = await q.query<{ id: number }>(
            `INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
            findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now).map((v) => (typeof v === 'string' ? pgText(v) : v)),
          );
          findingIds.push(num(row?.id));
        }
        await q.run(
          'UPDATE log_sources SET checkpoint = ?, lines = lines + ?, events = events + ?, skipped = skipped + ?, rejected = rejected + ?, updated_at = ? WHERE num = ?',
          [b.checkpoint === null ? null : JSON.stringify(b.checkpoint), b.lines, b.events.length, b.skipped, b.rejects.length, now, s],
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
        const vals = findingValues(f, null, null, null, now).map((v) => (typeof v === 'string' && q.dialect === 'postgres' ? pgText(v) : v));
        const [row] = await q.query<{ id: number }>(`INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`, vals);
        ids.push(num(row?.id));
      }
      return ids;
    });
  }

  async searchHttp(q: HttpQuery): Promise<StoredHttp[]> {
    await this.#loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.ip !== undefined) {
      where.push(this.db.dialect === 'sqlite' ? 'e.ipid = (SELECT id FROM log_ips WHERE ip = ?)' : 'e.ip = ?');
      params.push(q.ip);
    }
    if (q.since !== undefined) (where.push('e.time >= ?'), params.push(q.since));
    if (q.until !== undefined) (where.push('e.time < ?'), params.push(q.until));
    if (q.method !== undefined) (where.push('e.method = ?'), params.push(q.method.toUpperCase()));
    if (q.status !== undefined && q.status.length > 0) {
      where.push(`e.status IN (${q.status.map(() => '?').join(',')})`);
      params.push(...q.status);
    }
    if (q.user !== undefined) (where.push('e."user" = ?'), params.push(q.user));
    if (q.pathGlob !== undefined) {
      if (this.db.dialect === 'sqlite') where.push('e.path GLOB ?');
      else where.push('e.path LIKE ?');
      params.push(this.db.dialect === 'sqlite' ? q.pathGlob : globToLike(q.pathGlob));
    }
    if (q.pathRe !== undefined) {
      checkRegex(q.pathRe);
      where.push(this.db.dialect === 'sqlite' ? 'regexp(?, e.path)' : 'e.path ~ ?');
      params.push(q.pathRe);
    }
    if (q.source !== undefined) {
      const n = this.#sources.get(q.source);
      if (n === undefined) return [];
      where.push('e.src = ?');
      params.push(n);
    }
    params.push(q.limit);
    const sql = (table: string, hint = '') =>
      `SELECT e.*, r.s AS referer_s, u.s AS ua_s FROM ${table} e${hint}
       LEFT JOIN log_strings r ON r.id = e.referer LEFT JOIN log_strings u ON u.id = e.ua
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.time DESC, e.id DESC LIMIT ?`;
    if (!(this.db instanceof SqliteDb)) return (await this.db.query<R>(sql('http_events'), params)).map((r) => this.#toHttp(r));
    // Newest partitions first; stop once no older partition can hold a newer row than those found.
    // Filters no index serves (path patterns, method, user, source) are checked row by row on
    // the rows the status or time index hands over, a table lookup each. When a partition comes
    // up short of the limit, matches are sparse and those lookups can cost 3x a plain scan of
    // the partition (bench/search.ts, 10M requests, `*.php` + 200 matching nothing: 41 vs 15 ms
    // per 250k-row partition; 1.9 s -> 0.8 s in all). So later partitions are scanned whole
    // when more than a third of their rows would be handed over. An IP filter is always selective.
    const db = this.db;
    const unindexed = q.ip === undefined && (q.pathGlob !== undefined || q.pathRe !== undefined || q.method !== undefined || q.user !== undefined || q.source !== undefined);
    const byStatus = q.status !== undefined && q.status.length > 0 ? q.status : null;
    let sparse = false;
    const found: R[] = [];
    for (const p of this.#partitions(db, q.since, q.until)) {
      if (found.length >= q.limit) {
        found.sort((a, b) => num(b['time']) - num(a['time']) || num(b['id']) - num(a['id']));
        found.length = q.limit;
        if (p.max < num(found[q.limit - 1]?.['time'])) break;
      }
      let hint = '';
      if (unindexed && sparse) {
        const lo = q.since ?? Number.MIN_SAFE_INTEGER;
        const hi = q.until ?? Number.MAX_SAFE_INTEGER;
        const candidates = byStatus
          ? num((await db.query<{ c: number }>(`SELECT COUNT(*) AS c FROM http_p${p.n} WHERE status IN (${byStatus.map(() => '?').join(',')}) AND time >= ? AND time < ?`, [...byStatus, lo, hi]))[0]?.c)
          : (p.rows * (Math.min(hi, p.max + 1) - Math.max(lo, p.min))) / (p.max - p.min + 1);
        if (candidates * 3 > p.rows) hint = ' NOT INDEXED';
      }
      const rows = await db.query<R>(sql(`http_p${p.n}`, hint), params);
      if (rows.length < q.limit) sparse = true;
      found.push(...rows);
    }
    found.sort((a, b) => num(b['time']) - num(a['time']) || num(b['id']) - num(a['id']));
    return found.slice(0, q.limit).map((r) => this.#toHttp(r));
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
    if (q.ip !== undefined) (where.push('ip = ?'), params.push(q.ip));
    if (q.since !== undefined) (where.push('time >= ?'), params.push(q.since));
    if (q.until !== undefined) (where.push('time < ?'), params.push(q.until));
    if (q.user !== undefined) (where.push('"user" = ?'), params.push(q.user));
    if (q.service !== undefined) (where.push('service = ?'), params.push(q.service));
    if (q.outcome !== undefined) (where.push('outcome = ?'), params.push(q.outcome));
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

  async top(by: TopBy, since: number | undefined, until: number | undefined, limit: number): Promise<{ value: string | null; count: number }[]> {
    const params: SqlValue[] = [];
    const where: string[] = [];
    if (since !== undefined) (where.push('e.time >= ?'), params.push(since));
    if (until !== undefined) (where.push('e.time < ?'), params.push(until));
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
    if (by === 'ip' && this.db instanceof SqliteDb) return this.#topIpSqlite(this.db, since, until, limit);
    if (by !== 'user' && this.db instanceof SqliteDb) {
      // Count per partition, then merge.
      const counts = new Map<string | null, number>();
      const partSql = (n: number) => sql.replace('FROM http_events e', `FROM http_p${n} e`).replace(/ ORDER BY count DESC LIMIT \?$/, '');
      for (const p of this.#partitions(this.db, since, until)) {
        for (const r of await this.db.query<R>(partSql(p.n), params.slice(0, -1))) {
          const v = r['value'] === null || r['value'] === undefined ? null : String(r['value']);
          counts.set(v, (counts.get(v) ?? 0) + num(r['count']));
        }
      }
      return [...counts]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count)
        .slice(0, limit);
    }
    const rows = await this.db.query<R>(sql, params);
    return rows.map((r) => ({ value: r['value'] === null || r['value'] === undefined ? null : String(r['value']), count: num(r['count']) }));
  }

  /**
   * Top IPs on SQLite, counted by interned IP number in one statement over the partitions, so
   * only the winners reach JavaScript (a busy day has ~100,000 addresses; turning them into
   * rows cost more than counting them). A partition the window covers more than a little of is
   * read through its (ipid, time) index alone: that index covers the query, so there are no
   * table lookups (bench/search.ts, 10M requests, 24 h: 640 ms before, ~90 ms now). One the
   * window only grazes is cheaper through its time index.
   */
  async #topIpSqlite(db: SqliteDb, since: number | undefined, until: number | undefined, limit: number): Promise<{ value: string | null; count: number }[]> {
    const lo = since ?? Number.MIN_SAFE_INTEGER;
    const hi = until ?? Number.MAX_SAFE_INTEGER;
    const parts = this.#partitions(db, since, until);
    if (parts.length === 0) return [];
    const counts = new Map<number, number>();
    // SQLite allows 500 terms in a compound SELECT; beyond that, count in chunks and merge here.
    const CHUNK = 200;
    const single = parts.length <= CHUNK;
    for (let i = 0; i < parts.length; i += CHUNK) {
      const params: SqlValue[] = [];
      const terms = parts.slice(i, i + CHUNK).map((p) => {
        const covered = (Math.min(hi, p.max + 1) - Math.max(lo, p.min)) / (p.max - p.min + 1);
        params.push(lo, hi);
        return `SELECT ipid FROM http_p${p.n}${covered > 0.2 && p.ipIndexed ? ` INDEXED BY http_p${p.n}_ip` : ''} WHERE time >= ? AND time < ?`;
      });
      const grouped = `SELECT ipid, COUNT(*) AS c FROM (${terms.join(' UNION ALL ')}) GROUP BY ipid`;
      if (single) {
        params.push(limit);
        const rows = await db.query<{ ip: string | null; c: number }>(
          `SELECT i.ip, t.c FROM (${grouped} ORDER BY c DESC LIMIT ?) t LEFT JOIN log_ips i ON i.id = t.ipid ORDER BY t.c DESC`,
          params,
        );
        return rows.map((r) => ({ value: r.ip, count: num(r.c) }));
      }
      for (const r of await db.query<{ ipid: number; c: number }>(grouped, params)) counts.set(r.ipid, (counts.get(r.ipid) ?? 0) + num(r.c));
    }
    const out: { value: string | null; count: number }[] = [];
    for (const [id, count] of [...counts].sort((x, y) => y[1] - x[1]).slice(0, limit)) {
      const [row] = await db.query<{ ip: string }>('SELECT ip FROM log_ips WHERE id = ?', [id]);
      out.push({ value: row?.ip ?? null, count });
    }
    return out;
  }

  async findingsAfter(afterId: number, limit: number): Promise<StoredFinding[]> {
    await this.#loadSources();
    const rows = await this.db.query<R>('SELECT * FROM findings WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((r) => this.#toFinding(r));
  }

  async listFindings(q: { since?: number; until?: number; ip?: string; rule?: string; category?: string; minSeverity?: string; limit: number }): Promise<StoredFinding[]> {
    await this.#loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.since !== undefined) (where.push('time >= ?'), params.push(q.since));
    if (q.until !== undefined) (where.push('time < ?'), params.push(q.until));
    if (q.ip !== undefined) (where.push('ip = ?'), params.push(q.ip));
    if (q.rule !== undefined) (where.push('rule = ?'), params.push(q.rule));
    if (q.category !== undefined) (where.push('category = ?'), params.push(q.category));
    if (q.minSeverity !== undefined) {
      const idx = severities.indexOf(q.minSeverity as (typeof severities)[number]);
      if (idx < 0) throw new AppError('usage', `unknown severity ${q.minSeverity} (one of ${severities.join(', ')})`);
      const allowed = severities.slice(idx);
      where.push(`severity IN (${allowed.map(() => '?').join(',')})`);
      params.push(...allowed);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(`SELECT * FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`, params);
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
    return rows.map((r) => ({ id: num(r['id']), source: this.#sourceName(r['src']), line: num(r['line']), text: String(r['text']), reason: String(r['reason']) }));
  }

  async counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }> {
    const one = async (t: string) => num((await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]?.n ?? 0);
    return { http: await one('http_events'), auth: await one('auth_events'), rejects: await one('log_rejects'), findings: await one('findings') };
  }

  async prune(before: number): Promise<number> {
    let removed = 0;
    if (this.db instanceof SqliteDb) {
      const db = this.db;
      removed += db.txSync(() => {
        let n = 0;
        const parts = db.prepare('SELECT n, rows, min_time, max_time FROM http_parts ORDER BY n').all() as { n: number; rows: number; min_time: number | null; max_time: number | null }[];
        const last = parts.at(-1)?.n;
        const keep: number[] = [];
        for (const p of parts) {
          if (p.max_time !== null && p.max_time < before && p.n !== last) {
            // Whole partitions go at once: far cheaper than deleting their rows.
            n += (db.prepare(`SELECT COUNT(*) AS c FROM http_p${p.n}`).get() as { c: number }).c;
            db.raw.exec(`DROP TABLE http_p${p.n}`);
            db.prepare('DELETE FROM http_parts WHERE n = ?').run(p.n);
          } else {
            keep.push(p.n);
            if (p.min_time !== null && p.min_time < before) n += Number(db.prepare(`DELETE FROM http_p${p.n} WHERE time < ?`).run(before).changes);
          }
        }
        if (keep.length !== parts.length) db.raw.exec(httpViewDdl(keep));
        return n;
      });
    }
    for (const t of this.db instanceof SqliteDb ? ['auth_events', 'findings'] : ['http_events', 'auth_events', 'findings']) {
      removed += (await this.db.run(`DELETE FROM ${t} WHERE time < ?`, [before])).changes;
    }
    removed += (await this.db.run('DELETE FROM log_rejects WHERE at < ?', [before])).changes;
    return removed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function findingValues(f: Finding, src: number | null, kind: string | null, eventId: number | null, now: number): (string | number | null)[] {
  return [f.time, f.rule, f.category, f.severity, f.ip, f.user, f.service, f.field, f.match, f.message, f.groupKey, JSON.stringify(f.evidence), src, kind, eventId, now];
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

const regexes = new Map<string, RegExp>();
function regexCache(re: string): RegExp {
  let r = regexes.get(re);
  if (!r) {
    r = new RegExp(re);
    regexes.set(re, r);
  }
  return r;
}

function checkRegex(re: string): void {
  try {
    new RegExp(re);
  } catch (e) {
    throw new AppError('usage', `--path-re is not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
  }
}

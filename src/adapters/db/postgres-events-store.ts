// The traffic record on PostgreSQL (shared by several web servers): requests in a row table,
// written with COPY (most of them encoded as soon as they are parsed, see pack) and searched
// in SQL; logins, rejections, findings and checkpoints in the shared tables
// (events-store-base.ts), all of a batch in one transaction.

import type { AuthEvent, HttpEvent, LogEvent } from '../../logs/index.ts';
import { AppError } from '../../core/errors.ts';
import {
  countStatus,
  emptyBucket,
  type AppendBatch,
  type HttpQuery,
  type PackedEvents,
  type StoredHttp,
  type TimeBucket,
  type TopBy,
} from '../../logs/ports.ts';
import { numOrNull, type SqlValue } from './db.ts';
import {
  authCols,
  findingCols,
  findingMarks,
  findingValues,
  httpCols,
  num,
  pgArray,
  pgText,
  type R,
  SqlEventStore,
  strOrNull,
  valueCounts,
} from './events-store-base.ts';
import { eventsMigrations } from './events-schema.ts';

export class PostgresEventStore extends SqlEventStore {
  /**
   * Ids of interned strings (referers, user agents) known committed. An id never changes:
   * strings are never deleted. Filled only after a commit, so a rolled-back id never lingers.
   */
  readonly #strIds = new Map<string, number>();
  /** Source numbers known committed (the base class's map may hold one of an open transaction). */
  readonly #committedSrc = new Map<string, number>();

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
  }

  /**
   * Encodes a parsed slice's requests as COPY text at once (see PackedEvents): those whose
   * referer and user agent have known ids and no finding points at. Until the source's first
   * commit its number is unknown and nothing is packed.
   */
  pack(
    sourceId: string,
    events: readonly LogEvent[],
    eventLines: readonly number[],
    keep: ReadonlySet<number>,
  ): { packed: PackedEvents; kept: number[] } | null {
    const s = this.#committedSrc.get(sourceId);
    if (s === undefined) return null;
    const rows: string[] = [];
    const kept: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as LogEvent;
      if (e.kind !== 'http' || keep.has(i)) {
        kept.push(i);
        continue;
      }
      const ref = e.referer ? this.#strIds.get(pgText(e.referer)) : null;
      const ua = e.userAgent ? this.#strIds.get(pgText(e.userAgent)) : null;
      if (ref === undefined || ua === undefined) {
        kept.push(i);
        continue;
      }
      rows.push(copyRow(s, eventLines[i] ?? 0, e, ref, ua));
    }
    // One flat string per slice: the rows' pieces (and the lines they were cut from) die young.
    return { packed: { count: rows.length, pieces: rows.length > 0 ? [rows.join('')] : [], basis: String(s) }, kept };
  }

  protected async appendBatch(b: AppendBatch): Promise<{ findingIds: number[] }> {
    const now = this.now();
    const learned = new Map<string, number>();
    const { s, findingIds } = await this.db.tx(async (q) => {
      const s = await this.sourceNum(q, b.sourceId);
      if (b.packed !== undefined && b.packed.basis !== String(s))
        throw new AppError(
          'conflict',
          `log source ${b.sourceId} was registered again while a batch was prepared; it is read again from its checkpoint`,
        );
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
      // Intern the batch's strings not known yet.
      const distinct = new Set<string>();
      const unknown = (v: string | null) => {
        if (!v) return;
        const k = pgText(v);
        if (!this.#strIds.has(k)) distinct.add(k);
      };
      for (const e of http) {
        unknown(e.referer);
        unknown(e.userAgent);
      }
      if (distinct.size > 0) {
        // Known strings are only read: an upsert would lock their rows until commit, and
        // several agents writing at once would queue behind each other on every user agent.
        // New ones are inserted in a fixed order (no deadlock between two writers).
        const all = pgArray([...distinct].sort());
        for (const r of await q.query<{ id: number; s: string }>(
          'SELECT id, s FROM log_strings WHERE s = ANY(?::text[])',
          [all],
        ))
          learned.set(r.s, num(r.id));
        if (learned.size < distinct.size) {
          const fresh = pgArray([...distinct].filter((x) => !learned.has(x)).sort());
          await q.run('INSERT INTO log_strings (s) SELECT unnest(?::text[]) ON CONFLICT (s) DO NOTHING', [fresh]);
          for (const r of await q.query<{ id: number; s: string }>(
            'SELECT id, s FROM log_strings WHERE s = ANY(?::text[])',
            [fresh],
          ))
            learned.set(r.s, num(r.id));
        }
      }
      const sid = (v: string | null) => {
        if (!v) return null;
        const k = pgText(v);
        return this.#strIds.get(k) ?? learned.get(k) ?? null;
      };
      const ids: number[] = new Array(b.events.length);
      const packed = b.packed?.pieces ?? [];
      if ((http.length > 0 || packed.length > 0) && q.copyFrom !== undefined) {
        // COPY. Only the requests a finding points at need their id before the finding is
        // written: those few take theirs from the sequence first; the rest get it by default.
        const wanted = new Map<number, number>(); // index in `http` → id
        const httpOf = new Map<number, number>(httpIdx.map((ev, k) => [ev, k]));
        for (const f of b.findings) {
          const k = httpOf.get(f.event);
          if (k !== undefined) wanted.set(k, 0);
        }
        if (wanted.size > 0) {
          const [r] = await q.query<{ ids: number[] | string }>(
            "SELECT array_agg(nextval('http_events_id_seq')) AS ids FROM generate_series(1, ?::int)",
            [wanted.size],
          );
          const got = r?.ids ?? [];
          const seq = (Array.isArray(got) ? got : String(got).replace(/[{}]/g, '').split(',')).map(Number);
          let i = 0;
          for (const k of wanted.keys()) {
            const id = seq[i++] as number;
            wanted.set(k, id);
            ids[httpIdx[k] ?? 0] = id;
          }
        }
        const row = (k: number): string => {
          const e = http[k] as HttpEvent;
          return copyRow(s, httpLines[k] ?? 0, e, sid(e.referer), sid(e.userAgent));
        };
        if (wanted.size > 0) {
          const withIds: string[] = [];
          for (const [k, id] of wanted) withIds.push(`${id}\t${row(k)}`);
          await q.copyFrom(`COPY http_events (id, ${httpCols}) FROM STDIN`, withIds);
        }
        const rest: string[] = [];
        for (let k = 0; k < http.length; k++) if (!wanted.has(k)) rest.push(row(k));
        for (const p of packed) rest.push(p);
        if (rest.length > 0) await q.copyFrom(`COPY http_events (${httpCols}) FROM STDIN`, rest);
      } else if (packed.length > 0) {
        throw new AppError('internal', 'packed requests need COPY');
      } else if (http.length > 0) {
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
          `INSERT INTO findings (${findingCols}) VALUES (${findingMarks}) RETURNING id`,
          findingValues(f, s, ev?.kind ?? null, ev ? (ids[event] ?? null) : null, now, this.host).map((v) =>
            typeof v === 'string' ? pgText(v) : v,
          ),
        );
        findingIds.push(num(row?.id));
      }
      const claim = this.claimStatement('postgres', s, b, now);
      if ((await q.run(claim.sql, claim.params)).changes !== 1) throw this.claimRefused(b);
      return { s, findingIds };
    });
    // Committed: what it learned holds from now on.
    this.#committedSrc.set(b.sourceId, s);
    if (this.#strIds.size + learned.size > MAX_KNOWN_STRINGS) this.#strIds.clear();
    for (const [k, id] of learned) if (k.length <= MAX_KNOWN_LENGTH) this.#strIds.set(k, id);
    return { findingIds };
  }

  protected async searchRequests(q: HttpQuery, srcs: ReadonlySet<number> | undefined): Promise<StoredHttp[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    // The address index holds hashtext(ip) (events migration 4); the address itself weeds out collisions.
    if (q.ip !== undefined) where.push('hashtext(e.ip) = hashtext(?) AND e.ip = ?'), params.push(q.ip, q.ip);
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
    if (srcs !== undefined) where.push(`e.src IN (${[...srcs].map(() => '?').join(',')})`), params.push(...srcs);
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
      source: this.sourceName(r['src']),
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

  protected async topRequests(
    by: Exclude<TopBy, 'user'>,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]> {
    const params: SqlValue[] = [];
    const where: string[] = [];
    if (since !== undefined) where.push('e.time >= ?'), params.push(since);
    if (until !== undefined) where.push('e.time < ?'), params.push(until);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    params.push(limit);
    const col = by === 'ip' ? 'e.ip' : by === 'path' ? 'e.path' : by === 'status' ? 'e.status' : 'u.s';
    const join = by === 'user-agent' ? 'LEFT JOIN log_strings u ON u.id = e.ua' : '';
    return valueCounts(
      await this.db.query<R>(
        `SELECT ${col} AS value, COUNT(*) AS count FROM http_events e ${join} ${w} GROUP BY ${col} ORDER BY count DESC LIMIT ?`,
        params,
      ),
    );
  }

  async requestsOverTime(since: number, until: number, bucketMs: number): Promise<TimeBucket[]> {
    const rows = await this.db.query<R>(
      'SELECT (time - ?) / ? AS b, status, COUNT(*) AS n FROM http_events WHERE time >= ? AND time < ? GROUP BY 1, 2 ORDER BY 1',
      [since, bucketMs, since, until],
    );
    const out = new Map<number, TimeBucket>();
    for (const r of rows) {
      const time = since + num(r['b']) * bucketMs;
      let b = out.get(time);
      if (b === undefined) out.set(time, (b = emptyBucket(time)));
      countStatus(b, num(r['status']), num(r['n']));
    }
    return [...out.values()];
  }

  protected async countRequests(): Promise<number> {
    return num((await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM http_events'))[0]?.n ?? 0);
  }

  protected async pruneRequests(before: number): Promise<number> {
    return (await this.db.run('DELETE FROM http_events WHERE time < ?', [before])).changes;
  }
}

/** SQLite GLOB syntax to LIKE for PostgreSQL: `*` -> `%`, `?` -> `_`, LIKE's own wildcards escaped. */
function globToLike(glob: string): string {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** Interned strings remembered at most (then forgotten at once and learned again), and their longest. */
const MAX_KNOWN_STRINGS = 100_000;
const MAX_KNOWN_LENGTH = 2048;

/** One request as a COPY text row, in httpCols' order. */
function copyRow(s: number, line: number, e: HttpEvent, ref: number | null, ua: number | null): string {
  return `${s}\t${line}\t${e.time}\t${copyText(e.ip)}\t${copyText(e.method)}\t${copyText(e.path)}\t${copyText(e.query)}\t${copyText(e.protocol)}\t${e.status}\t${copyNum(e.bytes)}\t${copyNum(ref)}\t${copyNum(ua)}\t${e.user === null ? '\\N' : copyText(e.user)}\t${e.vhost === null ? '\\N' : copyText(e.vhost)}\t${e.durationMs === null ? '\\N' : Math.round(e.durationMs)}\n`;
}

const NEEDS_ESCAPE = /[\\\t\n\r\u0000]/;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped, NUL made visible (pgText). */
function copyText(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return pgText(v).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

const copyNum = (v: number | null): string => (v === null ? '\\N' : String(v));

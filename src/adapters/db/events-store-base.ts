// The traffic record over SQL, the part both databases share: sources and their claimed
// checkpoints, logins, rejections and findings (plain tables, the same SQL on both). Requests
// are stored differently per database, so each has its own store (sqlite-events-store.ts,
// postgres-events-store.ts), made by createEventStore (events-store.ts).
//
// The checkpoint claim: a store remembers, per source, the checkpoint it last read or wrote;
// an append moves it only from that value (compare-and-set in the batch's transaction). A
// second writer of the same source (two `ripcord ingest` of one file, two `ripcord run` on one
// store) finds the checkpoint moved and its batch is refused whole ('conflict'), so no line is
// ever stored twice, whatever runs at once.

import {
  batchEvents,
  type AppendBatch,
  type AuthQuery,
  type Checkpoint,
  type EventStore,
  type FindingQuery,
  type FindingStore,
  type HttpQuery,
  type SourceState,
  type StoredAuth,
  type StoredFinding,
  type StoredHttp,
  type StoredReject,
  type TimeBucket,
  type TopBy,
} from '../../logs/ports.ts';
import type { Finding } from '../../core/finding.ts';
import { severities } from '../../core/finding.ts';
import { AppError } from '../../core/errors.ts';
import { numOrNull, type Db, type Queryable, type SqlValue } from './db.ts';
import { pathRegExp } from './request-log.ts';

/** PostgreSQL TEXT cannot hold NUL; it is stored as U+2400 (␀) there. */
export const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u2400') : s);

export const httpCols =
  'src, line, time, ip, method, path, query, protocol, status, bytes, referer, ua, "user", vhost, dur';
export const authCols =
  'src, line, time, service, action, outcome, "user", ip, port, method, invalid_user, target_user, command, host, program, message';
export const findingCols =
  'time, rule, category, severity, ip, "user", service, field, match, message, group_key, evidence, src, event_kind, event_id, created_at, host';
/** The placeholders of one findings row. */
export const findingMarks = '?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?';

export type R = Record<string, unknown>;
export const num = (v: unknown): number => Number(v);
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export abstract class SqlEventStore implements EventStore, FindingStore {
  readonly db: Db;
  protected readonly sources = new Map<string, number>();
  protected readonly now: () => number;
  /** Per source: the checkpoint (as stored) this store last read or wrote; appends move only from it. */
  readonly #claimed = new Map<string, string | null>();

  /** The host this store writes for: on the sources it registers and on the findings it adds. */
  readonly host: string | null;

  constructor(db: Db, now: () => number = Date.now, host: string | null = null) {
    this.db = db;
    this.now = now;
    this.host = host;
  }

  abstract init(): Promise<void>;
  /** Writes a batch in one transaction, the checkpoint moved with `claimCheckpoint`. */
  protected abstract appendBatch(batch: AppendBatch): Promise<{ findingIds: number[] }>;
  protected abstract searchRequests(q: HttpQuery, srcs: ReadonlySet<number> | undefined): Promise<StoredHttp[]>;
  protected abstract topRequests(
    by: Exclude<TopBy, 'user'>,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]>;
  abstract requestsOverTime(since: number, until: number, bucketMs: number): Promise<TimeBucket[]>;
  protected abstract countRequests(): Promise<number>;
  protected abstract pruneRequests(before: number): Promise<number>;

  protected async sourceNum(q: Queryable, id: string): Promise<number> {
    const cached = this.sources.get(id);
    if (cached !== undefined) return cached;
    await q.run('INSERT INTO log_sources (id, host) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [id, this.host]);
    const [row] = await q.query<{ num: number }>('SELECT num FROM log_sources WHERE id = ?', [id]);
    if (!row) throw new AppError('store', `source ${id} could not be registered`);
    this.sources.set(id, num(row.num));
    return num(row.num);
  }

  protected sourceName(n: unknown): string {
    for (const [k, v] of this.sources) if (v === Number(n)) return k;
    return String(n);
  }

  protected async loadSources(): Promise<void> {
    const rows = await this.db.query<{ num: number; id: string }>('SELECT num, id FROM log_sources');
    for (const r of rows) this.sources.set(r.id, num(r.num));
  }

  async sourceState(id: string): Promise<SourceState | null> {
    const [r] = await this.db.query<R>('SELECT * FROM log_sources WHERE id = ?', [id]);
    // The reader resumes from here: this store's appends for the source move only from it.
    this.#claimed.set(id, r === undefined || typeof r['checkpoint'] !== 'string' ? null : r['checkpoint']);
    return r ? toSourceState(r) : null;
  }

  async listSources(): Promise<SourceState[]> {
    return (await this.db.query<R>('SELECT * FROM log_sources ORDER BY id')).map(toSourceState);
  }

  async append(batch: AppendBatch): Promise<{ findingIds: number[] }> {
    try {
      const r = await this.appendBatch(batch);
      this.#claimed.set(batch.sourceId, checkpointText(batch.checkpoint));
      return r;
    } catch (e) {
      // Ids cached in the rolled-back transaction may no longer exist.
      this.sources.clear();
      throw e;
    }
  }

  /**
   * The statement that moves a source's checkpoint and counters inside the batch's transaction,
   * from the value this store claimed; it changes no row when another writer moved it since.
   */
  protected claimStatement(
    dialect: Queryable['dialect'],
    src: number,
    b: AppendBatch,
    at: number,
  ): { sql: string; params: (string | number | null)[] } {
    const params: (string | number | null)[] = [
      checkpointText(b.checkpoint),
      b.lines,
      batchEvents(b),
      b.skipped,
      b.rejects.length,
      at,
      src,
    ];
    let sql =
      'UPDATE log_sources SET checkpoint = ?, lines = lines + ?, events = events + ?, skipped = skipped + ?, rejected = rejected + ?, updated_at = ? WHERE num = ?';
    const claimed = this.#claimed.get(b.sourceId);
    if (claimed !== undefined) {
      sql += dialect === 'postgres' ? ' AND checkpoint IS NOT DISTINCT FROM ?' : ' AND checkpoint IS ?';
      params.push(claimed);
    }
    return { sql, params };
  }

  /** The error that refuses a batch whose checkpoint claim failed (the transaction rolls back). */
  protected claimRefused(b: AppendBatch): AppError {
    return new AppError(
      'conflict',
      'another writer stored lines of this source since this one resumed (two `ripcord ingest` or `ripcord run` on one store?); nothing of this batch was stored — run again to continue from the stored checkpoint',
      { where: `source ${b.sourceId}` },
    );
  }

  async addFindings(findings: Finding[]): Promise<number[]> {
    const now = this.now();
    return this.db.tx(async (q) => {
      const ids: number[] = [];
      for (const f of findings) {
        const vals = findingValues(f, null, null, null, now, this.host).map((v) =>
          typeof v === 'string' && q.dialect === 'postgres' ? pgText(v) : v,
        );
        const [row] = await q.query<{ id: number }>(
          `INSERT INTO findings (${findingCols}) VALUES (${findingMarks}) RETURNING id`,
          vals,
        );
        ids.push(num(row?.id));
      }
      return ids;
    });
  }

  async searchHttp(q: HttpQuery): Promise<StoredHttp[]> {
    await this.loadSources();
    if (q.pathRe !== undefined) pathRegExp(q.pathRe); // refuses a bad pattern on both databases
    const srcs = await this.sourceSet(q);
    if (srcs !== undefined && srcs.size === 0) return [];
    return this.searchRequests(q, srcs);
  }

  /** The source numbers a query's `source` and `host` allow (undefined: any). */
  protected async sourceSet(q: { source?: string; host?: string }): Promise<Set<number> | undefined> {
    let set: Set<number> | undefined;
    if (q.host !== undefined) {
      const rows = await this.db.query<{ num: number }>('SELECT num FROM log_sources WHERE host = ?', [q.host]);
      set = new Set(rows.map((r) => num(r.num)));
    }
    if (q.source !== undefined) {
      const n = this.sources.get(q.source);
      set = n === undefined || (set !== undefined && !set.has(n)) ? new Set() : new Set([n]);
    }
    return set;
  }

  async searchAuth(q: AuthQuery): Promise<StoredAuth[]> {
    await this.loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.ip !== undefined) where.push('ip = ?'), params.push(q.ip);
    if (q.since !== undefined) where.push('time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('time < ?'), params.push(q.until);
    if (q.user !== undefined) where.push('"user" = ?'), params.push(q.user);
    if (q.service !== undefined) where.push('service = ?'), params.push(q.service);
    if (q.outcome !== undefined) where.push('outcome = ?'), params.push(q.outcome);
    if (q.loginsOnly) where.push("action IN ('login', 'connect')");
    const srcs = await this.sourceSet(q);
    if (srcs !== undefined) {
      if (srcs.size === 0) return [];
      where.push(`src IN (${[...srcs].map(() => '?').join(',')})`);
      params.push(...srcs);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(
      `SELECT * FROM auth_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => this.toAuth(r));
  }

  protected toAuth(r: R): StoredAuth {
    return {
      kind: 'auth',
      id: num(r['id']),
      source: this.sourceName(r['src']),
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
    if (by !== 'user') return this.topRequests(by, since, until, limit);
    const params: SqlValue[] = [];
    const where: string[] = [];
    if (since !== undefined) where.push('e.time >= ?'), params.push(since);
    if (until !== undefined) where.push('e.time < ?'), params.push(until);
    params.push(limit);
    return valueCounts(
      await this.db.query<R>(
        `SELECT e."user" AS value, COUNT(*) AS count FROM auth_events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY e."user" ORDER BY count DESC LIMIT ?`,
        params,
      ),
    );
  }

  async findingsAfter(afterId: number, limit: number, host?: string): Promise<StoredFinding[]> {
    await this.loadSources();
    const rows = await this.db.query<R>(
      `SELECT * FROM findings WHERE id > ?${host === undefined ? '' : ' AND host = ?'} ORDER BY id LIMIT ?`,
      host === undefined ? [afterId, limit] : [afterId, host, limit],
    );
    return rows.map((r) => this.toFinding(r));
  }

  async lastFindingId(): Promise<number> {
    return num((await this.db.query<R>('SELECT COALESCE(MAX(id), 0) AS n FROM findings'))[0]?.['n'] ?? 0);
  }

  async listFindings(q: FindingQuery): Promise<StoredFinding[]> {
    await this.loadSources();
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.since !== undefined) where.push('time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('time < ?'), params.push(q.until);
    if (q.ip !== undefined) where.push('ip = ?'), params.push(q.ip);
    if (q.rule !== undefined) where.push('rule = ?'), params.push(q.rule);
    if (q.category !== undefined) where.push('category = ?'), params.push(q.category);
    if (q.host !== undefined) where.push('host = ?'), params.push(q.host);
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
    return rows.map((r) => this.toFinding(r));
  }

  protected toFinding(r: R): StoredFinding {
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
      source: r['src'] === null || r['src'] === undefined ? null : this.sourceName(r['src']),
      host: strOrNull(r['host']),
      eventKind: strOrNull(r['event_kind']),
      eventId: numOrNull(r['event_id']),
    };
  }

  async rejects(q: { source?: string; limit: number }): Promise<StoredReject[]> {
    await this.loadSources();
    const params: SqlValue[] = [];
    let w = '';
    if (q.source !== undefined) {
      const n = this.sources.get(q.source);
      if (n === undefined) return [];
      w = 'WHERE src = ?';
      params.push(n);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(`SELECT * FROM log_rejects ${w} ORDER BY id DESC LIMIT ?`, params);
    return rows.map((r) => ({
      id: num(r['id']),
      source: this.sourceName(r['src']),
      line: num(r['line']),
      text: String(r['text']),
      reason: String(r['reason']),
    }));
  }

  async counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }> {
    const one = async (t: string) =>
      num((await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]?.n ?? 0);
    return {
      http: await this.countRequests(),
      auth: await one('auth_events'),
      rejects: await one('log_rejects'),
      findings: await one('findings'),
    };
  }

  async prune(before: number): Promise<number> {
    let removed = await this.pruneRequests(before);
    for (const t of ['auth_events', 'findings'])
      removed += (await this.db.run(`DELETE FROM ${t} WHERE time < ?`, [before])).changes;
    removed += (await this.db.run('DELETE FROM log_rejects WHERE at < ?', [before])).changes;
    return removed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export function findingValues(
  f: Finding,
  src: number | null,
  kind: string | null,
  eventId: number | null,
  now: number,
  host: string | null,
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
    host,
  ];
}

export function valueCounts(rows: readonly R[]): { value: string | null; count: number }[] {
  return rows.map((r) => ({
    value: r['value'] === null || r['value'] === undefined ? null : String(r['value']),
    count: num(r['count']),
  }));
}

function checkpointText(c: Checkpoint | null): string | null {
  return c === null ? null : JSON.stringify(c);
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
export function pgArray(values: readonly (string | number | boolean | null)[]): SqlValue {
  return values as unknown as SqlValue;
}

// What the SQLite and PostgreSQL traffic records share: the statements that are the same SQL
// on both (sources and their claimed checkpoints, logins, rejections), the row mappings, and
// the claim's refusal. Each database's own EventStore (sqlite/events-store.ts,
// postgres/events-store.ts) adds what differs: how requests are written, searched and counted.

import type { Finding } from '../../core/finding.ts';
import type {
  AppendBatch,
  AuthQuery,
  Checkpoint,
  EventStore,
  FindingStore,
  HttpQuery,
  SourceState,
  StoredAuth,
  StoredHttp,
  StoredReject,
  TopBy,
} from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, SqlValue } from './db.ts';

export const httpCols =
  'src, line, time, ip, method, path, query, protocol, status, bytes, referer, ua, "user", vhost, dur';
export const authCols =
  'src, line, time, service, action, outcome, "user", ip, port, method, invalid_user, target_user, command, host, program, message';
export const findingCols =
  'time, rule, category, severity, ip, "user", service, field, match, message, group_key, evidence, src, event_kind, event_id, created_at';

export type R = Record<string, unknown>;
export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The checkpoint update that claims a source: it moves only if the stored checkpoint is still
 * the one the batch started from (`claimTest` is the dialect's null-safe equality). Counters
 * move with it. Run first in the append transaction, so a second writer waits on the row (or
 * SQLite's write lock) and then finds it moved.
 */
export function claimSql(claimTest: string | null): string {
  return `UPDATE log_sources SET checkpoint = ?, lines = lines + ?, events = events + ?, skipped = skipped + ?, rejected = rejected + ?, updated_at = ? WHERE num = ?${claimTest === null ? '' : ` AND ${claimTest}`}`;
}

/** The claim update's parameters (the checkpoint compared last, when the batch names one). */
export function claimParams(b: AppendBatch, src: number, now: number): (string | number | null)[] {
  const p: (string | number | null)[] = [
    b.checkpoint === null ? null : JSON.stringify(b.checkpoint),
    b.lines,
    b.events.length,
    b.skipped,
    b.rejects.length,
    now,
    src,
  ];
  if (b.from !== undefined) p.push(b.from === null ? null : JSON.stringify(b.from));
  return p;
}

/** The refusal when another writer moved the source's checkpoint since this batch began. */
export function claimRefused(sourceId: string): AppError {
  return new AppError(
    'conflict',
    'another process is reading this source: it stored lines after the position this run started from, so this batch was not stored (no line is stored twice). Let one process read a source at a time; run again afterwards to pick up what is left.',
    { where: sourceId },
  );
}

export function findingValues(
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

export function toSourceState(r: R): SourceState {
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

/** The parts of the traffic record that are the same SQL on both databases. */
export abstract class SqlEventRecord implements EventStore {
  readonly db: Db;
  abstract readonly findings: FindingStore;
  /** Source ids to their numbers in the tables. */
  protected sources = new Map<string, number>();
  protected now: () => number;

  constructor(db: Db, now: () => number) {
    this.db = db;
    this.now = now;
  }

  abstract init(): Promise<void>;
  abstract append(batch: AppendBatch): Promise<{ findingIds: number[] }>;
  abstract searchHttp(q: HttpQuery): Promise<StoredHttp[]>;
  abstract top(
    by: TopBy,
    since: number | undefined,
    until: number | undefined,
    limit: number,
  ): Promise<{ value: string | null; count: number }[]>;
  abstract counts(): Promise<{ http: number; auth: number; rejects: number; findings: number }>;
  abstract prune(before: number): Promise<number>;

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
    return r ? toSourceState(r) : null;
  }

  async listSources(): Promise<SourceState[]> {
    return (await this.db.query<R>('SELECT * FROM log_sources ORDER BY id')).map(toSourceState);
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
    if (q.source !== undefined) {
      const n = this.sources.get(q.source);
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

  /** Rows in a table that both databases count the same way. */
  protected async countRows(table: 'http_events' | 'auth_events' | 'log_rejects'): Promise<number> {
    return num((await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n ?? 0);
  }

  /** Deletes logins, findings and rejections older than `before` (requests are each database's own). */
  protected async pruneShared(before: number): Promise<number> {
    let removed = 0;
    for (const t of ['auth_events', 'findings'])
      removed += (await this.db.run(`DELETE FROM ${t} WHERE time < ?`, [before])).changes;
    removed += (await this.db.run('DELETE FROM log_rejects WHERE at < ?', [before])).changes;
    return removed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

// Stored findings over SQL: the statements are the same on SQLite and PostgreSQL (one table,
// kept with the traffic record's sources); each database's FindingStore
// (sqlite/findings-store.ts, postgres/findings-store.ts) says only how it stores text.

import type { Finding, StoredFinding } from '../../core/finding.ts';
import { severities } from '../../core/finding.ts';
import type { FindingQuery, FindingStore } from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, SqlValue } from './db.ts';
import { eventsMigrations } from './events-schema.ts';
import { findingCols, findingValues, num, numOrNull, type R, strOrNull } from './events-sql.ts';

/** Findings with the id of the source they came from (findings not from traffic have none). */
const select = 'SELECT f.*, s.id AS src_id FROM findings f LEFT JOIN log_sources s ON s.num = f.src';

export abstract class SqlFindingStore implements FindingStore {
  readonly db: Db;
  #now: () => number;

  constructor(db: Db, now: () => number) {
    this.db = db;
    this.#now = now;
  }

  /** Text as this database stores it. */
  protected abstract text(s: string): string;

  async init(): Promise<void> {
    await this.db.migrate('logs', eventsMigrations);
  }

  async addFindings(findings: Finding[]): Promise<number[]> {
    const now = this.#now();
    return this.db.tx(async (q) => {
      const ids: number[] = [];
      for (const f of findings) {
        const vals = findingValues(f, null, null, null, now).map((v) => (typeof v === 'string' ? this.text(v) : v));
        const [row] = await q.query<{ id: number }>(
          `INSERT INTO findings (${findingCols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
          vals,
        );
        ids.push(num(row?.id));
      }
      return ids;
    });
  }

  async getFinding(id: number): Promise<StoredFinding | null> {
    const [r] = await this.db.query<R>(`${select} WHERE f.id = ?`, [id]);
    return r ? toFinding(r) : null;
  }

  async findingsAfter(afterId: number, limit: number): Promise<StoredFinding[]> {
    const rows = await this.db.query<R>(`${select} WHERE f.id > ? ORDER BY f.id LIMIT ?`, [afterId, limit]);
    return rows.map(toFinding);
  }

  async listFindings(q: FindingQuery): Promise<StoredFinding[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.since !== undefined) where.push('f.time >= ?'), params.push(q.since);
    if (q.until !== undefined) where.push('f.time < ?'), params.push(q.until);
    if (q.ip !== undefined) where.push('f.ip = ?'), params.push(q.ip);
    if (q.rule !== undefined) where.push('f.rule = ?'), params.push(q.rule);
    if (q.category !== undefined) where.push('f.category = ?'), params.push(q.category);
    if (q.minSeverity !== undefined) {
      const idx = severities.indexOf(q.minSeverity as (typeof severities)[number]);
      if (idx < 0) throw new AppError('usage', `unknown severity ${q.minSeverity} (one of ${severities.join(', ')})`);
      const allowed = severities.slice(idx);
      where.push(`f.severity IN (${allowed.map(() => '?').join(',')})`);
      params.push(...allowed);
    }
    params.push(q.limit);
    const rows = await this.db.query<R>(
      `${select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY f.time DESC, f.id DESC LIMIT ?`,
      params,
    );
    return rows.map(toFinding);
  }

  async countFindings(): Promise<number> {
    return num((await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM findings'))[0]?.n ?? 0);
  }
}

function toFinding(r: R): StoredFinding {
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
    source: strOrNull(r['src_id']),
    eventKind: strOrNull(r['event_kind']),
    eventId: numOrNull(r['event_id']),
  };
}

// The alerts subsystem's OutboxStore over SQL, one implementation for SQLite and PostgreSQL.
// Each operation is written once as a generator of SQL statements and driven either
// synchronously inside one SQLite transaction (so nothing else in the process can interleave,
// as with the traffic store's append) or asynchronously inside a PostgreSQL transaction.

import { randomUUID } from 'node:crypto';
import type {
  AlertMessage,
  AlertQuery,
  AlertRecord,
  ChannelHealth,
  DispatchCommit,
  DispatchCursor,
  NewOutbox,
  OutboxItem,
  OutboxStatus,
  OutboxStore,
  Silence,
  SilenceMatch,
} from '../../alerts/ports.ts';
import type { Severity } from '../../detect/index.ts';
import { AppError } from '../../core/errors.ts';
import { numOrNull, type Db, type Row, type SqlValue } from './db.ts';
import { SqliteDb, isSqliteBusy } from './sqlite.ts';
import { alertsMigrations } from './alerts-schema.ts';

type Stmt = { kind: 'all' | 'run'; sql: string; params: readonly SqlValue[] };
type Op<T> = Generator<Stmt, T, unknown>;

function* all<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Generator<Stmt, T[], unknown> {
  return (yield { kind: 'all', sql, params }) as T[];
}
function* run(sql: string, params: readonly SqlValue[] = []): Generator<Stmt, number, unknown> {
  return (yield { kind: 'run', sql, params }) as number;
}

const num = (v: unknown): number => Number(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** PostgreSQL TEXT cannot hold NUL; it is stored as U+2400 (␀) there (as in the traffic store). */
const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u2400') : s);

const alertCols =
  'uid, route, group_key, status, rule, category, severity, ip, "user", service, message, evidence, count, notified_count, seq, ' +
  'first_finding, last_finding, first_at, last_at, opened_at, updated_at, next_at, last_notified_at, acked_at';

function alertValues(a: AlertRecord): SqlValue[] {
  return [
    a.uid,
    a.route,
    a.groupKey,
    a.status,
    a.rule,
    a.category,
    a.severity,
    a.ip,
    a.user,
    a.service,
    a.message,
    JSON.stringify(a.evidence),
    a.count,
    a.notifiedCount,
    a.seq,
    a.firstFindingId,
    a.lastFindingId,
    a.firstAt,
    a.lastAt,
    a.openedAt,
    a.updatedAt,
    a.nextAt,
    a.lastNotifiedAt,
    a.ackedAt,
  ];
}

function toAlert(r: Row): AlertRecord {
  return {
    id: num(r['id']),
    uid: String(r['uid']),
    route: String(r['route']),
    groupKey: String(r['group_key']),
    status: r['status'] === 'acked' ? 'acked' : 'open',
    rule: String(r['rule']),
    category: String(r['category']),
    severity: String(r['severity']) as Severity,
    ip: strOrNull(r['ip']),
    user: strOrNull(r['user']),
    service: strOrNull(r['service']),
    message: String(r['message']),
    evidence: JSON.parse(String(r['evidence'])) as string[],
    count: num(r['count']),
    notifiedCount: num(r['notified_count']),
    seq: num(r['seq']),
    firstFindingId: num(r['first_finding']),
    lastFindingId: num(r['last_finding']),
    firstAt: num(r['first_at']),
    lastAt: num(r['last_at']),
    openedAt: num(r['opened_at']),
    updatedAt: num(r['updated_at']),
    nextAt: numOrNull(r['next_at']),
    lastNotifiedAt: numOrNull(r['last_notified_at']),
    ackedAt: numOrNull(r['acked_at']),
  };
}

function toOutbox(r: Row): OutboxItem {
  return {
    id: num(r['id']),
    alertId: numOrNull(r['alert_id']),
    channel: String(r['channel']),
    key: String(r['idem_key']),
    message: JSON.parse(String(r['message'])) as AlertMessage,
    status: String(r['status']) as OutboxStatus,
    attempts: num(r['attempts']),
    createdAt: num(r['created_at']),
    nextAt: num(r['next_at']),
    leaseUntil: numOrNull(r['lease_until']),
    sentAt: numOrNull(r['sent_at']),
    lastError: strOrNull(r['last_error']),
    token: strOrNull(r['token']),
  };
}

function toSilence(r: Row): Silence {
  return {
    id: num(r['id']),
    match: JSON.parse(String(r['match'])) as SilenceMatch,
    startsAt: num(r['starts_at']),
    endsAt: num(r['ends_at']),
    comment: strOrNull(r['comment']),
    createdAt: num(r['created_at']),
    muted: num(r['muted']),
  };
}

function toHealth(r: Row): ChannelHealth {
  return {
    channel: String(r['channel']),
    consecutiveFailures: num(r['failures']),
    failingSince: numOrNull(r['failing_since']),
    lastError: strOrNull(r['last_error']),
    lastSuccessAt: numOrNull(r['last_success_at']),
    reported: num(r['reported']) === 1,
  };
}

function* insertAlert(a: AlertRecord): Op<number> {
  const [row] = yield* all<{ id: number }>(
    `INSERT INTO alerts (${alertCols}) VALUES (${alertCols
      .split(',')
      .map(() => '?')
      .join(',')}) RETURNING id`,
    alertValues(a),
  );
  return num(row?.id);
}

function* insertOutbox(items: readonly NewOutbox[], alertIds: ReadonlyMap<string, number>, now: number): Op<void> {
  for (const o of items) {
    const alertId = o.alertUid === null ? null : (alertIds.get(o.alertUid) ?? null);
    const message: AlertMessage = { ...o.message, alertId };
    yield* run(
      'INSERT INTO alert_outbox (alert_id, channel, idem_key, message, status, attempts, created_at, next_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)',
      [alertId, o.channel, o.message.key, JSON.stringify(message), 'pending', now, o.nextAt],
    );
  }
}

export class SqlOutboxStore implements OutboxStore {
  readonly db: Db;
  readonly #now: () => number;

  constructor(db: Db, now: () => number = Date.now) {
    this.db = db;
    this.#now = now;
  }

  async init(): Promise<void> {
    await this.db.migrate('alerts', alertsMigrations);
  }

  /** Runs one operation in one transaction. */
  async #tx<T>(op: () => Op<T>): Promise<T> {
    const db = this.db;
    const pg = db.dialect === 'postgres';
    const fix = (p: readonly SqlValue[]): SqlValue[] =>
      pg ? p.map((v) => (typeof v === 'string' ? pgText(v) : v)) : [...p];
    if (db instanceof SqliteDb) {
      // Wait until no async transaction of this process is open; then run without yielding.
      await db.query('SELECT 1');
      try {
        return db.txSync(() => {
          const g = op();
          let r = g.next();
          while (!r.done) {
            const s = r.value;
            const st = db.prepare(s.sql);
            const params = s.params as (string | number | null)[];
            r = g.next(s.kind === 'all' ? st.all(...params) : Number(st.run(...params).changes));
          }
          return r.value;
        });
      } catch (e) {
        if (e instanceof AppError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        throw new AppError(isSqliteBusy(e) ? 'locked' : 'store', `SQLite: ${msg}`, { cause: e });
      }
    }
    return db.tx(async (q) => {
      const g = op();
      let r = g.next();
      while (!r.done) {
        const s = r.value;
        r = g.next(
          s.kind === 'all' ? await q.query(s.sql, fix(s.params)) : (await q.run(s.sql, fix(s.params))).changes,
        );
      }
      return r.value;
    });
  }

  async cursor(): Promise<DispatchCursor> {
    const [r] = await this.db.query("SELECT after_id, seen, version FROM alert_cursor WHERE name = 'main'");
    if (!r) throw new AppError('store', 'the alerts cursor row is missing (was the store initialised?)');
    return { afterId: num(r['after_id']), seen: JSON.parse(String(r['seen'])) as number[], version: num(r['version']) };
  }

  async openAlerts(route: string, keys: readonly string[], since: number): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const rows = await this.db.query(
        `SELECT * FROM alerts WHERE route = ? AND status = 'open' AND updated_at >= ? AND group_key IN (${chunk.map(() => '?').join(',')}) ORDER BY id`,
        [route, since, ...chunk],
      );
      out.push(...rows.map(toAlert));
    }
    return out;
  }

  async dueAlerts(now: number, limit: number): Promise<AlertRecord[]> {
    const rows = await this.db.query(
      "SELECT * FROM alerts WHERE status = 'open' AND next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?",
      [now, limit],
    );
    return rows.map(toAlert);
  }

  async activeSilences(now: number): Promise<Silence[]> {
    return (
      await this.db.query('SELECT * FROM alert_silences WHERE starts_at <= ? AND ends_at > ? ORDER BY id', [now, now])
    ).map(toSilence);
  }

  commitDispatch(c: DispatchCommit): Promise<boolean> {
    const now = this.#now();
    return this.#tx(function* () {
      const moved = yield* run(
        "UPDATE alert_cursor SET after_id = ?, seen = ?, version = version + 1 WHERE name = 'main' AND version = ?",
        [c.cursor.afterId, JSON.stringify(c.cursor.seen), c.version],
      );
      if (moved === 0) return false;
      const ids = new Map<string, number>();
      for (const a of c.alerts) {
        if (a.id === 0) {
          ids.set(a.uid, yield* insertAlert(a));
          continue;
        }
        ids.set(a.uid, a.id);
        // An alert acknowledged meanwhile keeps its status; the dispatcher never reopens it.
        yield* run(
          `UPDATE alerts SET severity = ?, ip = ?, "user" = ?, service = ?, evidence = ?, count = ?, notified_count = ?, seq = ?, last_finding = ?,
             first_at = ?, last_at = ?, updated_at = ?, next_at = ?, last_notified_at = ? WHERE id = ? AND status = 'open'`,
          [
            a.severity,
            a.ip,
            a.user,
            a.service,
            JSON.stringify(a.evidence),
            a.count,
            a.notifiedCount,
            a.seq,
            a.lastFindingId,
            a.firstAt,
            a.lastAt,
            a.updatedAt,
            a.nextAt,
            a.lastNotifiedAt,
            a.id,
          ],
        );
      }
      yield* insertOutbox(c.outbox, ids, now);
      for (const s of c.silenced)
        yield* run('UPDATE alert_silences SET muted = muted + ? WHERE id = ?', [s.count, s.id]);
      return true;
    });
  }

  claim(now: number, leaseMs: number, limit: number): Promise<OutboxItem[]> {
    const token = randomUUID();
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    return this.#tx(function* () {
      const due = yield* all<{ id: number }>(
        `SELECT id FROM alert_outbox WHERE (status = 'pending' AND next_at <= ?) OR (status = 'sending' AND lease_until <= ?) ORDER BY next_at, id LIMIT ?${lock}`,
        [now, now, limit],
      );
      if (due.length === 0) return [];
      const ids = due.map((r) => num(r.id));
      const rows = yield* all(
        `UPDATE alert_outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, token = ? WHERE id IN (${ids.map(() => '?').join(',')}) RETURNING *`,
        [now + leaseMs, token, ...ids],
      );
      return rows.map(toOutbox).sort((a, b) => a.id - b.id);
    });
  }

  async nextDue(): Promise<number | null> {
    const [r] = await this.db.query(
      "SELECT MIN(CASE WHEN status = 'pending' THEN next_at ELSE lease_until END) AS t FROM alert_outbox WHERE status IN ('pending', 'sending')",
    );
    return numOrNull(r?.['t']);
  }

  async markSent(id: number, token: string, now: number): Promise<boolean> {
    const r = await this.db.run(
      "UPDATE alert_outbox SET status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL WHERE id = ? AND token = ? AND status = 'sending'",
      [now, id, token],
    );
    return r.changes === 1;
  }

  async markRetry(id: number, token: string, nextAt: number, error: string): Promise<void> {
    await this.db.run(
      "UPDATE alert_outbox SET status = 'pending', next_at = ?, last_error = ?, lease_until = NULL, token = NULL WHERE id = ? AND token = ? AND status = 'sending'",
      [nextAt, this.#text(error), id, token],
    );
  }

  async markFailed(id: number, token: string, now: number, error: string): Promise<void> {
    await this.db.run(
      "UPDATE alert_outbox SET status = 'failed', sent_at = NULL, next_at = ?, last_error = ?, lease_until = NULL WHERE id = ? AND token = ? AND status = 'sending'",
      [now, this.#text(error), id, token],
    );
  }

  #text(s: string): string {
    return this.db.dialect === 'postgres' ? pgText(s) : s;
  }

  recordAttempt(channel: string, ok: boolean, now: number, error: string | null): Promise<ChannelHealth> {
    const err = error === null ? null : this.#text(error);
    return this.#tx(function* () {
      yield* run(
        'INSERT INTO alert_channels (channel, failures, reported) VALUES (?, 0, 0) ON CONFLICT (channel) DO NOTHING',
        [channel],
      );
      if (ok)
        yield* run(
          'UPDATE alert_channels SET failures = 0, failing_since = NULL, last_success_at = ? WHERE channel = ?',
          [now, channel],
        );
      else
        yield* run(
          'UPDATE alert_channels SET failures = failures + 1, failing_since = COALESCE(failing_since, ?), last_error = ? WHERE channel = ?',
          [now, err, channel],
        );
      const [r] = yield* all('SELECT * FROM alert_channels WHERE channel = ?', [channel]);
      if (!r) throw new AppError('store', `channel ${channel} health row missing`);
      return toHealth(r);
    });
  }

  async setReported(channel: string, reported: boolean): Promise<void> {
    await this.db.run(
      'INSERT INTO alert_channels (channel, failures, reported) VALUES (?, 0, ?) ON CONFLICT (channel) DO UPDATE SET reported = excluded.reported',
      [channel, reported ? 1 : 0],
    );
  }

  async channelHealth(): Promise<ChannelHealth[]> {
    return (await this.db.query('SELECT * FROM alert_channels ORDER BY channel')).map(toHealth);
  }

  async oldestUndelivered(): Promise<{ channel: string; createdAt: number }[]> {
    const rows = await this.db.query(
      "SELECT channel, MIN(created_at) AS t FROM alert_outbox WHERE status IN ('pending', 'sending') GROUP BY channel ORDER BY channel",
    );
    return rows.map((r) => ({ channel: String(r['channel']), createdAt: num(r['t']) }));
  }

  addAlert(alert: AlertRecord, outbox: NewOutbox[]): Promise<number> {
    const now = this.#now();
    return this.#tx(function* () {
      const id = yield* insertAlert(alert);
      yield* insertOutbox(outbox, new Map([[alert.uid, id]]), now);
      return id;
    });
  }

  async listAlerts(q: AlertQuery): Promise<AlertRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.status !== undefined) where.push('status = ?'), params.push(q.status);
    if (q.since !== undefined) where.push('updated_at >= ?'), params.push(q.since);
    params.push(q.limit);
    const rows = await this.db.query(
      `SELECT * FROM alerts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      params,
    );
    return rows.map(toAlert);
  }

  async getAlert(id: number): Promise<AlertRecord | null> {
    const [r] = await this.db.query('SELECT * FROM alerts WHERE id = ?', [id]);
    return r ? toAlert(r) : null;
  }

  async outboxOf(alertId: number): Promise<OutboxItem[]> {
    return (await this.db.query('SELECT * FROM alert_outbox WHERE alert_id = ? ORDER BY id', [alertId])).map(toOutbox);
  }

  async ack(id: number, now: number): Promise<boolean> {
    const r = await this.db.run(
      "UPDATE alerts SET status = 'acked', acked_at = ?, next_at = NULL WHERE id = ? AND status = 'open'",
      [now, id],
    );
    return r.changes === 1;
  }

  async addSilence(s: Omit<Silence, 'id' | 'muted'>): Promise<number> {
    const [r] = await this.db.query(
      'INSERT INTO alert_silences (match, starts_at, ends_at, comment, created_at, muted) VALUES (?, ?, ?, ?, ?, 0) RETURNING id',
      [JSON.stringify(s.match), s.startsAt, s.endsAt, s.comment === null ? null : this.#text(s.comment), s.createdAt],
    );
    return num(r?.['id']);
  }

  async listSilences(now: number, includeExpired: boolean): Promise<Silence[]> {
    const rows = includeExpired
      ? await this.db.query('SELECT * FROM alert_silences ORDER BY id')
      : await this.db.query('SELECT * FROM alert_silences WHERE ends_at > ? ORDER BY id', [now]);
    return rows.map(toSilence);
  }

  async expireSilence(id: number, now: number): Promise<boolean> {
    const r = await this.db.run('UPDATE alert_silences SET ends_at = ? WHERE id = ? AND ends_at > ?', [now, id, now]);
    return r.changes === 1;
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
    for (const r of await this.db.query('SELECT status, COUNT(*) AS n FROM alert_outbox GROUP BY status')) {
      const s = String(r['status']) as OutboxStatus;
      if (s in out) out[s] = num(r['n']);
    }
    return out;
  }
}

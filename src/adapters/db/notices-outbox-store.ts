// NoticeStore (src/notices/ports.ts) on the SQL interface, SQLite and PostgreSQL alike:
// campaigns and their outbox. Every state change of a row is one UPDATE guarded by the
// sender's token and the state it leaves, so a sender that lost its lock cannot overwrite the
// one that took over; `UNIQUE (version, addr_key)` makes a second message of the same notice to
// the same address impossible whatever the callers do.

import { AppError } from '../../core/errors.ts';
import { numOrNull, type Db, type SqlValue } from './db.ts';
import { noticesMigrations } from './notices-schema.ts';
import { recipientOf } from './notices-audience-store.ts';
import type {
  CampaignRecord,
  ClaimedNotice,
  NewCampaign,
  NoticeStore,
  OutboxCounts,
  OutboxRecord,
  SenderLock,
} from '../../notices/ports.ts';

const CHUNK = 300; // rows per INSERT: 5 parameters each

export class SqlNoticeStore implements NoticeStore {
  readonly #db: Db;
  readonly #now: () => number;

  constructor(db: Db, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async init(): Promise<void> {
    await this.#db.migrate('notices', noticesMigrations);
  }

  async createCampaign(c: NewCampaign): Promise<CampaignRecord> {
    const createdAt = new Date(this.#now()).toISOString();
    const rows = await this.#db.query<{ id: number | string }>(
      `INSERT INTO notice_campaigns (name, audience_id, template, variants, sources, vals, version, incident, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'creating', ?) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [
        c.name,
        c.audienceId,
        c.template,
        JSON.stringify(c.variants),
        JSON.stringify(c.sources),
        JSON.stringify(c.values),
        c.version,
        c.incident,
        createdAt,
      ],
    );
    const id = rows[0]?.id;
    if (id === undefined)
      throw new AppError('conflict', `a campaign named "${c.name}" exists already`, { where: 'notices campaign' });
    return { ...c, id: Number(id), status: 'creating', createdAt, skipped: 0, sender: null };
  }

  async fillOutbox(
    campaignId: number,
    version: string,
    rows: readonly { pos: number; key: string; variant: string }[],
  ): Promise<void> {
    const now = this.#now();
    await this.#db.tx(async (q) => {
      for (let start = 0; start < rows.length; start += CHUNK) {
        const chunk = rows.slice(start, start + CHUNK);
        const params: SqlValue[] = [];
        for (const r of chunk) params.push(campaignId, version, r.key, r.pos, r.variant, now);
        await q.run(
          `INSERT INTO notice_outbox (campaign_id, version, addr_key, pos, variant, status, next_at)
           VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, 'pending', ?)").join(', ')}
           ON CONFLICT (version, addr_key) DO NOTHING`,
          params,
        );
      }
    });
  }

  async campaign(idOrName: string): Promise<CampaignRecord | null> {
    const byId = /^\d+$/.test(idOrName);
    const rows = await this.#db.query(`SELECT * FROM notice_campaigns WHERE ${byId ? 'id = ?' : 'name = ?'}`, [
      byId ? Number(idOrName) : idOrName,
    ]);
    return rows[0] === undefined ? null : campaignOf(rows[0]);
  }

  async campaigns(): Promise<CampaignRecord[]> {
    return (await this.#db.query('SELECT * FROM notice_campaigns ORDER BY id')).map(campaignOf);
  }

  async setStatus(
    id: number,
    status: CampaignRecord['status'],
    from: readonly CampaignRecord['status'][],
  ): Promise<boolean> {
    const r = await this.#db.run(
      `UPDATE notice_campaigns SET status = ? WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
      [status, id, ...from],
    );
    return r.changes > 0;
  }

  async setSkipped(id: number, skipped: number): Promise<void> {
    await this.#db.run('UPDATE notice_campaigns SET skipped = ? WHERE id = ?', [skipped, id]);
  }

  async lock(id: number, mine: SenderLock, stale: SenderLock | null): Promise<boolean> {
    const r =
      stale === null
        ? await this.#db.run('UPDATE notice_campaigns SET sender = ? WHERE id = ? AND sender IS NULL', [
            JSON.stringify(mine),
            id,
          ])
        : await this.#db.run('UPDATE notice_campaigns SET sender = ? WHERE id = ? AND sender = ?', [
            JSON.stringify(mine),
            id,
            JSON.stringify(stale),
          ]);
    return r.changes > 0;
  }

  async heartbeat(id: number, token: string, at: number): Promise<boolean> {
    const c = await this.campaign(String(id));
    if (c?.sender?.token !== token) return false;
    const r = await this.#db.run('UPDATE notice_campaigns SET sender = ? WHERE id = ? AND sender = ?', [
      JSON.stringify({ ...c.sender, heartbeat: at }),
      id,
      JSON.stringify(c.sender),
    ]);
    return r.changes > 0;
  }

  async unlock(id: number, token: string): Promise<void> {
    const c = await this.campaign(String(id));
    if (c?.sender?.token !== token) return;
    await this.#db.run('UPDATE notice_campaigns SET sender = NULL WHERE id = ? AND sender = ?', [
      id,
      JSON.stringify(c.sender),
    ]);
  }

  async recover(campaignId: number, token: string): Promise<number> {
    return this.#db.tx(async (q) => {
      await q.run(
        "UPDATE notice_outbox SET status = 'pending', token = NULL WHERE campaign_id = ? AND status = 'claimed' AND token <> ?",
        [campaignId, token],
      );
      const r = await q.run(
        `UPDATE notice_outbox SET status = 'uncertain', token = NULL,
           last_error = 'the sender stopped while the relay may have been taking this message'
         WHERE campaign_id = ? AND status = 'sending' AND token <> ?`,
        [campaignId, token],
      );
      return r.changes;
    });
  }

  async claim(campaignId: number, token: string, now: number, limit: number): Promise<ClaimedNotice[]> {
    return this.#db.tx(async (q) => {
      const lock = q.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
      const ids = await q.query<{ id: number | string }>(
        `SELECT o.id FROM notice_outbox o WHERE o.campaign_id = ? AND o.status = 'pending' AND o.next_at <= ?
           AND EXISTS (SELECT 1 FROM notice_campaigns c WHERE c.id = o.campaign_id AND c.status = 'sending')
         ORDER BY o.id LIMIT ?${lock}`,
        [campaignId, now, limit],
      );
      if (ids.length === 0) return [];
      const list = ids.map((r) => Number(r.id));
      const marks = list.map(() => '?').join(', ');
      await q.run(
        `UPDATE notice_outbox SET status = 'claimed', token = ?, attempts = attempts + 1 WHERE id IN (${marks})`,
        [token, ...list],
      );
      const rows = await q.query(
        `SELECT o.id AS outbox_id, o.attempts, o.variant, r.* FROM notice_outbox o
           JOIN notice_campaigns c ON c.id = o.campaign_id
           JOIN notice_recipients r ON r.audience_id = c.audience_id AND r.addr_key = o.addr_key
         WHERE o.id IN (${marks}) ORDER BY o.id`,
        list,
      );
      return rows.map((r) => ({
        id: Number(r['outbox_id']),
        attempts: Number(r['attempts']),
        variant: String(r['variant']),
        recipient: recipientOf(r),
      }));
    });
  }

  // Group commit: the state changes the workers ask for in the same turn of the event loop go
  // in one transaction, and each caller is answered only once that transaction is committed. A
  // commit per message would cost a WAL page each; this keeps "durable before the next step".
  #queue: { sql: string; params: SqlValue[]; id: number; done: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  #move(id: number, token: string, from: string, set: string, params: readonly SqlValue[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        sql: `UPDATE notice_outbox SET ${set} WHERE id = ? AND token = ? AND status IN (${from})`,
        params: [...params, id, token],
        id,
        done: (e) => (e === null ? resolve() : reject(e)),
      });
      this.#flushing ??= new Promise((r) => setImmediate(r)).then(() => this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    let results: number[] = [];
    let failed: unknown = null;
    try {
      results = await this.#db.tx(async (q) => {
        const out: number[] = [];
        for (const b of batch) out.push((await q.run(b.sql, b.params)).changes);
        return out;
      });
    } catch (e) {
      failed = e;
    }
    this.#flushing = this.#queue.length > 0 ? new Promise((r) => setImmediate(r)).then(() => this.#flush()) : null;
    batch.forEach((b, i) => {
      if (failed !== null) b.done(failed);
      // The row changed hands (the owner resumed elsewhere): this sender must stop writing.
      else if (results[i] === 0)
        b.done(new AppError('conflict', `outbox row ${b.id} is no longer this sender's`, { where: 'notices send' }));
      else b.done(null);
    });
  }

  markSending(id: number, token: string, messageId: string): Promise<void> {
    return this.#move(id, token, "'claimed'", "status = 'sending', message_id = ?", [messageId]);
  }

  markSent(id: number, token: string, reply: string, at: number): Promise<void> {
    return this.#move(id, token, "'sending'", "status = 'sent', reply = ?, sent_at = ?, last_error = NULL", [
      reply,
      at,
    ]);
  }

  release(id: number, token: string, nextAt: number, error: string | null, counted = true): Promise<void> {
    return this.#move(
      id,
      token,
      "'claimed', 'sending'",
      `status = 'pending', token = NULL, next_at = ?, last_error = ?${counted ? '' : ', attempts = attempts - 1'}`,
      [nextAt, error],
    );
  }

  async dueNow(campaignId: number, now: number): Promise<void> {
    await this.#db.run(
      "UPDATE notice_outbox SET next_at = ? WHERE campaign_id = ? AND status = 'pending' AND next_at > ?",
      [now, campaignId, now],
    );
  }

  markFailed(id: number, token: string, error: string, reply: string | null): Promise<void> {
    return this.#move(id, token, "'claimed', 'sending'", "status = 'failed', last_error = ?, reply = ?", [
      error,
      reply,
    ]);
  }

  markUncertain(id: number, token: string, error: string): Promise<void> {
    return this.#move(id, token, "'sending'", "status = 'uncertain', token = NULL, last_error = ?", [error]);
  }

  async settle(id: number, outcome: 'sent' | 'pending', reply: string, at: number): Promise<void> {
    await this.#db.run(
      outcome === 'sent'
        ? "UPDATE notice_outbox SET status = 'sent', reply = ?, sent_at = ? WHERE id = ? AND status = 'uncertain'"
        : "UPDATE notice_outbox SET status = 'pending', last_error = ?, next_at = ? WHERE id = ? AND status = 'uncertain'",
      [reply, at, id],
    );
  }

  async uncertain(
    campaignId: number,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; messageId: string | null }[]> {
    const rows = await this.#db.query<{ id: number | string; message_id: string | null }>(
      "SELECT id, message_id FROM notice_outbox WHERE campaign_id = ? AND status = 'uncertain' AND id > ? ORDER BY id LIMIT ?",
      [campaignId, afterId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), messageId: r.message_id }));
  }

  async counts(campaignId: number): Promise<OutboxCounts> {
    const rows = await this.#db.query<{ status: keyof OutboxCounts; n: number | string }>(
      'SELECT status, COUNT(*) AS n FROM notice_outbox WHERE campaign_id = ? GROUP BY status',
      [campaignId],
    );
    const out: OutboxCounts = { pending: 0, claimed: 0, sending: 0, sent: 0, failed: 0, uncertain: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  async byVariant(campaignId: number): Promise<{ variant: string; status: string; count: number }[]> {
    const rows = await this.#db.query<{ variant: string; status: string; n: number | string }>(
      'SELECT variant, status, COUNT(*) AS n FROM notice_outbox WHERE campaign_id = ? GROUP BY variant, status ORDER BY variant, status',
      [campaignId],
    );
    return rows.map((r) => ({ variant: r.variant, status: r.status, count: Number(r.n) }));
  }

  async nextDue(campaignId: number): Promise<number | null> {
    const [r] = await this.#db.query<{ t: number | string | null }>(
      "SELECT MIN(next_at) AS t FROM notice_outbox WHERE campaign_id = ? AND status = 'pending'",
      [campaignId],
    );
    return numOrNull(r?.t);
  }

  async records(campaignId: number, afterId: number, limit: number): Promise<OutboxRecord[]> {
    const rows = await this.#db.query(
      `SELECT o.id AS outbox_id, o.variant, o.status, o.attempts, o.message_id, o.reply, o.sent_at, o.last_error,
              r.email, r.name, r.jurisdiction
         FROM notice_outbox o
         JOIN notice_campaigns c ON c.id = o.campaign_id
         JOIN notice_recipients r ON r.audience_id = c.audience_id AND r.addr_key = o.addr_key
        WHERE o.campaign_id = ? AND o.id > ? ORDER BY o.id LIMIT ?`,
      [campaignId, afterId, limit],
    );
    return rows.map((r) => ({
      id: Number(r['outbox_id']),
      email: String(r['email']),
      name: r['name'] === null ? null : String(r['name']),
      jurisdiction: r['jurisdiction'] === null ? null : String(r['jurisdiction']),
      variant: String(r['variant']),
      status: String(r['status']),
      attempts: Number(r['attempts']),
      messageId: r['message_id'] === null ? null : String(r['message_id']),
      reply: r['reply'] === null ? null : String(r['reply']),
      sentAt: numOrNull(r['sent_at']),
      lastError: r['last_error'] === null ? null : String(r['last_error']),
    }));
  }

  async sentSpan(campaignId: number): Promise<{ first: number; last: number } | null> {
    const [r] = await this.#db.query<{ a: number | string | null; b: number | string | null }>(
      "SELECT MIN(sent_at) AS a, MAX(sent_at) AS b FROM notice_outbox WHERE campaign_id = ? AND status = 'sent'",
      [campaignId],
    );
    const a = numOrNull(r?.a);
    const b = numOrNull(r?.b);
    return a === null || b === null ? null : { first: a, last: b };
  }
}

function campaignOf(r: Record<string, unknown>): CampaignRecord {
  return {
    id: Number(r['id']),
    name: String(r['name']),
    audienceId: Number(r['audience_id']),
    template: String(r['template']),
    variants: JSON.parse(String(r['variants'])) as Record<string, string>,
    sources: JSON.parse(String(r['sources'])) as Record<string, string>,
    values: JSON.parse(String(r['vals'])) as Record<string, unknown>,
    version: String(r['version']),
    incident: r['incident'] === null ? null : String(r['incident']),
    status: String(r['status']) as CampaignRecord['status'],
    createdAt: String(r['created_at']),
    skipped: Number(r['skipped']),
    sender: r['sender'] === null ? null : (JSON.parse(String(r['sender'])) as SenderLock),
  };
}

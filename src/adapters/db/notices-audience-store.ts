// AudienceStore (src/notices/ports.ts) on the SQL interface, for SQLite and PostgreSQL alike.
// Recipients go in with multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING: the keys not
// returned (or seen earlier in the same batch) are the duplicates, recorded as problems in the
// same transaction, so an address is in an audience once whatever the input repeats.

import { AppError } from '../../core/errors.ts';
import type { Db, Queryable, SqlValue } from './db.ts';
import { noticesMigrations } from './notices-schema.ts';
import type {
  AudienceInfo,
  AudienceProblem,
  AudienceStore,
  JurisdictionCount,
  ProblemKind,
  Recipient,
} from '../../notices/index.ts';

const CHUNK = 400; // rows per INSERT: 11 parameters each stays under SQLite's parameter limit

interface AudienceRow {
  id: number | string;
  name: string;
  origin: string;
  created_at: string;
  [k: string]: unknown;
}

export class SqlAudienceStore implements AudienceStore {
  readonly #db: Db;
  readonly #now: () => number;

  constructor(db: Db, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async init(): Promise<void> {
    await this.#db.migrate('notices', noticesMigrations);
  }

  async createAudience(name: string, origin: string): Promise<AudienceInfo> {
    const createdAt = new Date(this.#now()).toISOString();
    const rows = await this.#db.query<{ id: number | string }>(
      'INSERT INTO notice_audiences (name, origin, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
      [name, origin, createdAt],
    );
    const id = rows[0]?.id;
    if (id === undefined)
      throw new AppError('conflict', `an audience named "${name}" exists already`, { where: 'notices audience' });
    return { id: Number(id), name, origin, createdAt, recipients: 0, invalid: 0, duplicates: 0 };
  }

  async addBatch(
    audienceId: number,
    recipients: readonly Recipient[],
    problems: readonly AudienceProblem[],
  ): Promise<{ duplicates: number[] }> {
    return this.#db.tx(async (q) => {
      const duplicates: number[] = [];
      for (let start = 0; start < recipients.length; start += CHUNK) {
        const chunk = recipients.slice(start, start + CHUNK);
        const inserted = await insertRecipients(q, audienceId, chunk);
        const firstAt = new Map<string, number>();
        chunk.forEach((r, i) => {
          if (!inserted.has(r.key) || firstAt.has(r.key)) duplicates.push(start + i);
          else firstAt.set(r.key, i);
        });
      }
      const all: AudienceProblem[] = [
        ...problems,
        ...duplicates.map((i) => {
          const r = recipients[i] as Recipient;
          return { kind: 'duplicate' as const, source: r.source, message: 'address already in the audience' };
        }),
      ];
      for (let start = 0; start < all.length; start += CHUNK) {
        const chunk = all.slice(start, start + CHUNK);
        const params: SqlValue[] = [];
        for (const p of chunk) params.push(audienceId, p.kind, p.source, p.message);
        await q.run(
          `INSERT INTO notice_problems (audience_id, kind, source, message) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
          params,
        );
      }
      return { duplicates };
    });
  }

  async audience(idOrName: string): Promise<AudienceInfo | null> {
    const byId = /^\d+$/.test(idOrName);
    const rows = await this.#db.query<AudienceRow>(
      `SELECT id, name, origin, created_at FROM notice_audiences WHERE ${byId ? 'id = ?' : 'name = ?'}`,
      [byId ? Number(idOrName) : idOrName],
    );
    const r = rows[0];
    return r === undefined ? null : this.#info(r);
  }

  async audiences(): Promise<AudienceInfo[]> {
    const rows = await this.#db.query<AudienceRow>(
      'SELECT id, name, origin, created_at FROM notice_audiences ORDER BY id',
    );
    return Promise.all(rows.map((r) => this.#info(r)));
  }

  async #info(r: AudienceRow): Promise<AudienceInfo> {
    const id = Number(r.id);
    const [n] = await this.#db.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM notice_recipients WHERE audience_id = ?',
      [id],
    );
    const kinds = await this.#db.query<{ kind: ProblemKind; n: number | string }>(
      'SELECT kind, COUNT(*) AS n FROM notice_problems WHERE audience_id = ? GROUP BY kind',
      [id],
    );
    const count = (k: ProblemKind): number => Number(kinds.find((x) => x.kind === k)?.n ?? 0);
    return {
      id,
      name: r.name,
      origin: r.origin,
      createdAt: r.created_at,
      recipients: Number(n?.n ?? 0),
      invalid: count('invalid'),
      duplicates: count('duplicate'),
    };
  }

  async byJurisdiction(audienceId: number): Promise<JurisdictionCount[]> {
    const rows = await this.#db.query<{ jurisdiction: string | null; n: number | string }>(
      'SELECT jurisdiction, COUNT(*) AS n FROM notice_recipients WHERE audience_id = ? GROUP BY jurisdiction ORDER BY jurisdiction',
      [audienceId],
    );
    return rows.map((r) => ({ jurisdiction: r.jurisdiction, count: Number(r.n) }));
  }

  async problems(audienceId: number, limit: number): Promise<AudienceProblem[]> {
    const rows = await this.#db.query<{ kind: ProblemKind; source: string; message: string }>(
      'SELECT kind, source, message FROM notice_problems WHERE audience_id = ? ORDER BY id LIMIT ?',
      [audienceId, limit],
    );
    return rows.map((r) => ({ kind: r.kind, source: r.source, message: r.message }));
  }

  async recipients(audienceId: number, after: number, limit: number): Promise<{ pos: number; recipient: Recipient }[]> {
    const rows = await this.#db.query<Record<string, string | number | null>>(
      `SELECT pos, addr_key, email, name, first_name, last_name, country, region, jurisdiction, source, extra
       FROM notice_recipients WHERE audience_id = ? AND pos > ? ORDER BY pos LIMIT ?`,
      [audienceId, after, limit],
    );
    return rows.map((r) => ({ pos: Number(r['pos']), recipient: recipientOf(r) }));
  }
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A recipient from its notice_recipients columns (shared with the outbox store's joins). */
export function recipientOf(r: Record<string, unknown>): Recipient {
  return {
    key: String(r['addr_key']),
    email: String(r['email']),
    name: str(r['name']),
    firstName: str(r['first_name']),
    lastName: str(r['last_name']),
    country: str(r['country']),
    region: str(r['region']),
    jurisdiction: str(r['jurisdiction']),
    source: String(r['source']),
    extra: JSON.parse(String(r['extra'])) as Record<string, string>,
  };
}

async function insertRecipients(q: Queryable, audienceId: number, chunk: readonly Recipient[]): Promise<Set<string>> {
  if (chunk.length === 0) return new Set();
  const params: SqlValue[] = [];
  for (const r of chunk)
    params.push(
      audienceId,
      r.key,
      r.email,
      r.name,
      r.firstName,
      r.lastName,
      r.country,
      r.region,
      r.jurisdiction,
      r.source,
      JSON.stringify(r.extra),
    );
  const rows = await q.query<{ addr_key: string }>(
    `INSERT INTO notice_recipients (audience_id, addr_key, email, name, first_name, last_name, country, region, jurisdiction, source, extra)
     VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (audience_id, addr_key) DO NOTHING RETURNING addr_key`,
    params,
  );
  return new Set(rows.map((r) => r.addr_key));
}

// The incident record (incident's IncidentStore) on the state database, SQLite or PostgreSQL
// through the shared Db interface: one row per incident (its JSON), and one log of what people
// add to it (notes, ticked steps, custody records) with a unique key that makes a tick
// idempotent. Ids are INC-<n> in declaration order; PostgreSQL locks the table while numbering,
// so two servers declaring at once get two numbers.

import { AppError } from '../../core/errors.ts';
import type {
  CustodyEntry,
  Evidence,
  Incident,
  IncidentStore,
  NewIncident,
  Note,
  StepTick,
} from '../../incident/index.ts';
import type { Facts } from '../../obligations/index.ts';
import type { Db, Migration, Queryable } from './db.ts';

const tables = (serial: string, int: string) => `
CREATE TABLE incidents (seq ${int} PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE incident_log (id ${serial}, incident TEXT NOT NULL, kind TEXT NOT NULL, key TEXT, time ${int} NOT NULL, doc TEXT NOT NULL);
CREATE UNIQUE INDEX incident_log_key ON incident_log (incident, kind, key);
CREATE INDEX incident_log_incident ON incident_log (incident, kind, id);
`;

const migrations: Migration[] = [
  {
    version: 1,
    sqlite: tables('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
];

type LogKind = 'note' | 'tick' | 'custody';

export class SqlIncidentStore implements IncidentStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async init(): Promise<void> {
    await this.db.migrate('incident', migrations);
  }

  async create(n: NewIncident): Promise<Incident> {
    return this.db.tx(async (q) => {
      if (q.dialect === 'postgres') await q.exec('LOCK TABLE incidents IN EXCLUSIVE MODE');
      const [row] = await q.query<{ n: number | string | null }>('SELECT MAX(seq) AS n FROM incidents');
      const seq = Number(row?.n ?? 0) + 1;
      const i: Incident = { ...n, id: `INC-${seq}`, status: 'open', evidence: null };
      await q.run('INSERT INTO incidents (seq, id, doc) VALUES (?, ?, ?)', [seq, i.id, JSON.stringify(i)]);
      return i;
    });
  }

  async #get(q: Queryable, id: string): Promise<Incident | null> {
    const [row] = await q.query<{ doc: string }>('SELECT doc FROM incidents WHERE id = ?', [id]);
    return row === undefined ? null : (JSON.parse(row.doc) as Incident);
  }

  async get(id: string): Promise<Incident | null> {
    return this.#get(this.db, id);
  }

  async list(): Promise<Incident[]> {
    const rows = await this.db.query<{ doc: string }>('SELECT doc FROM incidents ORDER BY seq DESC');
    return rows.map((r) => JSON.parse(r.doc) as Incident);
  }

  async #update(id: string, change: (i: Incident) => Incident): Promise<Incident> {
    return this.db.tx(async (q) => {
      const i = await this.#get(q, id);
      if (i === null) throw new AppError('not_found', `no incident ${id}`);
      const next = change(i);
      await q.run('UPDATE incidents SET doc = ? WHERE id = ?', [JSON.stringify(next), id]);
      return next;
    });
  }

  async setFacts(id: string, facts: Facts): Promise<void> {
    await this.#update(id, (i) => ({ ...i, facts }));
  }

  async setEvidence(id: string, e: Evidence): Promise<void> {
    await this.#update(id, (i) => ({ ...i, evidence: e }));
  }

  async close(id: string, c: { at: number; by: string; lessons: string[]; summary: string | null }): Promise<Incident> {
    return this.#update(id, (i) => {
      if (i.status === 'closed') throw new AppError('conflict', `${id} is closed already`);
      return { ...i, status: 'closed', closedAt: c.at, closedBy: c.by, lessons: c.lessons, summary: c.summary };
    });
  }

  async #add(id: string, kind: LogKind, key: string | null, time: number, doc: unknown): Promise<boolean> {
    if ((await this.get(id)) === null) throw new AppError('not_found', `no incident ${id}`);
    const r = await this.db.run(
      'INSERT INTO incident_log (incident, kind, key, time, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [id, kind, key, time, JSON.stringify(doc)],
    );
    return r.changes > 0;
  }

  async #list<T>(id: string, kind: LogKind): Promise<T[]> {
    const rows = await this.db.query<{ doc: string }>(
      'SELECT doc FROM incident_log WHERE incident = ? AND kind = ? ORDER BY id',
      [id, kind],
    );
    return rows.map((r) => JSON.parse(r.doc) as T);
  }

  async addNote(id: string, n: Note): Promise<void> {
    await this.#add(id, 'note', null, n.time, n);
  }

  notes(id: string): Promise<Note[]> {
    return this.#list<Note>(id, 'note');
  }

  tick(id: string, t: StepTick): Promise<boolean> {
    return this.#add(id, 'tick', t.key, t.time, t);
  }

  ticks(id: string): Promise<StepTick[]> {
    return this.#list<StepTick>(id, 'tick');
  }

  async addCustody(id: string, c: CustodyEntry): Promise<void> {
    await this.#add(id, 'custody', null, c.time, c);
  }

  custody(id: string): Promise<CustodyEntry[]> {
    return this.#list<CustodyEntry>(id, 'custody');
  }
}

// The servers feeding one store (`ripcord run` on each web server): each writes a heartbeat
// (role, pid, when it started, when it was last heard from); the server marks a host quiet
// once it has been silent too long, and clears the mark when it is heard from again. On
// PostgreSQL, leadership among several servers is a session advisory lock held on a
// connection of its own: whoever holds it runs delivery, schedules and the dashboard.

import { numOrNull, type Db, type Migration } from './db.ts';
import { PostgresDb } from './postgres.ts';

export interface HostInfo {
  name: string;
  role: string;
  pid: number | null;
  startedAt: number | null;
  lastSeen: number;
  quietSince: number | null;
}

const table = (int: string): string => `
CREATE TABLE ripcord_hosts (name TEXT PRIMARY KEY, role TEXT NOT NULL, pid ${int}, started_at ${int},
  last_seen ${int} NOT NULL, quiet_since ${int});
`;

const migrations: Migration[] = [{ version: 1, sqlite: table('INTEGER'), postgres: table('BIGINT') }];

export class SqlHostStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  async init(): Promise<void> {
    await this.#db.migrate('hosts', migrations);
  }

  async beat(h: { name: string; role: string; pid: number; startedAt: number }, at: number): Promise<void> {
    await this.#db.run(
      'INSERT INTO ripcord_hosts (name, role, pid, started_at, last_seen) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET role = excluded.role, pid = excluded.pid, started_at = excluded.started_at, last_seen = excluded.last_seen',
      [h.name, h.role, h.pid, h.startedAt, at],
    );
  }

  async list(): Promise<HostInfo[]> {
    return (await this.#db.query('SELECT * FROM ripcord_hosts ORDER BY name')).map((r) => ({
      name: String(r['name']),
      role: String(r['role']),
      pid: numOrNull(r['pid']),
      startedAt: numOrNull(r['started_at']),
      lastSeen: Number(r['last_seen']),
      quietSince: numOrNull(r['quiet_since']),
    }));
  }

  /** Marks a host quiet (since) or heard again (null); false when another server did it first. */
  async setQuiet(name: string, since: number | null): Promise<boolean> {
    const r = await this.#db.run(
      since === null
        ? 'UPDATE ripcord_hosts SET quiet_since = NULL WHERE name = ? AND quiet_since IS NOT NULL'
        : 'UPDATE ripcord_hosts SET quiet_since = ? WHERE name = ? AND quiet_since IS NULL',
      since === null ? [name] : [since, name],
    );
    return r.changes > 0;
  }
}

/** A held leadership: `lost` resolves if the lock's connection breaks (PostgreSQL restarted). */
export interface Leadership {
  lost: Promise<void>;
  release(): Promise<void>;
}

// One number for every Ripcord server of a store (pg advisory locks are per database).
const LOCK_KEY = 0x52_49_50_43; // "RIPC"

/**
 * Tries to become the leader. SQLite: one machine, always the leader. PostgreSQL: a session
 * advisory lock on a connection kept open for as long as this server leads.
 */
export async function tryLeadership(db: Db): Promise<Leadership | null> {
  if (!(db instanceof PostgresDb)) return { lost: new Promise<void>(() => {}), release: async () => {} };
  return db.sessionLock(LOCK_KEY);
}

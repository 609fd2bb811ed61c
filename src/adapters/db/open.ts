// Opens the configured database: `sqlite` (a file in the state dir), `sqlite:PATH`, or a
// postgres:// URL. Only app/store.ts calls this: the store is opened in one place.

import { join } from 'node:path';
import type { Db } from './db.ts';
import { SqliteDb } from './sqlite.ts';

export interface OpenDbOptions {
  /** SQLite: how long a statement waits for another process's write lock. */
  busyTimeoutMs?: number;
}

/** The SQLite file a store setting names, or null for a server database. */
export function sqliteFile(store: string, stateDir: string): string | null {
  if (store === 'sqlite') return join(stateDir, 'ripcord.db');
  if (store.startsWith('sqlite:')) return store.slice('sqlite:'.length);
  return null;
}

// The PostgreSQL driver is loaded only when a postgres:// store is configured: most shops run
// on SQLite, and loading pg costs every command start-up time.
export async function openDb(store: string, stateDir: string, o: OpenDbOptions = {}): Promise<Db> {
  const file = sqliteFile(store, stateDir);
  if (file !== null) return new SqliteDb(file, o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {});
  const { PostgresDb } = await import('./postgres.ts');
  return new PostgresDb(store);
}

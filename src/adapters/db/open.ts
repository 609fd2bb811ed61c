// Opens the configured store: `sqlite` (a file in the state dir), `sqlite:PATH`, or a
// postgres:// URL.

import { join } from 'node:path';
import type { Db } from './db.ts';
import { SqliteDb } from './sqlite.ts';

// The PostgreSQL driver is loaded only when a postgres:// store is configured: most shops run
// on SQLite, and loading pg costs every command start-up time.
export async function openDb(store: string, stateDir: string): Promise<Db> {
  if (store === 'sqlite') return new SqliteDb(join(stateDir, 'ripcord.db'));
  if (store.startsWith('sqlite:')) return new SqliteDb(store.slice('sqlite:'.length));
  const { PostgresDb } = await import('./postgres.ts');
  return new PostgresDb(store);
}

// Opens the configured store: `sqlite` (a file in the state dir), `sqlite:PATH`, or a
// postgres:// URL.

import { join } from 'node:path';
import type { Db } from './db.ts';
import { SqliteDb } from './sqlite.ts';
import { PostgresDb } from './postgres.ts';

export function openDb(store: string, stateDir: string): Db {
  if (store === 'sqlite') return new SqliteDb(join(stateDir, 'ripcord.db'));
  if (store.startsWith('sqlite:')) return new SqliteDb(store.slice('sqlite:'.length));
  return new PostgresDb(store);
}

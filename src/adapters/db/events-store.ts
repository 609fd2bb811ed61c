// The traffic record over SQL: one store per database behind logs' EventStore and FindingStore
// ports (sqlite-events-store.ts: requests in column blocks; postgres-events-store.ts: a row
// table with set-based inserts), sharing the tables both keep alike (events-store-base.ts).
// The app opens the store in one place and calls createEventStore.

import type { Db } from './db.ts';
import type { SqlEventStore } from './events-store-base.ts';
import { PostgresEventStore } from './postgres-events-store.ts';
import type { BlockSizes } from './request-log.ts';
import { SqliteDb } from './sqlite.ts';
import { SqliteEventStore } from './sqlite-events-store.ts';

export type { SqlEventStore } from './events-store-base.ts';

/** The traffic record for a database (call init() before use). */
export function createEventStore(
  db: Db,
  now: () => number = Date.now,
  o: { blockRows?: Partial<BlockSizes>; host?: string | null } = {},
): SqlEventStore {
  return db instanceof SqliteDb ? new SqliteEventStore(db, now, o) : new PostgresEventStore(db, now, o.host ?? null);
}

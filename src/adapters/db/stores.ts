// The stores over an open database, chosen by its dialect: the one place that knows which
// implementation serves SQLite and which PostgreSQL. The app's composition root calls these
// once per process with the database it opened.

import type { EventStore, FindingStore } from '../../logs/ports.ts';
import type { Db } from './db.ts';
import type { BlockSizes } from './request-log.ts';
import { SqliteDb } from './sqlite.ts';
import { SqliteEventStore } from './sqlite/events-store.ts';
import { SqliteFindingStore } from './sqlite/findings-store.ts';
import { PostgresEventStore } from './postgres/events-store.ts';
import { PostgresFindingStore } from './postgres/findings-store.ts';

export interface EventStoreOptions {
  /** Clock for stored times (tests). */
  now?: () => number;
  /** SQLite: rows per request block (tests of block boundaries). */
  blockRows?: Partial<BlockSizes>;
}

/** The traffic record (events, rejections, checkpoints; its findings) over `db`; call `init()` before use. */
export function createEventStore(db: Db, o: EventStoreOptions = {}): EventStore {
  const now = o.now ?? Date.now;
  if (db instanceof SqliteDb) return new SqliteEventStore(db, now, o.blockRows ? { blockRows: o.blockRows } : {});
  return new PostgresEventStore(db, now);
}

/** Stored findings over `db` (the same table the traffic record writes); call `init()` before use. */
export function createFindingStore(db: Db, o: { now?: () => number } = {}): FindingStore {
  const now = o.now ?? Date.now;
  return db instanceof SqliteDb ? new SqliteFindingStore(db, now) : new PostgresFindingStore(db, now);
}

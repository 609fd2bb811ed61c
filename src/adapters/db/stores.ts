// The stores over an open database, chosen by its dialect: the one place that knows which
// implementation serves SQLite and which PostgreSQL. The app's composition root calls these
// once per process with the database it opened.

import type { EventStore } from '../../logs/ports.ts';
import type { Db } from './db.ts';
import { SqlEventStore } from './events-store.ts';

export interface EventStoreOptions {
  /** Clock for stored times (tests). */
  now?: () => number;
}

/** The traffic record (events, rejections, checkpoints) over `db`; call `init()` before use. */
export function createEventStore(db: Db, o: EventStoreOptions = {}): EventStore {
  return new SqlEventStore(db, o.now ?? Date.now);
}

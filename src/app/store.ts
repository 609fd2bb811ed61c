// Opens the state store named by the config and the traffic record over it.

import { openDb } from '../adapters/db/open.ts';
import { SqlEventStore } from '../adapters/db/events-store.ts';
import type { Db } from '../adapters/db/db.ts';
import type { Config } from '../core/config/index.ts';

export interface OpenStore {
  db: Db;
  events: SqlEventStore;
  close(): Promise<void>;
}

export async function openStore(config: Pick<Config, 'store' | 'stateDir'>): Promise<OpenStore> {
  const db = await openDb(config.store, config.stateDir);
  const events = new SqlEventStore(db);
  try {
    await events.init();
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return { db, events, close: () => db.close() };
}

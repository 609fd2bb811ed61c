// The one place the state store is opened: the database the config names, waited for while
// another process holds SQLite's write lock (recognised by the driver's error code, see
// adapters/db/sqlite.ts), and the traffic record over it. createApp (context.ts) calls this
// once per process; nothing else opens the store.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Db } from '../adapters/db/db.ts';
import { openDb, sqliteFile } from '../adapters/db/open.ts';
import { createEventStore } from '../adapters/db/events-store.ts';
import { AppError } from '../core/errors.ts';
import type { Config } from '../core/config/index.ts';
import type { EventStore, FindingStore } from '../logs/index.ts';
import type { SqlEventStore } from '../adapters/db/events-store.ts';

export interface OpenStore {
  db: Db;
  events: EventStore;
  /** The findings beside the traffic record (the same store: the append writes both). */
  findings: FindingStore;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite: how long one statement waits for another writer (default 10 s; the PAM hook uses less). */
  busyTimeoutMs?: number;
  /** Retry opening a locked store until this instant (ms since epoch); default: no retry. */
  openDeadline?: number;
}

type StoreConfig = Pick<Config, 'store' | 'stateDir'> & Partial<Pick<Config, 'hosts'>>;

/** The name this server writes under: hosts.name, else the machine's host name. */
export function hostName(config: Partial<Pick<Config, 'hosts'>>): string {
  return config.hosts?.name ?? hostname();
}

/** Whether the store exists already (a server database always does): lets a query skip creating one. */
export function storeExists(config: StoreConfig): boolean {
  const file = sqliteFile(config.store, config.stateDir);
  return file === null || existsSync(file);
}

/** The traffic record over an open database (the one place its implementation is chosen). */
function eventStoreOver(db: Db, host: string): SqlEventStore {
  return createEventStore(db, Date.now, { host });
}

export async function openStore(config: StoreConfig, o: StoreOptions = {}): Promise<OpenStore> {
  let db: Db;
  try {
    db = await openRetrying(config, o);
  } catch (e) {
    throw e instanceof AppError ? e : new AppError('store', String(e), { cause: e });
  }
  const events = eventStoreOver(db, hostName(config));
  try {
    await events.init();
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return { db, events, findings: events, close: () => db.close() };
}

/**
 * Opens the database, retrying while another process holds SQLite's write lock (opening
 * switches the journal mode, which needs the lock before the busy timeout is in force).
 */
async function openRetrying(config: StoreConfig, o: StoreOptions): Promise<Db> {
  const deadline = o.openDeadline ?? 0;
  for (;;) {
    try {
      return await openDb(
        config.store,
        config.stateDir,
        o.busyTimeoutMs !== undefined ? { busyTimeoutMs: o.busyTimeoutMs } : {},
      );
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'locked' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

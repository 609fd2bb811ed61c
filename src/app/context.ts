// The composition root's one context: `createApp(loaded, opts)` holds the loaded config, the
// logger and clock, and opens the shared resources — the state store, the traffic record, the
// alert outbox — once, on first use, closing them all with one `close()`. CLI commands and
// `ripcord run` take what they need from it instead of opening things themselves.
//
// Adding a subsystem's store or service is one field: `part(async () => …)` built from the
// parts it needs (usually `db()`), typed by the port in that subsystem's ports.ts. Modules are
// imported inside the part, so a command loads only the drivers it uses (see ARCHITECTURE.md,
// "How to add a subsystem").

import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { Config } from '../core/config/index.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { Db } from '../adapters/db/db.ts';
import type { OutboxStore } from '../alerts/index.ts';
import type { TrafficLookup } from '../integrity/index.ts';
import type { EventStore, FindingStore } from '../logs/index.ts';
import type { IncidentStore } from '../incident/index.ts';
import type { LoadedConfig } from './config.ts';
import type { OpenStore, StoreOptions } from './store.ts';
import type { RepositoryOptions } from './repo.ts';
import type { Repository } from '../snapshots/index.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  env?: Env;
  /** How the store is opened (the PAM hook waits briefly for a locked store, not 10 s). */
  store?: StoreOptions;
  /** Which repository and passphrase (`--repo`; the integrity commands' generated key). */
  repository?: RepositoryOptions;
}

export interface App {
  readonly loaded: LoadedConfig;
  readonly config: Config;
  /** Folder relative paths in the config are resolved against. */
  readonly baseDir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly env: Env;
  /** The state database (SQLite or PostgreSQL), opened on first use. */
  db(): Promise<Db>;
  /** The traffic record (logs' EventStore) over db(). */
  events(): Promise<EventStore>;
  /** The findings (logs' FindingStore) beside the traffic record. */
  findings(): Promise<FindingStore>;
  /** The alert outbox (alerts' OutboxStore) over db(). */
  outbox(): Promise<OutboxStore>;
  /** The incident record (incident's IncidentStore) over db(). */
  incidents(): Promise<IncidentStore>;
  /**
   * The integrity subsystem's view of the traffic record: requests around a file change, read
   * through events(). It never creates a store: with no store yet it finds no requests.
   */
  readonly traffic: TrafficLookup;
  /**
   * The repository (snapshots, baselines, backups), opened on first use and kept for the
   * context's life; with `create`, made when there is none. A failed open is not remembered.
   */
  repository(o?: { create?: boolean }): Promise<Repository>;
  /** Closes everything opened, newest first; the context must not be used afterwards. */
  close(): Promise<void>;
}

export function createApp(loaded: LoadedConfig, opts: AppOptions = {}): App {
  const { config } = loaded;
  const clock = opts.clock ?? systemClock;
  const env = opts.env ?? process.env;
  const closers: (() => Promise<void>)[] = [];
  let closed = false;

  /** A resource opened on first use (once, even when asked for concurrently) and closed by close(). */
  function part<T>(open: () => Promise<T>, close?: (t: T) => Promise<void>): () => Promise<T> {
    let p: Promise<T> | null = null;
    return () => {
      if (closed) return Promise.reject(new Error('the app context is closed'));
      if (p === null) {
        const opening = open();
        p = opening;
        if (close !== undefined)
          closers.push(async () => {
            let t: T;
            try {
              t = await opening;
            } catch {
              return; // it never opened
            }
            await close(t);
          });
      }
      return p;
    };
  }

  const store = part<OpenStore>(
    async () => (await import('./store.ts')).openStore(config, opts.store ?? {}),
    (s) => s.close(),
  );
  let storeOpened = false;
  const events = async () => {
    const s = await store();
    storeOpened = true;
    return s.events;
  };
  const findings = async () => (await events(), (await store()).findings);

  // ---- subsystem stores and services: one lazily opened part each (ARCHITECTURE.md, "How to
  // add a subsystem"). Import the adapter inside the part, so other commands do not load it.

  const outbox = part<OutboxStore>(async () => {
    const { SqlOutboxStore } = await import('../adapters/db/alerts-store.ts');
    const o = new SqlOutboxStore((await store()).db, () => clock.now());
    await o.init();
    return o;
  });

  const incidents = part<IncidentStore>(async () => {
    const { SqlIncidentStore } = await import('../adapters/db/incident-store.ts');
    const s = new SqlIncidentStore((await store()).db);
    await s.init();
    return s;
  });

  // The repository: unlike a store, a failed open (no repository yet, no passphrase) is not
  // remembered, so `integrity baseline` can create it after a look that found none.
  let repository: Promise<Repository> | null = null;
  const openRepository = (o: { create?: boolean } = {}): Promise<Repository> => {
    if (closed) return Promise.reject(new Error('the app context is closed'));
    if (repository === null) {
      const opening = import('./repo.ts').then((m) =>
        m.openRepositoryFor(loaded, env, { ...opts.repository, create: o.create === true }),
      );
      repository = opening;
      opening.catch(() => {
        if (repository === opening) repository = null;
      });
      closers.push(() =>
        opening.then(
          (r) => r.close(),
          () => {}, // it never opened
        ),
      );
    }
    return repository;
  };

  const traffic: TrafficLookup = {
    async requestsAround(timeMs, beforeMs, limit) {
      const { storeExists } = await import('./store.ts');
      if (!storeOpened && !storeExists(config)) return [];
      const { requestsAround } = await import('./traffic-lookup.ts');
      return requestsAround(await events(), timeMs, beforeMs, limit);
    },
  };

  return {
    loaded,
    config,
    baseDir: loaded.baseDir,
    logger: opts.logger ?? silentLogger,
    clock,
    env,
    db: async () => (await store()).db,
    events,
    findings,
    outbox,
    incidents,
    traffic,
    repository: openRepository,
    async close() {
      if (closed) return;
      closed = true;
      for (const c of closers.reverse()) await c();
    },
  };
}

/** Runs `fn` with a context and closes it afterwards, whatever happens. */
export async function withApp<T>(loaded: LoadedConfig, opts: AppOptions, fn: (app: App) => Promise<T>): Promise<T> {
  const app = createApp(loaded, opts);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

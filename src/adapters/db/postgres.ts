// PostgreSQL through pg: the shared store when several web servers feed one Ripcord.
// Migrations are serialised across processes with an advisory lock.

import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';
import { AppError } from '../../core/errors.ts';
import {
  migrationsTable,
  toPgPlaceholders,
  type Db,
  type Migration,
  type Queryable,
  type Row,
  type RunResult,
  type SqlValue,
} from './db.ts';

// BIGINT (int8) and NUMERIC come back as strings by default; counts and ids fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

type PgClient = pg.Pool | pg.PoolClient;

function classify(e: unknown, sql: string): AppError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const msg = e instanceof Error ? e.message : String(e);
  // Connection failures and serialisation conflicts are worth retrying.
  const transient = /^(08|40|53|57P)/.test(code) || /ECONNREFUSED|ECONNRESET|timeout/i.test(msg);
  return new AppError(transient ? 'unavailable' : 'store', `PostgreSQL: ${msg}`, {
    where: sql.slice(0, 80),
    cause: e,
    transient,
  });
}

/**
 * COPY FROM STDIN on a checked-out client: the rows go in as one stream, written in chunks of
 * about 64 KB (one huge string costs more to flatten and frame), settled on finish or error.
 */
function copyOn(client: pg.PoolClient): (sql: string, rows: readonly string[]) => Promise<void> {
  return (sql, rows) =>
    new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFromStream(sql));
      stream.on('error', (e: unknown) => reject(classify(e, sql)));
      stream.on('finish', () => resolve());
      let chunk = '';
      for (const r of rows) {
        chunk += r;
        if (chunk.length >= 65_536) {
          stream.write(chunk);
          chunk = '';
        }
      }
      stream.end(chunk);
    });
}

function handle(client: PgClient, copy?: (sql: string, rows: readonly string[]) => Promise<void>): Queryable {
  return {
    ...(copy !== undefined ? { copyFrom: copy } : {}),
    dialect: 'postgres',
    async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      try {
        const r = await client.query(toPgPlaceholders(sql), [...params]);
        return r.rows as T[];
      } catch (e) {
        throw classify(e, sql);
      }
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
      try {
        const r = await client.query(toPgPlaceholders(sql), [...params]);
        return { changes: r.rowCount ?? 0 };
      } catch (e) {
        throw classify(e, sql);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (e) {
        throw classify(e, sql);
      }
    },
  };
}

export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  #h: Queryable;

  constructor(url: string, options: { max?: number } = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 4 });
    // An idle client that errors (server restart) must not crash the process.
    this.pool.on('error', () => {});
    this.#h = handle(this.pool);
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#h.query<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.#h.run(sql, params);
  }
  exec(sql: string): Promise<void> {
    return this.#h.exec(sql);
  }

  /**
   * A pooled client checked out with an 'error' listener: a connection that breaks while out
   * (the server restarted, an administrator ended it) emits 'error', and without a listener
   * that would end the process. The failing query reports it; `done` then destroys the broken
   * client instead of returning it to the pool.
   */
  async #checkout(): Promise<{ client: pg.PoolClient; broken: () => unknown; done: (destroy?: boolean) => void }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw classify(e, 'connect');
    }
    let broken: unknown = null;
    const onError = (e: unknown) => {
      broken = e;
    };
    client.on('error', onError);
    return {
      client,
      broken: () => broken,
      done: (destroy = false) => {
        client.off('error', onError);
        client.release(destroy || broken !== null ? true : undefined);
      },
    };
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const { client, broken, done } = await this.#checkout();
    try {
      await client.query('BEGIN');
      const r = await fn(handle(client, copyOn(client)));
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw broken() !== null && !(e instanceof AppError) ? classify(broken(), 'transaction') : e;
    } finally {
      done();
    }
  }

  /**
   * A session advisory lock on `key`, held on a connection of its own until `release`; null
   * when another session holds it. `lost` settles if that connection breaks (the lock is gone).
   */
  async sessionLock(key: number): Promise<{ lost: Promise<void>; release(): Promise<void> } | null> {
    const { client, done } = await this.#checkout();
    let held = false;
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      held = r.rows[0]?.ok === true;
    } catch (e) {
      done(true);
      throw classify(e, 'advisory lock');
    }
    if (!held) {
      done();
      return null;
    }
    const lost = new Promise<void>((r) => client.on('error', () => r()));
    return {
      lost,
      release: async () => {
        try {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
          done();
        } catch {
          done(true);
        }
      },
    };
  }

  async migrate(scope: string, migrations: readonly Migration[]): Promise<void> {
    await this.tx(async (q) => {
      await q.exec(`SELECT pg_advisory_xact_lock(4242)`);
      await q.exec(migrationsTable);
      const done = new Set(
        (await q.query<{ version: number }>('SELECT version FROM schema_migrations WHERE scope = ?', [scope])).map(
          (r) => r.version,
        ),
      );
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await q.exec(m.postgres);
        await q.run('INSERT INTO schema_migrations (scope, version, applied_at) VALUES (?, ?, ?)', [
          scope,
          m.version,
          new Date().toISOString(),
        ]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

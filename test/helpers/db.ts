// Test stores: a fresh SQLite file, and a fresh PostgreSQL database on the machine's server
// (127.0.0.1:5432, user postgres, or RIPCORD_TEST_PG). Under CI=true a missing server fails
// the test; elsewhere the PostgreSQL variant is skipped with a note.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/adapters/db/db.ts';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { PostgresDb } from '../../src/adapters/db/postgres.ts';

export const pgAdminUrl = process.env['RIPCORD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface TestDb {
  db: Db;
  /** Where the store lives (a file path or URL), for handing to a child process. */
  location: string;
  cleanup(): Promise<void>;
}

export type DbFactory = { name: 'sqlite' | 'postgres'; create(): Promise<TestDb> };

const sqliteFactory: DbFactory = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-db-'));
    const path = join(dir, 'ripcord.db');
    const db = new SqliteDb(path);
    return {
      db,
      location: `sqlite:${path}`,
      async cleanup() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let pgAvailable: Promise<string | null> | undefined;

/** null when the server answers; otherwise why not. */
function pgProblem(): Promise<string | null> {
  pgAvailable ??= (async () => {
    const c = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 10_000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return pgAvailable;
}

/**
 * Options for node:test: skips the PostgreSQL variant when the server is missing, except
 * under CI=true where the test runs and fails.
 */
export async function pgSkip(): Promise<{ skip?: string }> {
  const problem = await pgProblem();
  if (problem === null || process.env['CI'] === 'true') return {};
  return { skip: `PostgreSQL not reachable (${problem})` };
}

const postgresFactory: DbFactory = {
  name: 'postgres',
  async create() {
    const name = `ripcord_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 15_000 });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(pgAdminUrl);
    url.pathname = `/${name}`;
    const db = new PostgresDb(url.toString());
    return {
      db,
      location: url.toString(),
      async cleanup() {
        await db.close();
        const a = new pg.Client({ connectionString: pgAdminUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    };
  },
};

export const dbFactories: DbFactory[] = [sqliteFactory, postgresFactory];

/** Options for a test of one factory (skip PostgreSQL when absent outside CI). */
export async function factoryOptions(f: DbFactory): Promise<{ skip?: string }> {
  return f.name === 'postgres' ? pgSkip() : {};
}

/** The machine's MariaDB/MySQL server (root, no password), or RIPCORD_TEST_MYSQL; ends in `/`. */
export const mysqlAdminUrl = process.env['RIPCORD_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306/';

let mysqlAvailable: Promise<string | null> | undefined;

/**
 * Options for node:test: skips a MariaDB test when the server does not answer, except under
 * CI=true where the test runs and fails. Loads the driver only when asked.
 */
export async function mysqlSkip(): Promise<{ skip?: string }> {
  mysqlAvailable ??= (async () => {
    const { default: mysql } = await import('mysql2/promise');
    try {
      const c = await mysql.createConnection({ uri: mysqlAdminUrl, connectTimeout: 3000 });
      await c.end();
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  })();
  const problem = await mysqlAvailable;
  if (problem === null || process.env['CI'] === 'true') return {};
  return { skip: `MariaDB not reachable (${problem})` };
}

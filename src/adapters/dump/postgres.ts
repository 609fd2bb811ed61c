// Backup job of a PostgreSQL database: `pg_dump -Fc` streamed into the repository while
// `pg_restore --list` reads the same bytes and must accept them; restores with `pg_restore`
// (scratch database by default, in place with --clean in one transaction). The password comes
// from the environment (PGPASSWORD, or the variable `passwordEnv` names), never the command line.

import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { z } from 'zod';
import { jobCommonFields } from '../../core/config/backup.ts';
import { AppError } from '../../core/errors.ts';
import { type Conn, connFromUrl, IDENT } from './conn.ts';
import type { DatabaseDumper, JobSource, RowCounts } from '../../backup/ports.ts';
import type { JobContext } from './context.ts';
import { dumpStream, runWithInput, sideTool, toolEnv } from './process.ts';

export const type = 'postgres';

export const schema = z.strictObject({
  type: z.literal('postgres').describe('A PostgreSQL database, dumped with pg_dump in its custom format.'),
  ...jobCommonFields,
  host: z.string().default('127.0.0.1').describe('Server host name or address (or a socket folder).'),
  port: z.number().int().min(1).max(65535).default(5432).describe('Server port.'),
  user: z.string().default('postgres').describe('Role the dump connects as (needs read access to every table).'),
  database: z.string().regex(IDENT, 'letters, digits and _ only').describe('The database to back up.'),
  passwordEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default('PGPASSWORD')
    .describe(
      'Environment variable holding the password (passed to pg_dump as PGPASSWORD; none needed with trust or .pgpass).',
    ),
  command: z.string().default('pg_dump').describe('The pg_dump program (its major version must match the server).'),
  restoreCommand: z.string().default('pg_restore').describe('The pg_restore program, for validation and restores.'),
});

export type PostgresJobSpec = z.infer<typeof schema>;

const connOf = (url: string, base: Conn): Conn => connFromUrl(url, base, ['postgres:', 'postgresql:']);

const urlOf = (c: Conn): string => `postgres://${encodeURIComponent(c.user)}@${c.host}:${c.port}/${c.database}`;

async function connect(c: Conn): Promise<Client> {
  // Loaded on first use: reading the config must not load the driver for every command.
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    database: c.database,
    connectionTimeoutMillis: 10_000,
    ...(c.password !== undefined ? { password: c.password } : {}),
  });
  try {
    await client.connect();
  } catch (e) {
    throw new AppError('unavailable', `cannot connect to ${urlOf(c)}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return client;
}

async function withClient<T>(c: Conn, f: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(c);
  try {
    return await f(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Rows per table, counted on an open connection (inside its transaction's snapshot). */
async function countWith(client: Client): Promise<RowCounts> {
  const t = await client.query<{ s: string; t: string }>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
     ORDER BY 1, 2`,
  );
  const out: RowCounts = {};
  for (const { s, t: name } of t.rows) {
    const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${q(s)}.${q(name)}`);
    out[s === 'public' ? name : `${s}.${name}`] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}

const countRows = (c: Conn): Promise<RowCounts> => withClient(c, countWith);

export function create(spec: PostgresJobSpec, ctx: JobContext): JobSource {
  const live: Conn = {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    database: spec.database,
    password: ctx.env[spec.passwordEnv],
  };
  const envFor = (c: Conn) => toolEnv(ctx.env, { PGPASSWORD: c.password, PGPASSFILE: undefined });
  const connArgs = (c: Conn) => ['--host', c.host, '--port', String(c.port), '--username', c.user, '--no-password'];

  let dumped: RowCounts | undefined;
  const database: DatabaseDumper = {
    kind: 'postgres',
    fileName: `${spec.database}.pgdump`,
    describe: urlOf(live),
    rowCounts: () => countRows(live),
    dumpedRowCounts: () => dumped,
    async *dump() {
      dumped = undefined;
      // One snapshot for the counts and the dump: a repeatable-read transaction exports its
      // snapshot and pg_dump reads that one, so the recorded counts are exactly the dump's.
      const client = await connect(live);
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const snap = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s;
        if (snap === undefined) throw new AppError('internal', 'pg_export_snapshot returned nothing');
        const counts = await countWith(client);
        const check = sideTool(spec.restoreCommand, ['--list'], envFor(live));
        yield* dumpStream({
          command: spec.command,
          args: ['--format=custom', ...connArgs(live), `--snapshot=${snap}`, '--dbname', live.database],
          env: envFor(live),
          tee: (chunk) => check.write(chunk),
          async validate() {
            const list = await check.result();
            return /^; Archive created at/m.test(list) ? null : 'pg_restore --list did not read a table of contents';
          },
          cleanup: () => check.kill(),
        });
        dumped = counts;
      } finally {
        await client.query('ROLLBACK').catch(() => {});
        await client.end().catch(() => {});
      }
    },
    async restore(dump, target) {
      const c = target === null ? live : connOf(target, live);
      const args = [
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--single-transaction',
        ...connArgs(c),
        '--dbname',
        c.database,
      ];
      if (target === null) args.push('--clean', '--if-exists');
      await runWithInput(spec.restoreCommand, args, envFor(c), dump);
      return urlOf(c);
    },
    async scratch() {
      const name = `ripcord_restore_${spec.name
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, '_')
        .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
      await withClient(live, (client) => client.query(`CREATE DATABASE ${q(name)}`));
      return urlOf({ ...live, database: name });
    },
    rowCountsOf: (target) => countRows(connOf(target, live)),
    async checkRestored(target) {
      // pg_restore --exit-on-error in one transaction already refused anything it could not load;
      // a query of every table's size proves the tables are readable.
      await countRows(connOf(target, live));
      return [];
    },
    async dropScratch(target) {
      const c = connOf(target, live);
      if (!c.database.startsWith('ripcord_restore_'))
        throw new AppError('refused', 'only scratch databases made by Ripcord are dropped', { where: target });
      await withClient(live, (client) => client.query(`DROP DATABASE IF EXISTS ${q(c.database)} WITH (FORCE)`));
    },
  };
  return { kind: 'postgres', database };
}

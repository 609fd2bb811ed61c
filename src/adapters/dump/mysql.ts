// Backup job of a MySQL/MariaDB database: `mysqldump --single-transaction --routines
// --triggers --events` (or `mariadb-dump`), valid only with its `-- Dump completed` trailer;
// restored by feeding the dump to the `mysql`/`mariadb` client (a scratch database by default,
// in place: the dump drops and recreates each table). The password goes to the tools in a 0600
// defaults-extra-file in a private temp folder, never on the command line.

import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { z } from 'zod';
import { jobCommonFields } from '../../core/config/backup.ts';
import { AppError } from '../../core/errors.ts';
import { type Conn, connFromUrl, IDENT } from './conn.ts';
import type { DatabaseDumper, JobSource, RowCounts } from '../../backup/ports.ts';
import type { JobContext } from './context.ts';
import { dumpReader, privateFile, runWithInput, toolEnv } from './process.ts';

export const type = 'mysql';

export const schema = z.strictObject({
  type: z.literal('mysql').describe('A MySQL or MariaDB database, dumped with mysqldump (or mariadb-dump).'),
  ...jobCommonFields,
  host: z.string().default('127.0.0.1').describe('Server host name or address.'),
  port: z.number().int().min(1).max(65535).default(3306).describe('Server port.'),
  user: z
    .string()
    .default('root')
    .describe('User the dump connects as (needs SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES).'),
  database: z.string().regex(IDENT, 'letters, digits and _ only').describe('The database to back up.'),
  passwordEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default('MYSQL_PWD')
    .describe('Environment variable holding the password (handed to the tools in a private 0600 option file).'),
  command: z.string().default('mysqldump').describe('The dump program: mysqldump or mariadb-dump.'),
  clientCommand: z.string().default('mysql').describe('The client program restores are fed to: mysql or mariadb.'),
});

export type MysqlJobSpec = z.infer<typeof schema>;

const connOf = (url: string, base: Conn): Conn => connFromUrl(url, base, ['mysql:', 'mariadb:']);

const urlOf = (c: Conn): string => `mysql://${encodeURIComponent(c.user)}@${c.host}:${c.port}/${c.database}`;
const q = (s: string): string => `\`${s.replace(/`/g, '``')}\``;

async function withConn<T>(c: Conn, db: string | null, f: (conn: Connection) => Promise<T>): Promise<T> {
  let conn: Connection;
  try {
    // Loaded on first use: reading the config must not load the driver for every command.
    const mysql = (await import('mysql2/promise')).default;
    conn = await mysql.createConnection({
      host: c.host,
      port: c.port,
      user: c.user,
      connectTimeout: 10_000,
      ...(db !== null ? { database: db } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    });
  } catch (e) {
    throw new AppError('unavailable', `cannot connect to ${urlOf(c)}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  try {
    return await f(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

async function tablesOf(conn: Connection): Promise<string[]> {
  const [rows] = await conn.query(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  return (rows as { t: string }[]).map((r) => r.t);
}

async function countRows(c: Conn): Promise<RowCounts> {
  return withConn(c, c.database, async (conn) => {
    const out: RowCounts = {};
    for (const t of await tablesOf(conn)) {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${q(t)}`);
      out[t] = Number((rows as { n: number | string }[])[0]?.n ?? 0);
    }
    return out;
  });
}

/** The option file the tools read the connection's password from (first argument). */
function optionFile(c: Conn): { args: string[]; remove(): void } {
  if (c.password === undefined) return { args: ['--no-defaults'], remove() {} };
  const f = privateFile('my.cnf', `[client]\npassword="${c.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`);
  return { args: [`--defaults-extra-file=${f.path}`], remove: f.remove };
}

export function create(spec: MysqlJobSpec, ctx: JobContext): JobSource {
  const live: Conn = {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    database: spec.database,
    password: ctx.env[spec.passwordEnv],
  };
  // MYSQL_PWD would be an alternative; the option file keeps the password out of the environment of children too.
  const env = toolEnv(ctx.env, { MYSQL_PWD: undefined });
  const connArgs = (c: Conn) => ['--host', c.host, '--port', String(c.port), '--user', c.user, '--protocol=TCP'];

  const database: DatabaseDumper = {
    kind: 'mysql',
    fileName: `${spec.database}.sql`,
    describe: urlOf(live),
    rowCounts: () => countRows(live),
    dump() {
      const opt = optionFile(live);
      return dumpReader({
        command: spec.command,
        args: [
          ...opt.args,
          ...connArgs(live),
          '--single-transaction',
          '--routines',
          '--triggers',
          '--events',
          '--hex-blob',
          '--default-character-set=utf8mb4',
          // The name alone (not --databases): no CREATE DATABASE/USE, so it loads into any database.
          live.database,
        ],
        env,
        validate: (tail) =>
          /-- Dump completed/.test(tail.toString('latin1')) ? null : 'no "-- Dump completed" trailer',
        cleanup: opt.remove,
      });
    },
    async restore(dump, target) {
      const c = target === null ? live : connOf(target, live);
      const opt = optionFile(c);
      try {
        await runWithInput(spec.clientCommand, [...opt.args, ...connArgs(c), '--batch', c.database], env, dump);
      } finally {
        opt.remove();
      }
      return urlOf(c);
    },
    async scratch() {
      const name = `ripcord_restore_${spec.name
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, '_')
        .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
      await withConn(live, null, (conn) => conn.query(`CREATE DATABASE ${q(name)}`));
      return urlOf({ ...live, database: name });
    },
    rowCountsOf: (target) => countRows(connOf(target, live)),
    async checkRestored(target) {
      const c = connOf(target, live);
      return withConn(c, c.database, async (conn) => {
        const problems: string[] = [];
        for (const t of await tablesOf(conn)) {
          const [rows] = await conn.query(`CHECK TABLE ${q(t)}`);
          for (const r of rows as { Msg_type: string; Msg_text: string }[])
            if (r.Msg_type === 'error' || (r.Msg_type === 'status' && r.Msg_text !== 'OK'))
              problems.push(`CHECK TABLE ${t}: ${r.Msg_text}`);
        }
        return problems;
      });
    },
    async dropScratch(target) {
      const c = connOf(target, live);
      if (!c.database.startsWith('ripcord_restore_'))
        throw new AppError('refused', 'only scratch databases made by Ripcord are dropped', { where: target });
      await withConn(live, null, (conn) => conn.query(`DROP DATABASE IF EXISTS ${q(c.database)}`));
    },
  };
  return { kind: 'mysql', database };
}

// Backup job of an SQLite database: node:sqlite's online backup API copies it into a private
// temp folder (consistent even while the shop writes; never a copy of the live file), PRAGMA
// integrity_check must answer ok, then the copy is streamed into the repository. Restores write
// a file (a scratch file by default); in place, the restored copy is written into the live
// database through the backup API too, so other connections see a consistent switch.

import { backup, DatabaseSync } from 'node:sqlite';
import { createReadStream, chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { jobCommonFields } from '../../core/config/backup.ts';
import { AppError } from '../../core/errors.ts';
import type { DatabaseDumper, JobSource, RowCounts } from '../../backup/ports.ts';
import type { JobContext } from './context.ts';

export const type = 'sqlite';

export const schema = z.strictObject({
  type: z.literal('sqlite').describe('An SQLite database file, copied with the online backup API.'),
  ...jobCommonFields,
  path: z.string().describe('The database file (relative to the config file).'),
});

export type SqliteJobSpec = z.infer<typeof schema>;

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function countRows(path: string): RowCounts {
  if (!existsSync(path)) throw new AppError('not_found', 'no such database file', { where: path });
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const out: RowCounts = {};
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      const r = db.prepare(`SELECT count(*) AS n FROM ${q(name)}`).get() as { n: number };
      out[name] = Number(r.n);
    }
    return out;
  } finally {
    db.close();
  }
}

function integrity(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    const msgs = rows.map((r) => r.integrity_check);
    return msgs.length === 1 && msgs[0] === 'ok' ? [] : msgs.slice(0, 10);
  } finally {
    db.close();
  }
}

function privateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-sqlite-'));
  chmodSync(dir, 0o700);
  return dir;
}

/** The online backup of `from` into the file `to`. */
async function onlineCopy(from: string, to: string): Promise<void> {
  if (!existsSync(from)) throw new AppError('not_found', 'no such database file', { where: from });
  const src = new DatabaseSync(from, { readOnly: true });
  try {
    await backup(src, to);
  } finally {
    src.close();
  }
}

async function writeFileFrom(dump: AsyncIterable<Uint8Array>, path: string): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of dump) await fh.write(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function create(spec: SqliteJobSpec, ctx: JobContext): JobSource {
  const live = resolve(ctx.baseDir, spec.path);
  const base = live.slice(live.lastIndexOf('/') + 1);
  const scratchDirs = new Map<string, string>();
  let dumped: RowCounts | undefined;

  const database: DatabaseDumper = {
    kind: 'sqlite',
    fileName: base,
    describe: live,
    rowCounts: async () => countRows(live),
    dumpedRowCounts: () => dumped,
    async *dump() {
      dumped = undefined;
      const dir = privateDir();
      try {
        const copy = join(dir, 'copy.sqlite');
        await onlineCopy(live, copy);
        const problems = integrity(copy);
        if (problems.length > 0)
          throw new AppError('corrupt', `integrity_check failed: ${problems.join('; ')}`, { where: live });
        dumped = countRows(copy);
        for await (const chunk of createReadStream(copy, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async restore(dump, target) {
      if (target !== null) {
        if (existsSync(target))
          throw new AppError('conflict', 'the file exists; restore into a new file', { where: target });
        await writeFileFrom(dump, target);
        return target;
      }
      const dir = privateDir();
      try {
        const copy = join(dir, 'restored.sqlite');
        await writeFileFrom(dump, copy);
        const problems = integrity(copy);
        if (problems.length > 0)
          throw new AppError('corrupt', `the restored copy fails integrity_check: ${problems[0]}`);
        await onlineCopy(copy, live);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return live;
    },
    async scratch() {
      const dir = privateDir();
      const file = join(dir, base);
      scratchDirs.set(file, dir);
      return file;
    },
    rowCountsOf: async (target) => countRows(target),
    checkRestored: async (target) => integrity(target),
    async dropScratch(target) {
      const dir = scratchDirs.get(target) ?? dirname(target);
      if (!dir.startsWith(join(tmpdir(), 'ripcord-sqlite-')))
        throw new AppError('refused', 'only scratch copies made by Ripcord are removed', { where: target });
      rmSync(dir, { recursive: true, force: true });
      scratchDirs.delete(target);
    },
  };
  return { kind: 'sqlite', database };
}

/** Creates an SQLite database file from SQL statements (the demo shop's database). */
export function createSqliteFile(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(sql);
  } finally {
    db.close();
  }
}

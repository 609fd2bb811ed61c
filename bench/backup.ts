// Benchmark of backups against restic (Debian's 0.14), same data, same run, the commands a
// user runs (`bin/ripcord.js` with the default config, `restic`), each into its own repository:
//   - a generated tree of 100,000 shop-like files: first backup, then the unchanged re-run;
//   - a real shop tree (Debian's `wordpress` package, /usr/share/wordpress): the same two runs;
//   - a ~1 GB mysqldump-like SQL dump, then again with 1% of its rows changed (half in the
//     newest orders, half in runs of consecutive rows): time, stored size and dedup ratio of
//     the second run;
//   - full restores of the 100,000-file tree and of the dump.
// Prints times, the restic/ripcord time ratio, repository sizes, peak memory and the load.
// The trees are backed up and restored as a shop owner does: `ripcord backup run JOB` (a files
// job in ripcord.yml, the platform preset's excludes on) and `ripcord backup restore ID
// --target DIR`. The dump is a MariaDB job (`backup run shopdb`: row counts from the machine's
// MariaDB, database test) whose dump command is a stand-in for mysqldump that prints the
// generated dump; restic reads the same dump on standard input (`mysqldump | restic backup
// --stdin`). Both dumps are restored as files (`repo restore`, `restic restore`).
//
//   npm run bench -- backup [--files N] [--dump-mb M] [--keep]

import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, lstatSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTool, printTable, ripcordNodeFlags, timed, type Timed } from './tools.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = join(import.meta.dirname, 'data', 'backup');
const bin = join(root, 'bin', 'ripcord.js');
const WORDPRESS = '/usr/share/wordpress';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
}

const words = ['customer', 'order', 'price', 'function', 'return', '$this->', 'echo', 'foreach', 'cart', 'checkout'];

/** Shop-like source text: compressible, every file different. */
function text(size: number, seed: number): string {
  const parts: string[] = [];
  let n = 0;
  let x = seed;
  while (n < size) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const w = `${words[x % words.length] ?? ''}${x % 7 === 0 ? `_${x % 1000}` : ''}${x % 11 === 0 ? ';\n' : ' '}`;
    parts.push(w);
    n += w.length;
  }
  return parts.join('').slice(0, size);
}

function generateTree(dir: string, files: number): void {
  const marker = join(dir, `.generated-${files}`);
  if (existsSync(marker)) return;
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < files; i++) {
    const d = join(dir, `module${Math.floor(i / 1000)}`, `part${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `file${i}.php`), text(200 + ((i * 7919) % 6000), i + 1));
  }
  writeFileSync(marker, '');
}

const first = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Lena', 'Max'];
const last = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann'];
const status = ['pending', 'processing', 'shipped', 'complete', 'cancelled', 'refunded'];

/** Deterministic 32-bit hash of the row number (rows must come out the same in both versions). */
const h = (i: number, salt: number): number => {
  let x = (i * 2654435761 + salt * 40503) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x45d9f3b) >>> 0;
  x ^= x >>> 16;
  return x;
};

function orderRow(i: number, changed: boolean): string {
  const a = h(i, 1);
  const b = h(i, 2);
  const day = 1 + (a % 28);
  const st = changed ? status[(a + 1 + (b % 5)) % status.length] : status[a % status.length];
  const total = ((a % 50000) / 100 + (changed ? 1.5 : 0)).toFixed(2);
  return `(${i},${1 + (b % 500000)},'${first[a % first.length]}','${last[b % last.length]}','customer${b % 500000}@example.com','2025-${String(1 + (b % 12)).padStart(2, '0')}-${String(day).padStart(2, '0')} ${String(a % 24).padStart(2, '0')}:${String(b % 60).padStart(2, '0')}:00','${st}',${total},'EUR','Hauptstrasse ${1 + (a % 200)}','${10000 + (b % 89999)}','DE')`;
}

/** Rows changed in version 2: 1% of all, half the newest orders, half in runs of 200 rows. */
function changedSet(rows: number): (i: number) => boolean {
  const total = Math.floor(rows / 100);
  const newest = Math.floor(total / 2);
  const runs = Math.floor((total - newest) / 200);
  const starts: number[] = [];
  for (let r = 0; r < runs; r++) starts.push(h(r, 9) % (rows - newest - 200));
  starts.sort((x, y) => x - y);
  return (i) => i >= rows - newest || starts.some((s) => i >= s && i < s + 200);
}

async function generateDump(file: string, mb: number, version: 1 | 2): Promise<void> {
  if (existsSync(file)) return;
  const rows = Math.floor((mb * 1024 * 1024) / 146); // rows average ~146 bytes
  const changed = version === 2 ? changedSet(rows) : () => false;
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const write = (s: string): Promise<void> =>
    out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', () => r()));
  await write(
    '-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n' +
      '/*!40101 SET NAMES utf8mb4 */;\n\nDROP TABLE IF EXISTS `orders`;\nCREATE TABLE `orders` (\n' +
      '  `id` int NOT NULL,\n  `customer_id` int NOT NULL,\n  `first_name` varchar(64),\n  `last_name` varchar(64),\n' +
      '  `email` varchar(255),\n  `created_at` datetime,\n  `status` varchar(16),\n  `total` decimal(10,2),\n' +
      '  `currency` char(3),\n  `street` varchar(255),\n  `zip` varchar(10),\n  `country` char(2),\n' +
      '  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\nLOCK TABLES `orders` WRITE;\n',
  );
  const perLine = 1200; // mysqldump's extended inserts: one line per ~net_buffer_length
  for (let start = 1; start <= rows; start += perLine) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(rows + 1, start + perLine); i++) parts.push(orderRow(i, changed(i)));
    await write(`INSERT INTO \`orders\` VALUES ${parts.join(',')};\n`);
  }
  await write('UNLOCK TABLES;\n\n-- Dump completed on 2026-12-03  6:00:00\n');
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  spawnSync('mv', [tmp, file]);
}

function du(dir: string): number {
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += lstatSync(p).size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return bytes;
}

function must(r: Timed, what: string): Timed {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  return r;
}

const MiB = 1024 * 1024;

export default async function run(args: string[]): Promise<void> {
  const files = arg(args, '--files', 100_000);
  const dumpMb = arg(args, '--dump-mb', 1024);
  if (!ensureTool('restic', 'restic')) throw new Error('restic could not be installed');
  if (!existsSync(WORDPRESS)) ensureTool('/usr/share/wordpress/index.php', 'wordpress');
  if (!existsSync(WORDPRESS)) throw new Error('the wordpress package could not be installed');
  const version = spawnSync('restic', ['version'], { encoding: 'utf8' }).stdout.trim();

  const tree = join(dataDir, `tree-${files}`);
  console.log(`generating ${files} files under ${tree} and two ${dumpMb} MiB dumps (once)…`);
  generateTree(tree, files);
  const dump1 = join(dataDir, `dump-${dumpMb}-v1.sql`);
  const dump2 = join(dataDir, `dump-${dumpMb}-v2.sql`);
  await generateDump(dump1, dumpMb, 1);
  await generateDump(dump2, dumpMb, 2);
  spawnSync('sync');

  const work = join(dataDir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const passFile = join(work, 'pass');
  writeFileSync(passFile, 'bench passphrase\n');
  const rRepo = join(work, 'ripcord-repo');
  const sRepo = join(work, 'restic-repo');
  // The default config: no ripcord.yml in the working folder, the passphrase from the environment.
  const cwd = join(work, 'cwd');
  mkdirSync(cwd);
  const renv: NodeJS.ProcessEnv = { ...process.env, RIPCORD_PASSPHRASE_FILE: passFile };
  // The job's mysqldump: prints the dump named in the environment, whatever its arguments.
  const fakeDump = join(work, 'fake-mysqldump');
  writeFileSync(fakeDump, '#!/bin/sh\nexec cat "$RIPCORD_BENCH_DUMP"\n', { mode: 0o755 });
  // The jobs a shop owner would write; everything else is the default config.
  writeFileSync(
    join(cwd, 'ripcord.yml'),
    `repository:\n  path: ${JSON.stringify(rRepo)}\nbackup:\n  jobs:\n` +
      `    - { type: files, name: tree, paths: [${JSON.stringify(tree)}] }\n` +
      `    - { type: files, name: wordpress, paths: [${JSON.stringify(WORDPRESS)}] }\n` +
      `    - { type: mysql, name: shopdb, database: test, user: root, command: ${JSON.stringify(fakeDump)} }\n`,
  );
  const senv = {
    ...process.env,
    RESTIC_PASSWORD_FILE: passFile,
    RESTIC_REPOSITORY: sRepo,
    RESTIC_CACHE_DIR: join(work, 'restic-cache'),
  };
  const node = [process.execPath, ...ripcordNodeFlags(root), bin];
  const ripcord = (a: string[]): Timed =>
    must(
      timed([...node, 'repo', '--repo', rRepo, ...a], { env: renv, cwd, oneCore: false }),
      `ripcord repo ${a[0] ?? ''}`,
    );
  const ripcordBackup = (a: string[]): Timed =>
    must(timed([...node, 'backup', ...a], { env: renv, cwd, oneCore: false }), `ripcord backup ${a[0] ?? ''}`);
  const restic = (a: string[], input?: string): Timed =>
    must(
      timed(['restic', '--quiet', ...a], { env: senv, cwd, oneCore: false, ...(input ? { input } : {}) }),
      `restic ${a[0] ?? ''}`,
    );
  ripcord(['init']);
  restic(['init']);

  const rows: (string | number)[][] = [];
  let peak = 0;
  const row = (label: string, r: Timed, s: Timed, extra = ''): void => {
    peak = Math.max(peak, r.maxRssMb);
    rows.push([
      label,
      r.seconds.toFixed(2),
      s.seconds.toFixed(2),
      (s.seconds / r.seconds).toFixed(2),
      r.maxRssMb,
      s.maxRssMb,
      extra,
    ]);
  };
  const ids = new Map<string, string>();
  /** A files job (`job`) or the dump piped in (`input`). */
  const backup = (label: string, paths: string[], tag: string, from: { job: string } | { input: string }) => {
    const input = 'input' in from ? from.input : undefined;
    const sArgs = input !== undefined ? ['--stdin', '--stdin-filename', 'shop.sql'] : paths;
    const before = { r: du(rRepo), s: du(sRepo) };
    // restic first, then ripcord: both with a warm page cache after the first reads the data.
    const s = restic(['backup', '--tag', tag, ...sArgs], input);
    let r: Timed;
    if ('job' in from) {
      r = ripcordBackup(['run', from.job, '--json']);
      const ran = JSON.parse(r.stdout) as { jobs: { snapshot?: string }[] };
      ids.set(tag, ran.jobs[0]?.snapshot ?? '');
    } else {
      renv['RIPCORD_BENCH_DUMP'] = from.input;
      r = ripcordBackup(['run', 'shopdb', '--json']);
      const ran = JSON.parse(r.stdout) as { jobs: { snapshot?: string }[] };
      ids.set(tag, ran.jobs[0]?.snapshot ?? '');
    }
    const added = { r: du(rRepo) - before.r, s: du(sRepo) - before.s };
    row(label, r, s, `added ${(added.r / MiB).toFixed(1)} / ${(added.s / MiB).toFixed(1)} MiB`);
    return { r, s };
  };

  backup(`${files.toLocaleString('en')} files, first`, [tree], 'tree', { job: 'tree' });
  backup(`${files.toLocaleString('en')} files, unchanged`, [tree], 'tree2', { job: 'tree' });
  backup('wordpress tree, first', [WORDPRESS], 'wp', { job: 'wordpress' });
  backup('wordpress tree, unchanged', [WORDPRESS], 'wp2', { job: 'wordpress' });
  const d1 = { r: du(rRepo), s: du(sRepo) };
  backup(`SQL dump ${dumpMb} MiB, first`, [], 'dump', { input: dump1 });
  const d2 = { r: du(rRepo), s: du(sRepo) };
  backup('SQL dump, 1% of rows changed', [], 'dump2', { input: dump2 });
  const d3 = { r: du(rRepo), s: du(sRepo) };

  const restore = (label: string, tag: string, files: boolean): void => {
    const rt = join(work, 'restore-ripcord');
    const st = join(work, 'restore-restic');
    rmSync(rt, { recursive: true, force: true });
    rmSync(st, { recursive: true, force: true });
    // Written data is flushed before each restore: the one that runs second would otherwise
    // create its files while the kernel writes back the first one's (2-3x slower creates here).
    spawnSync('sync');
    const s = restic(['restore', 'latest', '--tag', tag, '--target', st]);
    spawnSync('sync');
    const id = ids.get(tag) ?? '';
    const r = files ? ripcordBackup(['restore', id, '--target', rt]) : ripcord(['restore', id, '--target', rt]);
    row(label, r, s);
    rmSync(rt, { recursive: true, force: true });
    rmSync(st, { recursive: true, force: true });
  };
  restore(`full restore, ${files.toLocaleString('en')} files`, 'tree2', true);
  restore('full restore, SQL dump', 'dump2', false);

  console.log(
    `\nrestic: ${version}; ripcord: bin/ripcord.js, the default config with two files jobs ` +
      '(trees: backup run / backup restore; dump: backup run of a MariaDB job / repo restore)',
  );
  printTable(rows, [
    'run',
    'ripcord s',
    'restic s',
    'restic/ripcord time',
    'ripcord MiB RSS',
    'restic MiB RSS',
    'repository growth ripcord / restic',
  ]);
  const dumpBytes = dumpMb * MiB;
  const ratio = (added: number): string => `${(100 * (1 - added / dumpBytes)).toFixed(1)}%`;
  console.log('');
  printTable(
    [
      [
        'ripcord',
        ((d2.r - d1.r) / MiB).toFixed(1),
        ((d3.r - d2.r) / MiB).toFixed(1),
        ratio(d3.r - d2.r),
        (du(rRepo) / MiB).toFixed(1),
      ],
      [
        'restic',
        ((d2.s - d1.s) / MiB).toFixed(1),
        ((d3.s - d2.s) / MiB).toFixed(1),
        ratio(d3.s - d2.s),
        (du(sRepo) / MiB).toFixed(1),
      ],
      ['ratio ripcord/restic', '', '', '', (du(rRepo) / du(sRepo)).toFixed(3)],
    ],
    ['', 'dump 1 stored MiB', 'dump 2 stored MiB', 'dump 2 dedup (share not stored again)', 'repository MiB'],
  );
  console.log(`\nripcord peak memory: ${peak} MiB (target < 500)`);
  console.log(
    `load average: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 cores, shared)`,
  );
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

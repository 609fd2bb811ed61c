// Benchmark of the snapshot repository against restic, on the same generated tree in the same
// run: first snapshot (MB/s, files/s), second snapshot of the unchanged tree, a third after
// editing a few files, and the repository sizes. Both use all cores and a warm page cache.
// Installs restic with apt-get when missing.
//
//   npm run bench -- repo [--small N] [--big-mb M] [--rounds R] [--keep]

import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureTool, printTable, timed, type Timed } from './tools.ts';

const dataDir = resolve(import.meta.dirname, 'data', 'repo');
const main = resolve(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
}

function xorshift(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

const words = [
  'customer',
  'order',
  'price',
  'quantity',
  'function',
  'return',
  'array',
  'string',
  'public',
  'static',
  '$this->',
  'echo',
  'if',
  'else',
  'foreach',
  'null',
  'true',
  'sku',
  'cart',
  'checkout',
];

/** Shop-like text: compressible, but every file different. */
function text(size: number, seed: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  let x = seed;
  while (n < size) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const w = `${words[x % words.length] ?? ''}${x % 7 === 0 ? `_${x % 1000}` : ''}${x % 11 === 0 ? ';\n' : ' '}`;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

function generate(root: string, small: number, bigMb: number): void {
  const marker = join(root, `.generated-${small}-${bigMb}`);
  if (existsSync(marker)) return;
  rmSync(root, { recursive: true, force: true });
  for (let i = 0; i < small; i++) {
    const dir = join(root, 'site', `m${Math.floor(i / 1000)}`, `d${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file${i}.php`), text(200 + ((i * 7919) % 8000), i + 1));
  }
  mkdirSync(join(root, 'media'), { recursive: true });
  mkdirSync(join(root, 'dumps'), { recursive: true });
  const mb = 1024 * 1024;
  writeFileSync(join(root, 'media', 'video1.bin'), xorshift(bigMb * mb, 1));
  writeFileSync(join(root, 'media', 'video2.bin'), xorshift(bigMb * mb, 2));
  for (const k of [1, 2]) {
    const parts: Buffer[] = [];
    for (let i = 0; i < bigMb; i++) parts.push(text(mb, k * 100_000 + i));
    writeFileSync(join(root, 'dumps', `shop${k}.sql`), Buffer.concat(parts));
  }
  writeFileSync(marker, '');
}

function treeSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

function must(r: { status: number | null; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
}

export default async function run(args: string[]): Promise<void> {
  const small = arg(args, '--small', 20_000);
  const bigMb = arg(args, '--big-mb', 64);
  const rounds = arg(args, '--rounds', 3);
  if (!ensureTool('restic', 'restic')) throw new Error('restic could not be installed');
  const tree = join(dataDir, 'tree');
  console.log(`generating ${small} small files and 4 files of ${bigMb} MiB under ${tree} (once)…`);
  generate(tree, small, bigMb);
  spawnSync('sync'); // the generated tree is on disk, not being written back during the runs
  const { files, bytes } = treeSize(tree);
  const mbTotal = bytes / 1024 / 1024;
  console.log(`tree: ${files} files, ${mbTotal.toFixed(0)} MiB`);

  const work = join(dataDir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const passFile = join(work, 'pass');
  writeFileSync(passFile, 'bench passphrase\n');
  const rRepo = join(work, 'ripcord-repo');
  const sRepo = join(work, 'restic-repo');
  const renv = { ...process.env, RIPCORD_PASSPHRASE_FILE: passFile };
  const senv = {
    ...process.env,
    RESTIC_PASSWORD_FILE: passFile,
    RESTIC_REPOSITORY: sRepo,
    RESTIC_CACHE_DIR: join(work, 'restic-cache'),
  };
  const node = process.execPath;
  const ripcord = (...a: string[]) => timed([node, main, 'repo', '--repo', rRepo, ...a], { env: renv, oneCore: false });
  const restic = (...a: string[]) => timed(['restic', '--quiet', ...a], { env: senv, oneCore: false });

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const rows: (string | number)[][] = [];
  const row = (
    label: string,
    r: { seconds: number; maxRssMb: number },
    s: { seconds: number; maxRssMb: number },
  ): void => {
    rows.push([
      label,
      r.seconds.toFixed(2),
      s.seconds.toFixed(2),
      (mbTotal / r.seconds).toFixed(0),
      (mbTotal / s.seconds).toFixed(0),
      (files / r.seconds).toFixed(0),
      (files / s.seconds).toFixed(0),
      (s.seconds / r.seconds).toFixed(2),
      r.maxRssMb,
      s.maxRssMb,
    ]);
  };
  const both = (label: string): { r: Timed; s: Timed } => {
    const s = restic('backup', tree);
    must(s, `restic backup (${label})`);
    const r = ripcord('snapshot', tree);
    must(r, `ripcord repo snapshot (${label})`);
    return { r, s };
  };

  // First snapshots: several rounds into fresh repositories (the disk is noisy); medians.
  const firsts: { r: Timed; s: Timed }[] = [];
  for (let i = 0; i < rounds; i++) {
    rmSync(rRepo, { recursive: true, force: true });
    rmSync(sRepo, { recursive: true, force: true });
    must(ripcord('init'), 'ripcord repo init');
    must(restic('init'), 'restic init');
    firsts.push(both(`first snapshot, round ${i + 1}`));
  }
  const pick = (k: 'r' | 's'): Timed => {
    const m = median(firsts.map((x) => x[k].seconds));
    return firsts.find((x) => x[k].seconds === m)?.[k] as Timed;
  };
  row(`first snapshot (median of ${rounds})`, pick('r'), pick('s'));
  const u = both('unchanged tree');
  row('unchanged tree', u.r, u.s);
  // Edit: 1% of small files rewritten, 100 bytes inserted into the middle of each dump.
  for (let i = 0; i < small; i += 100) {
    const p = join(tree, 'site', `m${Math.floor(i / 1000)}`, `d${Math.floor(i / 100) % 10}`, `file${i}.php`);
    appendFileSync(p, `\n// edited ${Date.now()}\n`);
  }
  for (const k of [1, 2]) {
    const p = join(tree, 'dumps', `shop${k}.sql`);
    const b = readFileSync(p);
    const mid = Math.floor(b.length / 2);
    writeFileSync(p, Buffer.concat([b.subarray(0, mid), Buffer.from('x'.repeat(100)), b.subarray(mid)]));
  }
  const e = both('after edits');
  row('after edits', e.r, e.s);
  console.log('');
  printTable(rows, [
    'run',
    'ripcord s',
    'restic s',
    'ripcord MB/s',
    'restic MB/s',
    'ripcord files/s',
    'restic files/s',
    'speed ratio (restic time / ripcord time)',
    'ripcord MiB RSS',
    'restic MiB RSS',
  ]);
  const rSize = treeSize(rRepo).bytes;
  const sSize = treeSize(sRepo).bytes;
  console.log('');
  printTable(
    [
      ['ripcord', (rSize / 1024 / 1024).toFixed(1), treeSize(rRepo).files],
      ['restic', (sSize / 1024 / 1024).toFixed(1), treeSize(sRepo).files],
      ['ratio ripcord/restic', (rSize / sSize).toFixed(3), ''],
    ],
    ['repository after its last 3 snapshots', 'MiB', 'files'],
  );
  const chk = spawnSync(node, [main, 'repo', '--repo', rRepo, 'check', '--read-data'], { env: renv, encoding: 'utf8' });
  console.log(`\nripcord repo check --read-data: exit ${chk.status} ${chk.stdout.trim().split('\n').pop() ?? ''}`);
  if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

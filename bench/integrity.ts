// Benchmark of file integrity against AIDE, on the same trees in the same run:
// a generated tree of 100,000 files and Debian's wordpress tree (/usr/share/wordpress).
// For each: baseline time, quick check, full check, revert of 1,000 modified files, repository
// size; AIDE --init and --check (same attributes: perms, inode, links, owner, size, mtime,
// ctime, sha256). Installs aide and wordpress with apt-get when missing.
// Targets: full check >= 2x faster than `aide --check`, quick check >= 20x, revert of 1,000 < 1 s.
//
//   npm run bench -- integrity [--files N] [--keep]

import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/app/config.ts';
import { walkRoots } from '../src/integrity/index.ts';
import {
  integrityBaseline,
  integrityCheck,
  integrityContext,
  integrityRevert,
  integrityScan,
} from '../src/app/integrity.ts';

const dataDir = resolve(import.meta.dirname, 'data', 'integrity');
// The installed entry point (it enables Node's compile cache), with the heap flags of its #! line.
const binJs = resolve(import.meta.dirname, '..', 'bin', 'ripcord.js');
const binFlags = ['--max-semi-space-size=16', '--max-old-space-size=1024'];

function ensureTool(bin: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0) return;
  console.log(`installing ${pkg} (apt-get)…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function duSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** A deterministic tree of `n` files: 100 files per folder, two folder levels, 200 B - 6 KB each, shop-like text. */
function generateTree(root: string, n: number): void {
  const marker = join(root, '.generated');
  if (existsSync(marker) && Number(execFileSync('cat', [marker]).toString()) === n) return;
  rmSync(root, { recursive: true, force: true });
  console.log(`generating ${n} files in ${root}…`);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const words = [
    'function',
    'return',
    '$this->',
    'class',
    'public',
    'private',
    'array(',
    'foreach',
    'echo',
    'namespace',
    'use',
    'const',
    '=>',
    '{',
    '}',
    ';',
    'if',
    'else',
    'null',
    'true',
  ];
  for (let i = 0; i < n; i++) {
    const dir = join(root, `m${Math.floor(i / 10_000)}`, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const size = 200 + Math.floor(rand() * 5800);
    let text = `<?php\n// file ${i}\n`;
    while (text.length < size) text += `${words[Math.floor(rand() * words.length)]} `;
    writeFileSync(join(dir, `f${i}.${i % 3 === 0 ? 'js' : 'php'}`), text);
  }
  writeFileSync(marker, String(n));
}

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

async function timeAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

function aideConf(dir: string, tree: string): string {
  const conf = join(dir, 'aide.conf');
  writeFileSync(
    conf,
    [
      `database_in=file:${join(dir, 'aide.db')}`,
      `database_out=file:${join(dir, 'aide.db.new')}`,
      'gzip_dbout=no',
      'report_url=stdout',
      'Ripcord = p+i+n+u+g+s+m+c+sha256',
      `${tree} Ripcord`,
      '',
    ].join('\n'),
  );
  return conf;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

interface Row {
  tree: string;
  files: number;
  baseline: number;
  quick: number;
  full: number;
  revert: number;
  revertWrite: number;
  reverted: number;
  repo: number;
  treeBytes: number;
  aideInit: number;
  aideCheck: number;
  aideDb: number;
  scan: number;
  scanFindings: number;
}

async function benchTree(name: string, tree: string, copy: boolean): Promise<Row> {
  const work = join(dataDir, `work-${name}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // Work on a copy when the tree is not ours (revert writes into it).
  let site = tree;
  if (copy) {
    site = join(work, 'site');
    execFileSync('cp', ['-a', `${tree}/.`, site]);
  }
  const files = Number(
    execFileSync('sh', ['-c', `find ${JSON.stringify(site)} -type f | wc -l`])
      .toString()
      .trim(),
  );
  // Timestamps within 2 s of a baseline are not trusted by the quick check ("racy" files): let them age.
  await new Promise((r) => setTimeout(r, 2500));
  process.env['RIPCORD_PASSPHRASE'] = 'bench-passphrase';
  const loaded = loadConfig({ stateDir: join(work, 'state'), cwd: work, env: {} });
  const ctx = integrityContext(loaded, { roots: [site], preset: 'none' });

  const [, baseline] = await timeAsync(() => integrityBaseline(ctx));
  // Checks run as the command a cron job would run (a fresh process, like aide), so start-up counts.
  const cli = (args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        ...binFlags,
        binJs,
        '--state-dir',
        join(work, 'state'),
        'integrity',
        ...args,
        '--root',
        site,
        '--preset',
        'none',
        '--json',
      ],
      {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, RIPCORD_PASSPHRASE: 'bench-passphrase' },
        maxBuffer: 1 << 26,
      },
    );
    if (r.status !== 0)
      throw new Error(`ripcord integrity ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout.slice(0, 2000)}`);
    return r;
  };
  // One run warms the page cache and the compile cache; then the median of three runs of each.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  cli(['check']);
  const quickRuns = [0, 1, 2].map(() => time(() => cli(['check']))[1]);
  const quick = median(quickRuns);
  const quick2 = quickRuns[1] as number;
  const full = median([0, 1, 2].map(() => time(() => cli(['check', '--full']))[1]));

  // Revert of 1,000 modified files.
  const targets = (await walkRoots([site], () => false))
    .filter((e) => e.type === 'file' && e.path.endsWith('.php'))
    .slice(0, 1000)
    .map((e) => e.path);
  for (const t of targets) appendFileSync(join(site, t), '\n<?php @eval($_POST["x"]); ?>');
  const [rv, revert] = await timeAsync(() =>
    integrityRevert(ctx, { paths: [], all: true, dryRun: false, deleteAdded: false }),
  );
  const after = await integrityCheck(ctx, { full: true });
  if (after.changes.length !== 0) throw new Error(`after revert, ${after.changes.length} changes remain`);

  const [sc, scan] = await timeAsync(() => integrityScan(ctx, [site]));

  const repo = duSize(join(work, 'state', 'repository'));
  const treeBytes = duSize(site);

  ensureTool('aide', 'aide');
  const conf = aideConf(work, site);
  const [, aideInit] = time(() => spawnSync('aide', ['--init', '-c', conf], { stdio: 'ignore' }));
  renameSync(join(work, 'aide.db.new'), join(work, 'aide.db'));
  const aideRuns = [0, 1, 2].map(() =>
    time(() => spawnSync('aide', ['--check', '-c', conf], { encoding: 'utf8', maxBuffer: 1 << 26 })),
  );
  const ac = (aideRuns[0] as [ReturnType<typeof spawnSync>, number])[0];
  const aideCheck = median(aideRuns.map((r) => r[1]));
  if ((ac.status ?? 0) >= 14) throw new Error(`aide --check failed (${ac.status}): ${ac.stderr}`);
  const aideDb = statSync(join(work, 'aide.db')).size;
  console.log(`  ${name}: second quick check: ${fmt(quick2)}; revert restored ${rv.restored} files`);
  return {
    tree: name,
    files,
    baseline,
    quick,
    full,
    revert,
    revertWrite: rv.writeMs,
    reverted: rv.restored,
    repo,
    treeBytes,
    aideInit,
    aideCheck,
    aideDb,
    scan,
    scanFindings: sc.findings.length,
  };
}

export default async function main(args: string[]): Promise<void> {
  const nIdx = args.indexOf('--files');
  const n = nIdx >= 0 ? Number(args[nIdx + 1]) : 100_000;
  mkdirSync(dataDir, { recursive: true });
  ensureTool('aide', 'aide');
  if (!existsSync('/usr/share/wordpress/wp-includes')) ensureTool('nonexistent-wordpress-probe', 'wordpress');
  const gen = join(dataDir, `tree-${n}`);
  generateTree(gen, n);
  const rows: Row[] = [];
  rows.push(await benchTree(`generated-${n}`, gen, false));
  if (existsSync('/usr/share/wordpress/wp-includes'))
    rows.push(await benchTree('wordpress', '/usr/share/wordpress', true));
  console.log(
    '\nripcord integrity vs AIDE 0.18 (same tree, same run; AIDE checks p+i+n+u+g+s+m+c+sha256; checks timed as fresh processes, median of 3)',
  );
  for (const r of rows) {
    console.log(`\n${r.tree}: ${r.files} files, ${mib(r.treeBytes)}`);
    console.log(
      `  baseline        ${fmt(r.baseline).padStart(9)}   aide --init  ${fmt(r.aideInit).padStart(9)}   (${(r.aideInit / r.baseline).toFixed(2)}x)`,
    );
    console.log(
      `  quick check     ${fmt(r.quick).padStart(9)}   aide --check ${fmt(r.aideCheck).padStart(9)}   ${(r.aideCheck / r.quick).toFixed(1)}x faster (target 20x)`,
    );
    console.log(
      `  full check      ${fmt(r.full).padStart(9)}   aide --check ${fmt(r.aideCheck).padStart(9)}   ${(r.aideCheck / r.full).toFixed(1)}x faster (target 2x)`,
    );
    console.log(
      `  revert ${String(r.reverted).padStart(5)} files ${fmt(r.revertWrite).padStart(9)}   write-back (target < 1 s); ${fmt(r.revert)} with the check that finds them`,
    );
    console.log(`  repository      ${mib(r.repo).padStart(9)}   aide db      ${mib(r.aideDb).padStart(9)}`);
    console.log(
      `  scan            ${fmt(r.scan).padStart(9)}   ${r.scanFindings} finding(s)${r.tree === 'wordpress' ? ' (clean tree: must be 0)' : ''}`,
    );
  }
  if (!args.includes('--keep'))
    for (const r of rows) rmSync(join(dataDir, `work-${r.tree}`), { recursive: true, force: true });
}

if (import.meta.main) await main(process.argv.slice(2));

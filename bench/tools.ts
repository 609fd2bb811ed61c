// Shared helpers for benchmarks: installing a Debian peer tool when missing, timing a command
// (wall time and peak memory through GNU time), and printing result tables.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p !== '' ? p : null;
}

/** Installs Debian packages if `cmd` is missing; returns whether it is there afterwards. */
export function ensureTool(cmd: string, pkg: string): boolean {
  if (which(cmd)) return true;
  process.stderr.write(`installing ${pkg} from Debian's packages…\n`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return which(cmd) !== null;
}

export interface Timed {
  seconds: number;
  /** User + system CPU time: steadier than wall time on a machine others are using. */
  cpuSeconds: number;
  maxRssMb: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv (pinned to one core when taskset exists), with GNU time measuring peak memory. */
export function timed(
  argv: string[],
  o: { cwd?: string; oneCore?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {},
): Timed {
  ensureTool('/usr/bin/time', 'time');
  const tf = join(mkdtempSync(join(tmpdir(), 'ripcord-bench-')), 'time.txt');
  const pin = o.oneCore !== false && which('taskset') ? ['taskset', '-c', '0'] : [];
  // `input`: a file given as standard input (a database dump piped in, as a dump tool would).
  const fd = o.input !== undefined ? openSync(o.input, 'r') : null;
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', tf, ...pin, ...argv], {
    cwd: o.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: o.env ?? process.env,
    ...(fd !== null ? { stdio: [fd, 'pipe', 'pipe'] as const } : {}),
  });
  if (fd !== null) closeSync(fd);
  const seconds = (performance.now() - t0) / 1000;
  const [kb = NaN, user = NaN, sys = NaN] = existsSync(tf)
    ? (readFileSync(tf, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number)
    : [];
  return {
    seconds,
    cpuSeconds: user + sys,
    maxRssMb: Math.round(kb / 1024),
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

export function printTable(rows: (string | number)[][], header: string[]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  for (const r of all) console.log(r.map((c, i) => String(c).padEnd(w[i] ?? 0)).join('  '));
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** The Node flags bin/ripcord.js runs with (from its #! line), so benchmarks run what users run. */
export function ripcordNodeFlags(root: string): string[] {
  const first = readFileSync(join(root, 'bin', 'ripcord.js'), 'utf8').split('\n')[0] ?? '';
  return first.split(/\s+/).filter((w) => w.startsWith('--'));
}

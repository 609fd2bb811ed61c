// Ingest throughput (parse + detect + store, durable: SQLite WAL, each batch committed with
// its checkpoint) of `ripcord ingest` as a user runs it (the default config: shipped rules on)
// on a generated 2-million-line e-commerce access log, against GoAccess and fail2ban-regex on
// the same file in the same run; also Ripcord's peak memory (the highest of its three runs).
// Printed beside it: rules off (--no-detect) and the rules on a second thread
// (detect.thread: true). Not pinned to a core: the thread variant is about using the second.
// Run: npm run bench -- ingest [lines]

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureAccessLog } from './gen-access-log.ts';
import { ensureTool, printTable, ripcordNodeFlags, timed, which } from './tools.ts';

export default async function main(args: string[]): Promise<void> {
  const lines = Number(args[0] ?? 2_000_000);
  const root = resolve(import.meta.dirname, '..');
  const file = await ensureAccessLog(join(root, 'bench', 'data', `access-${lines}.log`), lines);
  const mb = statSync(file).size / 1e6;
  console.log(`log: ${file} (${lines.toLocaleString('en')} lines, ${mb.toFixed(0)} MB)`);
  const rows: (string | number)[][] = [];

  const runRipcord = (label: string, extra: string[], config?: string) => {
    const state = mkdtempSync(join(tmpdir(), 'ripcord-ingest-'));
    if (config !== undefined) writeFileSync(join(state, 'ripcord.yml'), config);
    const r = timed(
      [
        process.execPath,
        ...ripcordNodeFlags(root),
        join(root, 'bin', 'ripcord.js'),
        '--state-dir',
        state,
        'ingest',
        '--format',
        'nginx',
        '--json',
        ...extra,
        file,
      ],
      { cwd: state, oneCore: false },
    );
    rmSync(state, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`ripcord ingest failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      lines: number;
      events: number;
      rejected: number;
    };
    if (out.lines !== lines) throw new Error(`ripcord read ${out.lines} lines, expected ${lines}`);
    return { label, seconds: r.seconds, rss: r.maxRssMb };
  };
  // Three runs each, the median counted: a 10-second run on a shared machine catches noise
  // that a 2-minute GoAccess run averages out. Each run's rate is printed.
  const median = (label: string, extra: string[], config?: string) => {
    const runs = [0, 1, 2].map(() => runRipcord(label, extra, config));
    console.log(`${label}: ${runs.map((r) => Math.round(lines / r.seconds).toLocaleString('en')).join(', ')} lines/s`);
    const m = [...runs].sort((a, b) => a.seconds - b.seconds)[1] as (typeof runs)[number];
    return { label: `${label}, median of 3`, seconds: m.seconds, rss: Math.max(...runs.map((r) => r.rss)) };
  };
  const rc = median('ripcord ingest (default: rules on)', []);
  const variants = [
    median('ripcord ingest (rules off, --no-detect)', ['--no-detect']),
    median('ripcord ingest (rules on a second thread)', [], 'detect:\n  thread: true\n'),
  ];
  const rcRate = lines / rc.seconds;
  rows.push([rc.label, rc.seconds.toFixed(1), Math.round(rcRate).toLocaleString('en'), rc.rss, '1.00']);
  for (const v of variants)
    rows.push([
      v.label,
      v.seconds.toFixed(1),
      Math.round(lines / v.seconds).toLocaleString('en'),
      v.rss,
      (rcRate / (lines / v.seconds)).toFixed(2),
    ]);

  let goaccessRate: number | null = null;
  if (ensureTool('goaccess', 'goaccess')) {
    const out = join(mkdtempSync(join(tmpdir(), 'goaccess-')), 'report.json');
    const g = timed(['goaccess', file, '--log-format=COMBINED', '--no-global-config', '--no-progress', '-o', out]);
    if (g.status !== 0) console.log(`goaccess failed: ${g.stderr.slice(0, 300)}`);
    else goaccessRate = lines / g.seconds;
    if (g.status === 0)
      rows.push([
        `goaccess ${version('goaccess', ['-V'])}`,
        g.seconds.toFixed(1),
        Math.round(lines / g.seconds).toLocaleString('en'),
        g.maxRssMb,
        (rcRate / (lines / g.seconds)).toFixed(2),
      ]);
  }
  if (ensureTool('fail2ban-regex', 'fail2ban')) {
    const filter = ['/etc/fail2ban/filter.d/nginx-botsearch.conf', '/etc/fail2ban/filter.d/apache-badbots.conf'].find(
      (f) => which(f) !== null || existsFile(f),
    );
    if (filter) {
      const f = timed(['fail2ban-regex', file, filter], { oneCore: true });
      if (f.status !== 0) console.log(`fail2ban-regex failed: ${f.stderr.slice(0, 300)}`);
      else
        rows.push([
          `fail2ban-regex (${filter.split('/').pop()})`,
          f.seconds.toFixed(1),
          Math.round(lines / f.seconds).toLocaleString('en'),
          f.maxRssMb,
          (rcRate / (lines / f.seconds)).toFixed(2),
        ]);
    }
  }
  console.log('');
  printTable(rows, ['tool', 'seconds', 'lines/s', 'peak MB', 'ripcord speed ×']);
  const goRate = goaccessRate === null ? null : rcRate / goaccessRate;
  console.log(
    `\ntargets (default config, rules on): ≥150,000 lines/s (${rcRate >= 150_000 ? 'met' : 'NOT met'}), ` +
      `>10× GoAccess (${goRate === null ? 'GoAccess did not run' : `${goRate.toFixed(1)}×: ${goRate > 10 ? 'met' : 'NOT met'}`}), ` +
      `peak memory < 300 MB (${rc.rss < 300 ? 'met' : 'NOT met'})`,
  );
}

function existsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function version(cmd: string, args: string[]): string {
  const r = timed([cmd, ...args], { oneCore: false });
  const m = /(\d+\.\d+(\.\d+)?)/.exec(r.stdout + r.stderr);
  return m?.[1] ?? '';
}

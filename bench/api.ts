// A load test of the HTTP API and dashboard as `ripcord run` serves them (http.listen on
// loopback), over a store holding 10 million requests imported with `ripcord ingest` (the
// default config, rules on): autocannon drives the overview page (with a session cookie),
// a search by address and a search by path glob (with an API token), 10 connections for
// 10 seconds each; it prints requests/s and p50/p99 latency. No peer tool serves this record,
// so there is no ratio: the figures are the shop owner's wait.
// Run: npm run bench -- api [requests-in-store]

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ensureAccessLog } from './gen-access-log.ts';
import { printTable, ripcordNodeFlags } from './tools.ts';

export default async function main(args: string[]): Promise<void> {
  const lines = Number(args[0] ?? 10_000_000);
  const root = resolve(import.meta.dirname, '..');
  const file = await ensureAccessLog(join(root, 'bench', 'data', `access-${lines}.log`), lines);
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-api-bench-'));
  const port = 18_000 + Math.floor(Math.random() * 2000);
  writeFileSync(
    join(dir, 'ripcord.yml'),
    `stateDir: ./state\nsite: { name: Bench shop }\nlogs: { retentionDays: 3650 }\nhttp: { listen: "127.0.0.1:${port}" }\n`,
  );
  const cli = (...a: string[]) =>
    spawnSync(process.execPath, [...ripcordNodeFlags(root), join(root, 'bin', 'ripcord.js'), ...a], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
  let run: ReturnType<typeof spawn> | null = null;
  try {
    console.log(`importing ${lines.toLocaleString('en')} requests (ripcord ingest, rules on)…`);
    const t0 = performance.now();
    const ing = cli('ingest', '--format', 'nginx', '--json', file);
    if (ing.status !== 0) throw new Error(`ingest failed: ${ing.stderr.slice(-500)}`);
    console.log(`imported in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const token = (JSON.parse(cli('tokens', 'create', 'bench', '--json').stdout) as { token: string }).token;
    run = spawn(process.execPath, [...ripcordNodeFlags(root), join(root, 'bin', 'ripcord.js'), 'run'], {
      cwd: dir,
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(`${base}/static/app.css`);
        break;
      } catch {
        if (i > 600) throw new Error('the server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const link = (JSON.parse(cli('dashboard', 'link', '--json').stdout) as { url: string }).url;
    const login = await fetch(link, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const bearer = { Authorization: `Bearer ${token}` };
    const cases: { label: string; path: string; headers: Record<string, string> }[] = [
      { label: 'overview page (dashboard)', path: '/', headers: { Cookie: cookie } },
      {
        label: 'search by address (API, 100 newest)',
        path: '/api/v1/traffic/search?ip=12.0.13.30&limit=100',
        headers: bearer,
      },
      {
        label: 'search by path glob (API, 100 newest)',
        path: '/api/v1/traffic/search?path=/checkout*&limit=100',
        headers: bearer,
      },
      { label: 'findings page (API)', path: '/api/v1/findings?limit=100', headers: bearer },
    ];
    const rows: (string | number)[][] = [];
    for (const c of cases) {
      const check = await fetch(`${base}${c.path}`, { headers: c.headers });
      if (check.status !== 200) throw new Error(`${c.path}: HTTP ${check.status}`);
      const r = await autocannon({ url: `${base}${c.path}`, connections: 10, duration: 10, headers: c.headers });
      rows.push([c.label, Math.round(r.requests.average), r.latency.p50, r.latency.p99, r.non2xx]);
    }
    console.log('');
    printTable(rows, ['request', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx']);
    console.log(`\n(${lines.toLocaleString('en')} requests stored, SQLite, 10 connections × 10 s each, loopback)`);
  } finally {
    run?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

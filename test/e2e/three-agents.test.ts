// Several web servers, one Ripcord, on the machine's PostgreSQL: three `ripcord run --role
// agent` processes (each its own log and host name) and two `--role server` processes on one
// store. One agent is killed with SIGKILL mid-way and restarted, then PostgreSQL drops every
// connection mid-batch; every line of every host is stored exactly once, under its host. Another agent is killed for good: the leading server
// raises the quiet-host finding for it. One of the two servers leads (advisory lock) at a time,
// and neither dies when the connections drop.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { dbFactories, pgSkip } from '../helpers/db.ts';
import { until } from '../helpers/receivers.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const factory = dbFactories.find((f) => f.name === 'postgres');

function lines(host: string, from: number, n: number): string {
  const stamp = new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
  let out = '';
  for (let i = from; i < from + n; i++)
    out += `198.51.100.${i % 200} - - [${stamp}] "GET /${host}/p/${i} HTTP/1.1" 200 ${i} "-" "Mozilla/5.0"\n`;
  return out;
}

test('three agents and two servers on one PostgreSQL: exactly once per line, quiet host, one leader', {
  ...(await pgSkip()),
  timeout: 170_000,
}, async () => {
  if (factory === undefined) throw new Error('no postgres factory');
  const { location, cleanup } = await factory.create();
  const root = mkdtempSync(join(tmpdir(), 'ripcord-agents-'));
  const procs = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();
  const start = (name: string, role: string, dir: string) => {
    const p = spawn(
      process.execPath,
      [main, '--config', join(dir, 'ripcord.yml'), 'run', '--role', role, '--poll-ms', '50'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    logs.set(name, '');
    p.stderr?.on('data', (b: Buffer) => logs.set(name, (logs.get(name) ?? '') + b.toString()));
    procs.set(name, p);
    return p;
  };
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await client.query(sql, params)).rows[0]?.n ?? 0);
  try {
    const config = (host: string) =>
      [
        `store: "${location}"`,
        'stateDir: ./state',
        `hosts: { name: ${host}, quietAfterMinutes: 0.1 }`,
        'detect: { enabled: false }',
        'logs: { batchLines: 500 }',
        'sources: [{ type: file, id: web, path: ./access.log, format: nginx }]',
        '',
      ].join('\n');
    const N = 20_000;
    for (const host of ['web1', 'web2', 'web3', 'ctl']) {
      const dir = join(root, host);
      mkdirSync(dir);
      writeFileSync(join(dir, 'ripcord.yml'), config(host));
      writeFileSync(join(dir, 'access.log'), host === 'ctl' ? '' : lines(host, 0, N));
    }
    // the servers first (the schema is made once), then the agents
    start('server-a', 'server', join(root, 'ctl'));
    await until('a server leads', async () => /leading/.test(logs.get('server-a') ?? ''), 30_000);
    start('server-b', 'server', join(root, 'ctl'));
    for (const host of ['web1', 'web2', 'web3']) start(host, 'agent', join(root, host));

    // kill web2 with SIGKILL once part of its log is stored, add lines, start it again
    const web2 = () =>
      count("SELECT COUNT(*) AS n FROM http_events e JOIN log_sources s ON s.num = e.src WHERE s.host = 'web2'");
    await until('web2 stored some lines', async () => (await web2()) > 0, 60_000);
    procs.get('web2')?.kill('SIGKILL');
    await new Promise((r) => procs.get('web2')?.once('exit', r));
    const mid = await web2();
    appendFileSync(join(root, 'web2', 'access.log'), lines('web2', N, 1000));
    start('web2', 'agent', join(root, 'web2'));

    // PostgreSQL drops every connection of the store mid-batch (as a restart does): the agents
    // reconnect, and what a broken transaction held is stored again from the checkpoint, once
    await until('web2 stores again', async () => (await web2()) > mid, 60_000);
    const dropped = await count(
      'SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    assert.ok(dropped > 0, 'connections were dropped');
    const want = { web1: N, web2: N + 1000, web3: N };
    await until(
      'every line stored',
      async () => (await count('SELECT COUNT(*) AS n FROM http_events')) >= N * 3 + 1000,
      90_000,
    );
    const perHost = (
      await client.query<{ host: string; n: string; lines: string }>(
        'SELECT s.host, COUNT(*) AS n, COUNT(DISTINCT e.line) AS lines FROM http_events e JOIN log_sources s ON s.num = e.src GROUP BY s.host ORDER BY s.host',
      )
    ).rows.map((r) => [r.host, Number(r.n), Number(r.lines)]);
    assert.deepEqual(
      perHost,
      Object.entries(want).map(([h, n]) => [h, n, n]),
      `killed at ${mid} of ${N}`,
    );
    assert.deepEqual(
      (await client.query('SELECT id FROM log_sources ORDER BY id')).rows.map((r: { id: string }) => r.id),
      ['web1/web', 'web2/web', 'web3/web'],
      'each agent reads under its host name',
    );

    // web3 goes away for good: the leading server raises the quiet-host finding, once
    procs.get('web3')?.kill('SIGKILL');
    await until(
      'the quiet-host finding',
      async () => (await count("SELECT COUNT(*) AS n FROM findings WHERE rule = 'host-quiet' AND match = 'web3'")) > 0,
      60_000,
    );
    assert.equal(await count("SELECT COUNT(*) AS n FROM findings WHERE rule = 'host-quiet' AND match <> 'web3'"), 0);
    assert.equal(await count("SELECT COUNT(*) AS n FROM findings WHERE rule = 'host-quiet'"), 1);
    // one leader at a time: the other server stood by; when the dropped connection took the
    // lock away, whichever took it next leads, and both servers are still running
    assert.match(logs.get('server-b') ?? '', /standing by/);
    assert.match(logs.get('server-a') ?? '', /lost the lead/);
    for (const s of ['server-a', 'server-b']) assert.equal(procs.get(s)?.exitCode, null, `${s} is running`);
    const leaders = (
      await client.query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = 1380536387 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      )
    ).rows[0]?.n;
    assert.equal(Number(leaders), 1, 'exactly one server holds the lead');
  } catch (e) {
    // what each process said, to see why
    for (const [name, text] of logs) console.error(`--- ${name}\n${text.slice(-6000)}`);
    throw e;
  } finally {
    // a process killed by a signal has a signalCode and no exitCode
    const running = [...procs.values()].filter((p) => p.exitCode === null && p.signalCode === null);
    for (const p of running) p.kill('SIGKILL');
    await Promise.all(
      running.map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((r) => p.once('exit', r)))),
    );
    await client.end();
    await cleanup();
    rmSync(root, { recursive: true, force: true });
  }
});

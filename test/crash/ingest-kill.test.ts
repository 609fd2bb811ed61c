// Crash safety of the traffic record: a real `ripcord run` is killed with SIGKILL again and
// again while it ingests a growing log (with a rotation in the middle); afterwards every line
// is stored exactly once. Run against SQLite and PostgreSQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');

function line(n: number): string {
  const d = new Date(Date.UTC(2026, 10, 2, 10, 0, 0) + n * 10);
  const ts = `02/Nov/2026:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
  return `192.0.2.${n % 250} - - [${ts}] "GET /p/${n}?q=x HTTP/1.1" 200 ${n % 9000} "-" "Mozilla/5.0 (crash-test)"\n`;
}

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += line(i);
  return s;
}

function runFor(cfg: string, ms: number | null): Promise<number | null> {
  return new Promise((resolveRun, reject) => {
    const args = ['--config', cfg, 'run', '--poll-ms', '20'];
    if (ms === null) args.push('--once');
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    // Kill only once it has started reading (start-up time varies a lot between machines).
    let timer: NodeJS.Timeout | null = null;
    child.stderr.on('data', () => {
      if (ms !== null && timer === null && err.includes('ripcord running'))
        timer = setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolveRun(null);
      else if (code === 0) resolveRun(0);
      else reject(new Error(`ripcord run exited ${code}: ${err}`));
    });
  });
}

for (const f of dbFactories) {
  test(`kill -9 during ingestion neither loses nor doubles a line (${f.name})`, {
    ...(await factoryOptions(f)),
    timeout: 240_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
    const tdb = await f.create();
    t.after(async () => {
      await tdb.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    const log = join(dir, 'access.log');
    const cfg = join(dir, 'ripcord.yml');
    writeFileSync(
      cfg,
      `stateDir: ./state\nstore: "${tdb.location}"\nsources:\n  - type: file\n    id: access\n    path: ./access.log\n    format: nginx\nlogs:\n  batchLines: 700\ndetect:\n  enabled: false\n`,
    );
    // Read through the store, as `ripcord logs` does (on SQLite requests are column blocks).
    const store = createEventStore(tdb.db);
    await store.init();
    let written = 60_000;
    writeFileSync(log, lines(1, written));
    const kills = 7;
    const progress: number[] = [];
    for (let i = 0; i < kills; i++) {
      // Grow the log while the process may be mid-transaction, and rotate once in the middle.
      appendFileSync(log, lines(written + 1, written + 15_000));
      written += 15_000;
      if (i === 3) {
        renameSync(log, `${log}.1`);
        writeFileSync(log, '');
      }
      await runFor(cfg, 150 + ((i * 337) % 700));
      progress.push((await store.counts()).http);
    }
    // The kills really landed mid-way: the record grew between kills without being complete.
    assert.ok(
      new Set(progress.filter((n) => n > 0 && n < written)).size >= 3,
      `stored after each kill: ${progress.join(', ')}`,
    );
    const code = await runFor(cfg, null);
    assert.equal(code, 0);
    const all = await store.searchHttp({ limit: written * 2 });
    assert.equal(new Set(all.map((r) => r.path)).size, written, 'every line stored');
    assert.equal(all.length, written, 'no line stored twice');
    assert.equal((await store.counts()).http, written, 'the catalog agrees with the blocks');
    assert.equal(new Set(all.map((r) => r.id)).size, written, 'every request has its own id');
    const rej = await tdb.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM log_rejects');
    assert.equal(Number(rej[0]?.n), 0);
  });
}

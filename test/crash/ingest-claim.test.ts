// Two writers on one source: real `ripcord ingest` processes of the same big file into the same
// store at once, one of them killed with SIGKILL half-way and run again. Each batch claims the
// checkpoint it started from, so whatever runs at once every line is stored exactly once; a
// writer that finds the source claimed stops with exit 9 and says why. SQLite and PostgreSQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { createEventStore } from '../../src/adapters/db/stores.ts';
import { fileSourceId } from '../../src/logs/index.ts';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');

function lines(tag: string, n: number): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const s = String(i % 60).padStart(2, '0');
    out.push(
      `192.0.2.${i % 250} - - [02/Nov/2026:10:00:${s} +0000] "GET /${tag}/${i} HTTP/1.1" 200 ${i % 9000} "-" "claim-test"`,
    );
  }
  return `${out.join('\n')}\n`;
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function ingest(cfg: string, file: string): { child: ChildProcess; ended: Promise<Ended> } {
  const child = spawn(process.execPath, [cli, '--config', cfg, 'ingest', '--no-detect', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ended = new Promise<Ended>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stderr }));
  });
  return { child, ended };
}

/** A writer either stored its part or was refused with the documented exit code and message. */
function assertFinishedOrRefused(e: Ended, who: string): boolean {
  if (e.code === 0) return false;
  assert.equal(e.code, 9, `${who} exited ${e.code} ${e.signal ?? ''}: ${e.stderr}`);
  assert.match(e.stderr, /another process is reading this source/, who);
  return true;
}

for (const f of dbFactories) {
  test(`two ingests of one file at once, one killed and run again, store every line once (${f.name})`, {
    ...(await factoryOptions(f)),
    timeout: 300_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-claim-'));
    const tdb = await f.create();
    t.after(async () => {
      await tdb.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    const n = f.name === 'sqlite' ? 80_000 : 40_000;
    const cfg = join(dir, 'ripcord.yml');
    writeFileSync(cfg, `stateDir: ./state\nstore: "${tdb.location}"\nlogs:\n  batchLines: 1000\n`);
    const store = createEventStore(tdb.db);
    await store.init();
    const storedOnce = async (file: string, tag: string) => {
      const rows = await store.searchHttp({ source: fileSourceId(file), limit: n * 3 });
      assert.equal(new Set(rows.map((r) => r.path)).size, n, `${tag}: every line stored`);
      assert.equal(rows.length, n, `${tag}: no line stored twice`);
      assert.equal((await store.sourceState(fileSourceId(file)))?.lines, n, `${tag}: the counters agree`);
    };
    let refusals = 0;

    // 1. Two writers started together, both left to finish.
    const a = join(dir, 'a.log');
    writeFileSync(a, lines('a', n));
    const [a1, a2] = await Promise.all([ingest(cfg, a).ended, ingest(cfg, a).ended]);
    if (assertFinishedOrRefused(a1, 'first writer')) refusals++;
    if (assertFinishedOrRefused(a2, 'second writer')) refusals++;
    assert.ok(refusals <= 1, 'at most one of the two is refused');
    await storedOnce(a, 'together');

    // 2. One writer is under way when a second starts; the first is killed half-way, the
    //    second finishes or is refused, and the first is run again.
    const b = join(dir, 'b.log');
    writeFileSync(b, lines('b', n));
    const first = ingest(cfg, b);
    const progress = async () => (await store.sourceState(fileSourceId(b)))?.lines ?? 0;
    while ((await progress()) === 0) await new Promise((r) => setTimeout(r, 5));
    const second = ingest(cfg, b);
    while ((await progress()) < n / 4) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    const killed = await first.ended;
    const atKill = await progress();
    assert.equal(killed.signal, 'SIGKILL', `the first writer was killed, not finished: ${killed.stderr}`);
    if (assertFinishedOrRefused(await second.ended, 'second writer')) refusals++;
    const again = await ingest(cfg, b).ended;
    assert.equal(again.code, 0, again.stderr);
    await storedOnce(b, 'after the kill');
    t.diagnostic(`stored when killed: ${atKill} of ${n}; refused writers: ${refusals}`);

    // 3. A serial re-run reads nothing new.
    const rerun = await ingest(cfg, a).ended;
    assert.equal(rerun.code, 0, rerun.stderr);
    await storedOnce(a, 'serial re-run');
  });
}

// Two writers of one source never store a line twice: two real `ripcord ingest` processes import
// the same log into the same store at once (SQLite state directory, PostgreSQL database), and a
// writer killed with SIGKILL mid-way is followed by two more at once. Exactly one writer holds
// the source's checkpoint at a time (a claim in each batch's transaction); the others stop with
// exit 9 (conflict) and nothing of their refused batch stored. A last serial run completes it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import { dbFactories, factoryOptions } from '../helpers/db.ts';

const cli = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const LINES = 120_000;

function logText(n: number): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const d = new Date(Date.UTC(2026, 10, 2, 10, 0, 0) + i * 10);
    const p = (x: number) => String(x).padStart(2, '0');
    out.push(
      `192.0.2.${i % 250} - - [02/Nov/2026:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000] "GET /p/${i}?q=x HTTP/1.1" 200 ${i % 9000} "-" "Mozilla/5.0 (two writers)"\n`,
    );
  }
  return out.join('');
}

interface Run {
  code: Promise<number | null>;
  kill(): void;
}

function ingest(cfg: string, log: string): Run {
  const child = spawn(process.execPath, [cli, '--config', cfg, 'ingest', log], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  const code = new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c, signal) => {
      if (signal === 'SIGKILL') res(null);
      else if (c === 0 || c === 9) res(c);
      else rej(new Error(`ripcord ingest exited ${c}: ${err}`));
    });
  });
  return { code, kill: () => child.kill('SIGKILL') };
}

for (const f of dbFactories) {
  test(`two writers of one source store every line exactly once (${f.name})`, {
    ...(await factoryOptions(f)),
    timeout: 240_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-writers-'));
    const tdb = await f.create();
    t.after(async () => {
      await tdb.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    const log = join(dir, 'access.log');
    writeFileSync(log, logText(LINES));
    const cfg = join(dir, 'ripcord.yml');
    writeFileSync(cfg, `stateDir: ./state\nstore: "${tdb.location}"\ndetect:\n  enabled: false\n`);
    const store = createEventStore(tdb.db);
    await store.init();
    const stored = async (name: string) => (await store.listSources()).find((s) => s.id.endsWith(name))?.lines ?? 0;

    // Two at once: each stops at the first batch the other claimed first.
    const codes = await Promise.all([ingest(cfg, log).code, ingest(cfg, log).code]);
    assert.ok(codes.includes(0), `one writer finishes (exit codes ${codes.join(', ')})`);

    // A writer killed mid-way, then two at once, then one alone to finish.
    const second = join(dir, 'second.log');
    writeFileSync(second, logText(LINES));
    const killed = ingest(cfg, second);
    for (let i = 0; i < 4000 && (await stored('second.log')) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    killed.kill();
    assert.equal(await killed.code, null, 'the first writer was killed before it finished');
    const midway = await stored('second.log');
    assert.ok(midway > 0 && midway < LINES, `killed mid-way (${midway} of ${LINES} lines stored)`);
    await Promise.all([ingest(cfg, second).code, ingest(cfg, second).code]);
    assert.equal(await ingest(cfg, second).code, 0);
    assert.equal(await ingest(cfg, log).code, 0);

    for (const s of await store.listSources()) {
      assert.equal(s.lines, LINES, `${s.id}: every line counted once`);
      assert.equal(s.events, LINES);
      const rows = await store.searchHttp({ source: s.id, limit: LINES * 2 });
      assert.equal(rows.length, LINES, `${s.id}: every request stored once`);
      assert.equal(new Set(rows.map((r) => r.line)).size, LINES, `${s.id}: no line stored twice`);
      assert.equal(new Set(rows.map((r) => r.id)).size, LINES, `${s.id}: ids unique`);
    }
  });
}

// Crash safety with detection split across two threads (detect.thread: true): a real
// `ripcord ingest` is killed with SIGKILL again and again while the worker holds batches whose
// verdicts are not back yet; afterwards every line is stored once and every signature finding
// exactly once, the same ones an uninterrupted run on one thread stores.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import { loadRules } from '../../src/detect/index.ts';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');
const LINES = 150_000;

const attacks = [
  '/catalog/product/view/id/1+union+select+1,2,3--',
  '/search?q=%3Cscript%3Ealert(1)%3C/script%3E',
  '/media/../../../../etc/passwd',
  '/index.php?cmd=;cat+/etc/passwd',
];

function log(): string {
  const out: string[] = [];
  for (let n = 1; n <= LINES; n++) {
    const d = new Date(Date.UTC(2026, 10, 2, 10, 0, 0) + n * 1000);
    const ts = `02/Nov/2026:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
    // each attack from its own address and time, so each is one finding of its own
    const target = n % 97 === 0 ? `${attacks[n % attacks.length]}&n=${n}` : `/p/${n}.html`;
    out.push(`192.0.2.${n % 250} - - [${ts}] "GET ${target} HTTP/1.1" 200 ${n % 9000} "-" "Mozilla/5.0 (crash-test)"`);
  }
  return `${out.join('\n')}\n`;
}

/** The stored checkpoint of the log (null before the first commit), read without writing. */
function checkpointOf(dbPath: string): string | null {
  try {
    const db = new DatabaseSync(dbPath, { readOnly: true, timeout: 1000 });
    try {
      const row = db.prepare('SELECT checkpoint FROM log_sources LIMIT 1').get() as { checkpoint: string } | undefined;
      return row?.checkpoint ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null; // not created yet
  }
}

/**
 * Runs an import; with `killAfterMs`, kills it that long after its first commit of this run
 * (start-up time varies too much between machines for a fixed delay).
 */
function ingest(cfg: string, file: string, dbPath: string, killAfterMs: number | null): Promise<number | null> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [cli, '--config', cfg, 'ingest', '--format', 'nginx', '--json', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const start = checkpointOf(dbPath);
    let timer: NodeJS.Timeout | null = null;
    const poll =
      killAfterMs === null
        ? null
        : setInterval(() => {
            if (timer !== null || checkpointOf(dbPath) === start) return;
            timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          }, 10);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') done(null);
      else if (code === 0) done(0);
      else reject(new Error(`ripcord ingest exited ${code}: ${err}`));
    });
  });
}

async function stored(path: string): Promise<{ http: number; signatures: string[] }> {
  const db = new SqliteDb(path);
  try {
    const store = createEventStore(db);
    await store.init();
    const signatureRules = new Set(
      loadRules()
        .compiled.rules.filter((r) => r.kind === 'signature')
        .map((r) => r.id),
    );
    const findings = await store.findingsAfter(0, 1_000_000);
    return {
      http: (await store.counts()).http,
      signatures: findings
        .filter((f) => signatureRules.has(f.rule))
        .map((f) => JSON.stringify([f.rule, f.ip, f.time, f.match]))
        .sort(),
    };
  } finally {
    await db.close();
  }
}

test('kill -9 while the detection thread holds batches: every line once, every finding once', {
  timeout: 300_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-thread-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'access.log');
  writeFileSync(file, log());
  const config = (name: string, thread: boolean) => {
    const cfg = join(dir, `${name}.yml`);
    writeFileSync(
      cfg,
      `stateDir: ./${name}\nstore: "sqlite:${join(dir, `${name}.db`)}"\nlogs:\n  batchLines: 1000\ndetect:\n  thread: ${thread}\n`,
    );
    return cfg;
  };
  const threaded = config('threaded', true);
  const progress: number[] = [];
  for (let i = 0; i < 6; i++) {
    await ingest(threaded, file, join(dir, 'threaded.db'), (i * 53) % 250);
    progress.push((await stored(join(dir, 'threaded.db'))).http);
  }
  assert.equal(await ingest(threaded, file, join(dir, 'threaded.db'), null), 0);
  // The kills landed mid-way: the record grew between kills without being complete.
  assert.ok(
    new Set(progress.filter((n) => n > 0 && n < LINES)).size >= 2,
    `stored after each kill: ${progress.join(', ')}`,
  );
  const one = config('one', false);
  assert.equal(await ingest(one, file, join(dir, 'one.db'), null), 0);
  const a = await stored(join(dir, 'threaded.db'));
  const b = await stored(join(dir, 'one.db'));
  assert.equal(a.http, LINES, 'every line stored once');
  assert.ok(b.signatures.length >= Math.floor(LINES / 97) - 5, `signature findings: ${b.signatures.length}`);
  assert.equal(new Set(a.signatures).size, a.signatures.length, 'no finding stored twice');
  assert.deepEqual(a.signatures, b.signatures);
});

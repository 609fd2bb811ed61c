// The app context: the store is opened once, lazily, and closed by close(); a traffic lookup
// never creates a store; a store locked by another writer is recognised by the driver's code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createApp } from '../../../src/app/context.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { AppError } from '../../../src/core/errors.ts';
import { FileSource } from '../../../src/adapters/sources/file.ts';
import { fileSourceId, ingestFiles } from '../../../src/logs/index.ts';

function tempState(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-app-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the store is opened once on first use, shared by every part, and closed by close()', async () => {
  const t = tempState();
  try {
    const app = createApp(loadConfig({ cwd: t.dir, stateDir: join(t.dir, 'state') }));
    assert.equal(existsSync(join(t.dir, 'state', 'ripcord.db')), false, 'nothing opened before first use');
    const [a, b] = await Promise.all([app.db(), app.db()]);
    assert.equal(a, b);
    const events = await app.events();
    assert.equal(events, await app.events());
    const outbox = await app.outbox();
    assert.equal(outbox, await app.outbox());
    assert.equal(existsSync(join(t.dir, 'state', 'ripcord.db')), true);
    await (await app.findings()).addFindings([
      {
        rule: 'r',
        category: 'c',
        severity: 'info',
        time: 1,
        ip: null,
        user: null,
        service: null,
        field: 'f',
        match: '',
        message: 'm',
        groupKey: 'g',
        evidence: [],
      },
    ]);
    await app.close();
    await app.close(); // idempotent
    await assert.rejects(app.events(), /closed/);
    // Closed means closed: the file can be opened exclusively by another connection.
    const raw = new DatabaseSync(join(t.dir, 'state', 'ripcord.db'));
    assert.equal((raw.prepare('SELECT count(*) AS n FROM findings').get() as { n: number }).n, 1);
    raw.close();
  } finally {
    t.cleanup();
  }
});

test('a traffic lookup without a store finds nothing and creates no store', async () => {
  const t = tempState();
  try {
    const app = createApp(loadConfig({ cwd: t.dir, stateDir: join(t.dir, 'state') }));
    assert.deepEqual(await app.traffic.requestsAround(Date.now(), 60_000, 10), []);
    assert.equal(existsSync(join(t.dir, 'state', 'ripcord.db')), false);
    await app.close();
  } finally {
    t.cleanup();
  }
});

test("the traffic lookup reads the requests through the context's open traffic record", async () => {
  const t = tempState();
  try {
    const log = join(t.dir, 'access.log');
    writeFileSync(
      log,
      '203.0.113.9 - - [03/Dec/2026:05:00:00 +0000] "POST /upload.php HTTP/1.1" 200 12 "-" "curl/8"\n',
    );
    const app = createApp(loadConfig({ cwd: t.dir, stateDir: join(t.dir, 'state') }));
    const events = await app.events();
    await ingestFiles(events, {
      files: [log],
      format: 'nginx',
      openSource: (f) => new FileSource({ id: fileSourceId(f), path: f, follow: false }),
    });
    const at = Date.parse('2026-12-03T05:01:00Z');
    const found = await app.traffic.requestsAround(at, 5 * 60_000, 10);
    assert.deepEqual(
      found.map((r) => [r.ip, r.method, r.path]),
      [['203.0.113.9', 'POST', '/upload.php']],
    );
    assert.equal(events, await app.events(), 'one traffic record for the whole context');
    await app.close();
  } finally {
    t.cleanup();
  }
});

test('a store whose write lock another process holds is `locked`, and waited for until the deadline', async () => {
  const t = tempState();
  try {
    const file = join(t.dir, 'state', 'ripcord.db');
    const first = createApp(loadConfig({ cwd: t.dir, stateDir: join(t.dir, 'state') }));
    await first.events();
    await first.close();
    // Another writer holds the lock in rollback-journal mode, so switching to WAL must wait.
    const holder = new DatabaseSync(file);
    holder.exec('PRAGMA journal_mode=DELETE');
    holder.exec('BEGIN EXCLUSIVE');
    const app = createApp(loadConfig({ cwd: t.dir, stateDir: join(t.dir, 'state') }), {
      store: { busyTimeoutMs: 0, openDeadline: Date.now() + 50 },
    });
    const err = await app.events().then(
      () => null,
      (e: unknown) => e,
    );
    holder.exec('ROLLBACK');
    holder.close();
    await app.close();
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, 'locked');
  } finally {
    t.cleanup();
  }
});

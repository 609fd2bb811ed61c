// Crash safety of backups: a real `ripcord backup run` (a file tree and an SQLite database) is
// killed with SIGKILL at several moments; every time `repo check` finds no error, and the next
// run completes and restores the data exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { openRepository } from '../../src/snapshots/index.ts';
import { pseudoRandom } from '../unit/snapshots/fixtures.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const PASS = 'crash test passphrase';
const env = { ...process.env, RIPCORD_PASSPHRASE: PASS, RIPCORD_TEST_SCRYPT_N: '1024' };

test('kill -9 during backup run: repo check passes and the next run succeeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-backup-crash-'));
  try {
    const site = join(dir, 'site');
    mkdirSync(join(site, 'app'), { recursive: true });
    for (let i = 0; i < 200; i++) writeFileSync(join(site, 'app', `f${i}.php`), `<?php // ${i}\n${'x'.repeat(i * 5)}`);
    for (let i = 0; i < 3; i++) writeFileSync(join(site, `media${i}.bin`), pseudoRandom(3 * 1024 * 1024, i + 7));
    const db = new DatabaseSync(join(dir, 'shop.db'));
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)');
    const ins = db.prepare('INSERT INTO orders (note) VALUES (?)');
    for (let i = 0; i < 2000; i++) ins.run(`order ${i} ${'y'.repeat(200)}`);
    db.close();
    writeFileSync(
      join(dir, 'ripcord.yml'),
      'stateDir: ./state\nrepository: {path: ./repo}\nbackup:\n  jobs:\n    - {type: files, name: site, paths: [./site]}\n    - {type: sqlite, name: shop, path: ./shop.db}\n',
    );
    const run = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'backup', 'run', '--json'], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => done({ code, stderr }));
      });
    const runAndKill = (ms: number): Promise<void> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'backup', 'run'], {
          env,
          stdio: 'ignore',
        });
        const t = setTimeout(() => child.kill('SIGKILL'), ms);
        child.on('close', () => {
          clearTimeout(t);
          done();
        });
      });
    for (const ms of [900, 1600]) {
      await runAndKill(ms);
      const repo = await openRepository(new LocalBackend(join(dir, 'repo')), PASS).catch(() => null);
      if (repo === null) continue; // killed before the repository was made
      const c = await repo.check();
      await repo.close();
      assert.equal(c.ok, true, `after a kill at ${ms} ms: ${c.errors.join('; ')}`);
    }
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    const repo = await openRepository(new LocalBackend(join(dir, 'repo')), PASS);
    try {
      assert.equal((await repo.check({ readData: true })).ok, true);
      const snaps = await repo.listSnapshots();
      const site1 = snaps.filter((s) => s.tags.includes('job:site')).at(-1);
      assert.ok(site1 !== undefined);
      const m = await repo.loadManifest(site1.id);
      const media = m.entries.find((e) => e.path === 'media2.bin');
      assert.ok(media !== undefined);
      assert.deepEqual(await repo.readFile(media), readFileSync(join(site, 'media2.bin')));
      const shop = snaps.filter((s) => s.tags.includes('job:shop')).at(-1);
      assert.equal(shop?.extra['rowCounts'], JSON.stringify({ orders: 2000 }));
    } finally {
      await repo.close();
    }
    const check = spawnSync(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'repo', 'check'], { env });
    assert.equal(check.status, 0, check.stderr.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

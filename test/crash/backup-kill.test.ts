// Crash safety of backups: a real `ripcord backup run` (a file tree and an SQLite database) is
// killed with SIGKILL at several moments; every time `repo check` finds no error, and the next
// run completes and restores the data exactly. Killed during a MariaDB dump, the dump tool dies
// too (it writes into a FIFO nobody reads) and no snapshot is left.

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
import { mysqlAdminUrl, mysqlSkip } from '../helpers/db.ts';

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

test(
  'kill -9 during a MariaDB dump: the dump tool dies with it, no snapshot, the next run succeeds',
  await mysqlSkip(),
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-dump-crash-'));
    try {
      // A mysqldump that writes forever, slowly, and records its process id: it must die of a
      // broken FIFO once ripcord is killed (it writes to nobody), not hang or linger.
      const endless = join(dir, 'endless-dump');
      writeFileSync(
        endless,
        `#!/bin/sh\necho $$ > ${join(dir, 'pid')}\necho "-- MySQL dump"\n` +
          `while :; do echo "INSERT INTO t VALUES (1,'${'z'.repeat(500)}');"; sleep 0.001; done\n`,
        { mode: 0o755 },
      );
      const finite = join(dir, 'finite-dump');
      writeFileSync(
        finite,
        `#!/bin/sh\necho "-- MySQL dump"\ni=0\nwhile [ $i -lt 2000 ]; do echo "INSERT INTO t VALUES ($i);"; i=$((i+1)); done\necho "-- Dump completed on 2026-12-04"\n`,
        { mode: 0o755 },
      );
      const url = new URL(mysqlAdminUrl);
      const conn = `host: ${url.hostname}, port: ${url.port || 3306}, user: ${decodeURIComponent(url.username) || 'root'}, database: test`;
      const config = (command: string) =>
        writeFileSync(
          join(dir, 'ripcord.yml'),
          `stateDir: ./state\nrepository: {path: ./repo}\nbackup:\n  jobs:\n    - {type: mysql, name: shopdb, ${conn}, command: ${command}}\n`,
        );
      config(endless);
      const child = spawn(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'backup', 'run'], {
        env,
        stdio: 'ignore',
      });
      const closed = new Promise((done) => child.on('close', done));
      // Killed once the dump is flowing.
      const until = Date.now() + 60_000;
      while (Date.now() < until && spawnSync('test', ['-s', join(dir, 'pid')]).status !== 0)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 700));
      child.kill('SIGKILL');
      await closed;
      const pid = Number(readFileSync(join(dir, 'pid'), 'utf8').trim());
      const alive = () => spawnSync('kill', ['-0', String(pid)]).status === 0;
      const gone = Date.now() + 10_000;
      while (alive() && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(), false, 'the dump tool died with the reader');
      const repo = await openRepository(new LocalBackend(join(dir, 'repo')), PASS);
      try {
        assert.equal((await repo.check()).ok, true);
        assert.deepEqual(await repo.listSnapshots(), [], 'no snapshot of a dump cut short');
      } finally {
        await repo.close();
      }
      config(finite);
      const next = spawnSync(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'backup', 'run', '--json'], {
        env,
      });
      assert.equal(next.status, 0, next.stderr.toString());
      const check = spawnSync(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), 'repo', 'check'], { env });
      assert.equal(check.status, 0, check.stderr.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

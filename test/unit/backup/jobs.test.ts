// The backup domain over an in-memory repository and a fake dumper: a dump whose stream ends
// cleanly becomes a tagged snapshot with its row counts; one that fails at the end (tool exit
// status, validation) leaves no snapshot and raises exactly one alert; a database restore
// streams the stored dump back; diff and --path are checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../../src/core/errors.ts';
import type { Finding } from '../../../src/core/finding.ts';
import {
  type BackupJob,
  type DatabaseDumper,
  diffSnapshots,
  latestBackup,
  recordedRowCounts,
  restoreDatabase,
  restoreFiles,
  runJob,
} from '../../../src/backup/index.ts';
import { memoryRepo, tempDir } from '../snapshots/fixtures.ts';

const clock = { now: () => Date.now() };

function fakeDumper(content: Buffer, failAtEnd: string | null, restored: Buffer[]): DatabaseDumper {
  return {
    kind: 'postgres',
    fileName: 'shop.pgdump',
    describe: 'postgres://test/shop',
    rowCounts: async () => ({ customers: 3, orders: 7 }),
    async *dump() {
      yield content.subarray(0, 10);
      yield content.subarray(10);
      if (failAtEnd !== null) throw new AppError('io', failAtEnd);
    },
    async restore(dump, target) {
      const parts: Buffer[] = [];
      for await (const c of dump) parts.push(Buffer.from(c));
      restored.push(Buffer.concat(parts));
      return target ?? 'live';
    },
    scratch: async () => 'scratch',
    rowCountsOf: async () => ({ customers: 3, orders: 7 }),
    checkRestored: async () => [],
    dropScratch: async () => {},
  };
}

test('a dump that ends cleanly is a tagged snapshot with row counts; one that fails is none, and an alert', async () => {
  const { repo } = await memoryRepo();
  const alerts: Finding[] = [];
  const deps = { repo, clock, host: 'shop1', alerts: { raise: async (f: Finding) => void alerts.push(f) } };
  const content = Buffer.from('PGDMP'.repeat(1000));
  const restored: Buffer[] = [];
  const good: BackupJob = { name: 'db', source: { kind: 'postgres', database: fakeDumper(content, null, restored) } };
  const r = await runJob(good, deps);
  assert.equal(r.ok, true);
  const [s] = await repo.listSnapshots();
  assert.deepEqual(s?.tags, ['host:shop1', 'job:db', 'kind:postgres']);
  assert.deepEqual(s && recordedRowCounts(s), { customers: 3, orders: 7 });

  const bad: BackupJob = {
    name: 'db',
    source: { kind: 'postgres', database: fakeDumper(content, 'pg_dump exited with status 3', restored) },
  };
  const r2 = await runJob(bad, deps);
  assert.equal(r2.ok, false);
  assert.match(r2.error ?? '', /status 3/);
  assert.equal((await repo.listSnapshots()).length, 1, 'no snapshot for the failed dump');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.rule, 'backup-failed');
  assert.equal(alerts[0]?.category, 'backup');

  // Restore streams the stored dump back, byte for byte; in place takes the safety snapshot first.
  const latest = await latestBackup(repo, 'db');
  assert.ok(latest !== undefined);
  const into = await restoreDatabase(repo, latest, good, { safety: () => Promise.reject(new Error('not in place')) });
  assert.equal(into.into, 'scratch');
  assert.deepEqual(restored[0], content);
  const inPlace = await restoreDatabase(repo, latest, good, {
    inPlace: true,
    safety: () => runJob(good, { ...deps, tags: ['safety'] }),
  });
  assert.equal(inPlace.into, 'live');
  assert.ok(inPlace.safetySnapshot !== undefined);
  assert.equal((await latestBackup(repo, 'db'))?.id, latest.id, 'a safety snapshot is not the newest backup');
  // A failed safety snapshot means nothing is overwritten.
  await assert.rejects(
    restoreDatabase(repo, latest, good, { inPlace: true, safety: () => runJob(bad, deps) }),
    (e: unknown) => e instanceof AppError && e.code === 'refused',
  );
  assert.equal(restored.length, 2);
  await repo.close();
});

test('file jobs: diff by path, restore of chosen paths only, --path with .. refused', async () => {
  const { repo } = await memoryRepo();
  const t = tempDir('ripcord-backup-unit-');
  try {
    const site = join(t.dir, 'site');
    mkdirSync(join(site, 'app', 'etc'), { recursive: true });
    writeFileSync(join(site, 'app', 'etc', 'env.php'), '<?php return [];');
    writeFileSync(join(site, 'index.php'), '<?php echo 1;');
    mkdirSync(join(site, 'var', 'cache'), { recursive: true });
    writeFileSync(join(site, 'var', 'cache', 'x'), 'cache');
    const job: BackupJob = {
      name: 'site',
      source: { kind: 'files', roots: [site], exclude: (rel) => rel.startsWith('var/cache') },
    };
    const deps = { repo, clock, alerts: { raise: async () => {} } };
    const a = await runJob(job, deps);
    writeFileSync(join(site, 'index.php'), '<?php echo 2;');
    writeFileSync(join(site, 'new.php'), '<?php');
    const b = await runJob(job, deps);
    const [sa, sb] = await repo.listSnapshots();
    assert.ok(a.ok && b.ok && sa !== undefined && sb !== undefined);
    const d = await diffSnapshots(repo, sa, sb);
    assert.deepEqual(d.added, [`${site}/new.php`]);
    assert.deepEqual(d.changed, [`${site}/index.php`]);
    assert.deepEqual(d.removed, []);

    const out = join(t.dir, 'out');
    mkdirSync(out);
    const r = await restoreFiles(repo, sb, out, ['app/etc']);
    assert.equal(r.files, 1);
    await assert.rejects(
      restoreFiles(repo, sb, out, ['../etc']),
      (e: unknown) => e instanceof AppError && e.code === 'usage',
    );
  } finally {
    await repo.close();
    t.cleanup();
  }
});

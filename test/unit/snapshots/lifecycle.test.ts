// Forget (keep rules), prune (deletes and repacks only what no snapshot uses) and locks
// (exclusive vs shared, stale ones recognised and removed).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src/core/errors.ts';
import { ManualClock } from '../../../src/core/clock.ts';
import { snapshotId } from '../../../src/core/ids.ts';
import { applyKeepRules } from '../../../src/snapshots/forget.ts';
import { initRepository, openRepository, type SnapshotInfo } from '../../../src/snapshots/index.ts';
import { MemoryBackend } from '../../../src/adapters/blob/memory.ts';
import { memoryRepo, PASS, pseudoRandom } from './fixtures.ts';

const snap = (id: string, time: string, host = 'web1', roots = ['/var/www']): SnapshotInfo => ({
  id: snapshotId(id),
  time,
  roots,
  tags: [],
  host,
  extra: {},
  summary: { files: 0, dirs: 0, bytes: 0, newBytes: 0, storedBytes: 0, durationMs: 0 },
});

describe('forget rules', () => {
  const list = [
    snap('a', '2026-01-01T10:00:00Z'),
    snap('b', '2026-01-01T22:00:00Z'),
    snap('c', '2026-01-02T10:00:00Z'),
    snap('d', '2026-01-09T10:00:00Z'),
    snap('e', '2026-02-01T10:00:00Z'),
    snap('f', '2026-02-01T11:00:00Z'),
    snap('x', '2026-01-01T00:00:00Z', 'web2'),
  ];
  const ids = (s: SnapshotInfo[]): string[] => s.map((x) => x.id).sort();

  it('keep-last keeps the newest N per host and roots', () => {
    const r = applyKeepRules(list, { last: 2 });
    assert.deepEqual(ids(r.keep), ['e', 'f', 'x']);
    assert.deepEqual(ids(r.remove), ['a', 'b', 'c', 'd']);
  });

  it('daily, weekly and monthly keep the newest of each bucket', () => {
    assert.deepEqual(ids(applyKeepRules(list, { daily: 3 }).keep), ['c', 'd', 'f', 'x']);
    assert.deepEqual(ids(applyKeepRules(list, { monthly: 5 }).keep), ['d', 'f', 'x']);
    assert.deepEqual(ids(applyKeepRules(list, { last: 1, hourly: 2 }).keep), ['e', 'f', 'x']);
    assert.deepEqual(ids(applyKeepRules(list, { weekly: 2, host: 'web1' }).keep), ['d', 'f', 'x']);
  });

  it('refuses to forget without a rule', () => {
    assert.throws(() => applyKeepRules(list, {}), AppError);
  });
});

describe('prune', () => {
  it('deletes data only forgotten snapshots used; the rest stays readable', async () => {
    const { repo, backend } = await memoryRepo({ compressionLevel: 0 });
    const shared = pseudoRandom(3 * 1024 * 1024, 1);
    const a = await repo.snapshotStream('a.sql', [shared, pseudoRandom(16 * 1024 * 1024, 2)]);
    const b = await repo.snapshotStream('b.sql', [shared, pseudoRandom(2 * 1024 * 1024, 3)]);
    const before = await repo.stats();
    await repo.removeSnapshots([a.id]);
    const dry = await repo.prune({ dryRun: true });
    assert.deepEqual(await repo.stats(), {
      ...before,
      snapshots: 1,
      snapshotBytes: before.snapshotBytes - a.summary.bytes,
    });
    assert.ok(dry.blobsRemoved > 0);
    const r = await repo.prune();
    assert.ok(r.bytesFreed > 12 * 1024 * 1024, `freed ${r.bytesFreed}`);
    const after = await repo.stats();
    assert.ok(after.storedBytes < before.storedBytes - 12 * 1024 * 1024);
    assert.deepEqual((await repo.check({ readData: true })).errors, []);
    const e = (await repo.loadManifest(b.id)).entries[0];
    assert.ok(e);
    assert.deepEqual(await repo.readFile(e), Buffer.concat([shared, pseudoRandom(2 * 1024 * 1024, 3)]));
    assert.equal((await backend.list('index')).length, 1, 'prune leaves one index');
    // Nothing left to do the second time.
    const again = await repo.prune();
    assert.equal(again.packsDeleted + again.packsRepacked, 0);
  });

  it('forget with keep-last, then prune, keeps the newest snapshots whole', async () => {
    const { repo } = await memoryRepo();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await repo.snapshotStream('dump.sql', [pseudoRandom(300_000, 10 + i)])).id);
    const f = await repo.forget({ last: 2 });
    assert.equal(f.remove.length, 2);
    await repo.prune({ maxUnused: 0 });
    assert.deepEqual((await repo.listSnapshots()).map((s) => s.id).sort(), ids.slice(2).sort());
    for (const id of ids.slice(2)) {
      const e = (await repo.loadManifest(id)).entries[0];
      assert.ok(e);
      assert.equal((await repo.readFile(e)).length, 300_000);
    }
    const s = await repo.stats();
    assert.ok(s.rawBytes < 3 * 300_000, `only two snapshots' data left (${s.rawBytes})`);
    assert.deepEqual((await repo.check({ readData: true })).errors, []);
  });
});

describe('locks', () => {
  it('an exclusive lock keeps others out; a shared one only keeps exclusive ones out', async () => {
    const backend = new MemoryBackend();
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const repo = await initRepository(backend, PASS, { scryptN: 1024, clock });
    const other = await openRepository(backend, PASS, { clock });
    // Make prune wait inside its lock until we have looked.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const stream = (async function* () {
      yield Buffer.from('x');
      await gate;
    })();
    const running = repo.snapshotStream('s', stream);
    await new Promise((r) => setImmediate(r));
    const locks = await other.listLocks();
    assert.equal(locks.length, 1);
    assert.equal(locks[0]?.exclusive, false);
    await assert.rejects(other.prune(), (e: unknown) => e instanceof AppError && e.code === 'locked');
    const c = await other.check();
    assert.equal(c.ok, true, 'check runs beside a backup');
    release();
    await running;
    assert.equal((await other.listLocks()).length, 0);
    await other.prune();
  });

  it('a lock of a dead process, or an old one, is stale: ignored, and removed by unlock', async () => {
    const backend = new MemoryBackend();
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const repo = await initRepository(backend, PASS, { scryptN: 1024, clock, staleLockMs: 60_000 });
    // Simulate a killed prune: a lock as if PID 2^22+7 (no such process) on this host held it.
    const { sealJson } = await import('../../../src/snapshots/files.ts');
    const { hostname } = await import('node:os');
    const repoKey = (repo as unknown as { key: { enc: Buffer } }).key.enc;
    await backend.put(
      'locks',
      'a'.repeat(64),
      sealJson(repoKey, 'locks', {
        host: hostname(),
        pid: 4194311,
        time: new Date(clock.now()).toISOString(),
        exclusive: true,
      }),
    );
    await backend.put(
      'locks',
      'b'.repeat(64),
      sealJson(repoKey, 'locks', {
        host: 'other-host',
        pid: 1,
        time: new Date(clock.now()).toISOString(),
        exclusive: true,
      }),
    );
    const l1 = await repo.listLocks();
    assert.deepEqual(l1.map((l) => [l.id[0], l.stale]).sort(), [
      ['a', true],
      ['b', false],
    ]);
    await assert.rejects(
      repo.prune(),
      (e: unknown) => e instanceof AppError && e.code === 'locked',
      'a live lock on another host blocks',
    );
    clock.advance(120_000);
    assert.ok(
      (await repo.listLocks()).every((l) => l.stale),
      'old locks are stale whatever the host',
    );
    await repo.prune();
    assert.equal((await repo.listLocks()).length, 0, 'taking a lock clears stale ones');
    await backend.put(
      'locks',
      'c'.repeat(64),
      sealJson(repoKey, 'locks', {
        host: hostname(),
        pid: 4194311,
        time: new Date(clock.now()).toISOString(),
        exclusive: false,
      }),
    );
    assert.equal(await repo.unlock(), 1);
    assert.equal((await repo.listLocks()).length, 0);
  });
});

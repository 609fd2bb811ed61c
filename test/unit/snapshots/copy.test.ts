// Copying snapshots between repositories (src/snapshots/copy.ts), in memory: a target made for
// copies (same id key, its own encryption key and passphrase) receives only missing blobs,
// re-sealed; a target with its own id key gets every content under its ids; the copied
// snapshots restore byte for byte, `check --read-data` passes, a second copy sends nothing,
// and a damaged source blob is refused instead of copied.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBackend } from '../../../src/adapters/blob/memory.ts';
import { AppError } from '../../../src/core/errors.ts';
import {
  copySnapshots,
  initCopyTarget,
  initRepository,
  openRepository,
  type Repository,
} from '../../../src/snapshots/index.ts';
import { memoryRepo, PASS, pseudoRandom, tempDir } from './fixtures.ts';

const OTHER = 'another passphrase for the off-site copy';

function tree(dir: string, version: number): void {
  mkdirSync(join(dir, 'app'), { recursive: true });
  for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'app', `f${i}.php`), `<?php // ${i} v${i < 3 ? version : 0}\n`);
  writeFileSync(join(dir, 'big.bin'), pseudoRandom(3 * 1024 * 1024, 7));
  writeFileSync(join(dir, `v${version}.bin`), pseudoRandom(700 * 1024, 100 + version));
}

async function sameTree(repo: Repository, id: string, dir: string): Promise<void> {
  const t = tempDir('ripcord-copy-restore-');
  try {
    await repo.restore((await repo.findSnapshot(id)).id, t.dir);
    for (const rel of ['app/f0.php', 'app/f29.php', 'big.bin'])
      assert.deepEqual(readFileSync(join(t.dir, rel)), readFileSync(join(dir, rel)), rel);
  } finally {
    t.cleanup();
  }
}

describe('copy between repositories', () => {
  it('sends only missing blobs, re-encrypted, to a target with another passphrase and key', async () => {
    const src = tempDir();
    try {
      tree(src.dir, 1);
      const { repo: a } = await memoryRepo();
      const s1 = await a.snapshot([src.dir]);
      const tb = new MemoryBackend();
      const b = await initCopyTarget(a, tb, OTHER, { scryptN: 1024 });

      const r1 = await copySnapshots(a, b);
      assert.equal(r1.sameIds, true);
      assert.equal(r1.reencrypted, true);
      assert.deepEqual(
        r1.snapshots.map((s) => s.copied),
        [true],
      );
      assert.ok(r1.blobsCopied > 30);

      // The target opens with its own passphrase only, and its data is not the source's bytes.
      await assert.rejects(
        openRepository(tb, PASS),
        (e: unknown) => e instanceof AppError && e.code === 'wrong_passphrase',
      );
      const b2 = await openRepository(tb, OTHER);
      const check = await b2.check({ readData: true });
      assert.deepEqual(check.errors, []);
      assert.equal(check.ok, true);
      await sameTree(b2, r1.snapshots[0]?.to ?? '', src.dir);

      // Again: nothing to send. After a change: only the new blobs.
      const again = await copySnapshots(a, b2);
      assert.equal(again.blobsCopied, 0);
      assert.deepEqual(
        again.snapshots.map((s) => s.copied),
        [false],
      );
      tree(src.dir, 2);
      const s2 = await a.snapshot([src.dir], { parent: s1.id });
      const r2 = await copySnapshots(a, b2, [s2.id]);
      assert.deepEqual(
        r2.snapshots.map((s) => s.copied),
        [true],
      );
      assert.ok(r2.blobsCopied >= 2 && r2.blobsCopied <= 8, `copied ${r2.blobsCopied} blobs`);
      const copied = await b2.findSnapshot(r2.snapshots[0]?.to ?? '');
      assert.equal(copied.time, (await a.findSnapshot(s2.id)).time);
      await sameTree(b2, copied.id, src.dir);
      assert.equal((await b2.check({ readData: true })).ok, true);
    } finally {
      src.cleanup();
    }
  });

  it('a target with its own id key gets every content under its own ids', async () => {
    const src = tempDir();
    try {
      tree(src.dir, 1);
      const { repo: a } = await memoryRepo();
      await a.snapshot([src.dir]);
      const tb = new MemoryBackend();
      const b = await initRepository(tb, OTHER, { scryptN: 1024 });
      const r = await copySnapshots(a, b, ['latest']);
      assert.equal(r.sameIds, false);
      assert.equal((await b.check({ readData: true })).ok, true);
      await sameTree(b, 'latest', src.dir);
      const again = await copySnapshots(a, b);
      assert.equal(again.blobsCopied, 0);
    } finally {
      src.cleanup();
    }
  });

  it('refuses to copy a damaged blob, and leaves the target without the snapshot', async () => {
    const src = tempDir();
    try {
      tree(src.dir, 1);
      const { repo: a, backend } = await memoryRepo();
      await a.snapshot([src.dir]);
      // Flip a byte inside the biggest pack (blob data, not its header).
      const [key, pack] =
        [...backend.files].filter(([k]) => k.startsWith('data/')).sort((x, y) => y[1].length - x[1].length)[0] ?? [];
      assert.ok(key !== undefined && pack !== undefined);
      pack[100] = (pack[100] ?? 0) ^ 0xff;
      const b = await initCopyTarget(a, new MemoryBackend(), OTHER, { scryptN: 1024 });
      await assert.rejects(copySnapshots(a, b), AppError);
      assert.equal((await b.listSnapshots()).length, 0);
      assert.equal((await b.check()).ok, true);
    } finally {
      src.cleanup();
    }
  });

  it('refuses to copy a repository onto itself', async () => {
    const { repo } = await memoryRepo();
    await assert.rejects(copySnapshots(repo, repo), (e: unknown) => e instanceof AppError && e.code === 'usage');
  });
});

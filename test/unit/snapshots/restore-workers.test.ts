// Restores whose blobs are opened on worker threads: small files' blobs opened ahead in
// batches; a damaged blob fails the restore naming the file and leaves no file behind; a file
// that appears at a target meanwhile is replaced; big blobs are opened off-thread, and from a
// local repository the workers read the packs and write a big file in place, hashing it back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { LocalBackend } from '../../../src/adapters/blob/local.ts';
import { AppError } from '../../../src/core/errors.ts';
import { initRepository, type ManifestEntry, type Repository } from '../../../src/snapshots/index.ts';
import { memoryRepo, PASS, pseudoRandom, tempDir } from './fixtures.ts';

function shopTree(root: string, files: number): Map<string, Buffer> {
  const want = new Map<string, Buffer>();
  for (let i = 0; i < files; i++) {
    const rel = `app/code/m${i % 7}/File${i}.php`;
    mkdirSync(join(root, `app/code/m${i % 7}`), { recursive: true });
    const body = Buffer.from(`<?php // file ${i}\n${'return $this->price * $qty;\n'.repeat(1 + (i % 50))}`);
    writeFileSync(join(root, rel), body);
    chmodSync(join(root, rel), i % 3 === 0 ? 0o640 : 0o644);
    utimesSync(join(root, rel), 1_600_000_000 + i, 1_600_000_000 + i);
    want.set(rel, body);
  }
  return want;
}

/**
 * For a restore's filter, which is called as each entry is reached (after the target was found
 * empty): writes someone else's file at `rel` under `target` when the restore reaches it.
 */
function planting(target: string, rel: string): (e: ManifestEntry) => void {
  return (e) => {
    if (e.path !== rel) return;
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    writeFileSync(join(target, rel), 'planted by someone else');
  };
}

describe('restore with worker threads', () => {
  it('restores every small file of a new folder with its content, mode and time', async () => {
    const src = tempDir();
    const out = tempDir();
    try {
      const want = shopTree(src.dir, 700);
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([src.dir]);
      const target = join(out.dir, 'new');
      const r = await repo.restore(snap.id, target);
      assert.equal(r.files, 700);
      for (const [rel, body] of want) {
        const p = join(target, rel);
        assert.deepEqual(readFileSync(p), body, rel);
        const a = lstatSync(p);
        const b = lstatSync(join(src.dir, rel));
        assert.equal(a.mode, b.mode, `${rel} mode`);
        assert.equal(Math.round(a.mtimeMs), Math.round(b.mtimeMs), `${rel} time`);
      }
    } finally {
      src.cleanup();
      out.cleanup();
    }
  });

  it('a damaged blob fails the restore with corrupt, naming the file, and leaves no file for it', async () => {
    const src = tempDir();
    const out = tempDir();
    try {
      mkdirSync(join(src.dir, 'media'));
      writeFileSync(join(src.dir, 'media', 'skin.js'), 'var checkout = { total: 12.5 };\n'.repeat(40));
      const { repo, backend } = await memoryRepo();
      const snap = await repo.snapshot([src.dir]);
      // The one data pack holds the file's blob (and the tree blobs): flip a byte inside the file's blob.
      const manifest = await repo.loadManifest(snap.id);
      const entry = manifest.entries.find((e) => e.path === 'media/skin.js');
      assert.ok(entry?.chunks?.[0]);
      const packs = await backend.list('data');
      let flipped = false;
      for (const p of packs) {
        const key = `data/${p.name}`;
        const bytes = Buffer.from(backend.files.get(key) as Buffer);
        // The file's blob comes first in its pack (written before the manifest's tree blobs).
        bytes[20] = (bytes[20] as number) ^ 0x01;
        backend.files.set(key, bytes);
        flipped = true;
      }
      assert.ok(flipped);
      const target = join(out.dir, 'new');
      await assert.rejects(
        repo.restore(snap.id, target),
        (e: unknown) => e instanceof AppError && e.code === 'corrupt' && (e.where ?? '').includes('media/skin.js'),
      );
      assert.equal(existsSync(join(target, 'media', 'skin.js')), false);
    } finally {
      src.cleanup();
      out.cleanup();
    }
  });

  it('a file that appears at a target during the restore is replaced with the right content', async () => {
    const src = tempDir();
    const out = tempDir();
    try {
      const want = shopTree(src.dir, 50);
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([src.dir]);
      const target = join(out.dir, 'new');
      const planted = 'app/code/m3/File10.php';
      const plant = planting(target, planted);
      const r = await repo.restore(snap.id, target, {
        filter: (e) => {
          plant(e);
          return true;
        },
      });
      assert.equal(r.files, 50);
      assert.deepEqual(readFileSync(join(target, planted)), want.get(planted));
    } finally {
      src.cleanup();
      out.cleanup();
    }
  });

  it('into a folder with content, blobs opened ahead and big blobs opened off-thread restore exactly', async () => {
    const src = tempDir();
    const out = tempDir();
    try {
      const want = shopTree(src.dir, 300);
      const big = pseudoRandom(3 * 1024 * 1024, 7);
      writeFileSync(join(src.dir, 'dump.sql'), big);
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([src.dir]);
      writeFileSync(join(out.dir, 'already-here.txt'), 'keep me');
      const r = await repo.restore(snap.id, out.dir);
      assert.equal(r.files, 301);
      for (const [rel, body] of want) assert.deepEqual(readFileSync(join(out.dir, rel)), body, rel);
      assert.ok(readFileSync(join(out.dir, 'dump.sql')).equals(big));
      assert.equal(readFileSync(join(out.dir, 'already-here.txt'), 'utf8'), 'keep me');
    } finally {
      src.cleanup();
      out.cleanup();
    }
  });

  it('from a local repository the workers read and write a big file in place (hashed back with verify); small files beside it; a damaged chunk fails it', async () => {
    const src = tempDir();
    const out = tempDir();
    const store = tempDir('ripcord-repo-');
    try {
      // Several chunks (512 KiB to 8 MiB each), incompressible, so each chunk is its own blob.
      const big = pseudoRandom(6 * 1024 * 1024 + 12345, 11);
      writeFileSync(join(src.dir, 'shop.sql'), big);
      // Small files beside it, opened ahead.
      const small = shopTree(src.dir, 120);
      const backend = new LocalBackend(store.dir);
      const repo = await initRepository(backend, PASS, { scryptN: 1024 });
      const snap = await repo.snapshot([src.dir]);
      const entry = (await repo.loadManifest(snap.id)).entries.find((e) => e.path === 'shop.sql');
      assert.ok(entry?.chunks !== undefined && entry.chunks.length > 1, 'the file has several chunks');
      // Written in place by the workers (restore), and read through them (openFile).
      await repo.restore(snap.id, join(out.dir, 'a'));
      assert.ok(readFileSync(join(out.dir, 'a', 'shop.sql')).equals(big));
      for (const [rel, body] of small) assert.deepEqual(readFileSync(join(out.dir, 'a', rel)), body, rel);
      assert.ok((await repo.readFile(entry)).equals(big));
      // `verify` reads the written file back into its whole hash: an entry whose recorded hash
      // differs from what was written fails with it and leaves nothing; without it, each chunk
      // checked against its id is the check, and the same entry restores its chunks.
      const wrongHash = { ...entry, hash: 'ab'.repeat(32) };
      await assert.rejects(
        repo.restoreEntry(wrongHash, join(out.dir, 'v.sql'), { verify: true }),
        (e: unknown) => e instanceof AppError && e.code === 'corrupt',
      );
      assert.equal(existsSync(join(out.dir, 'v.sql')), false, 'nothing left when the read-back hash differs');
      await repo.restoreEntry(wrongHash, join(out.dir, 'v.sql'));
      assert.ok(readFileSync(join(out.dir, 'v.sql')).equals(big));
      await repo.restore(snap.id, join(out.dir, 'c'), { verify: true });
      assert.ok(readFileSync(join(out.dir, 'c', 'shop.sql')).equals(big), 'a verified restore is whole');
      // Damage the middle of the pack holding the second chunk: both ways fail with corrupt.
      const packs = await backend.list('data');
      for (const p of packs) {
        const path = backend.dataPath(p.name);
        const bytes = readFileSync(path);
        bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x04;
        writeFileSync(path, bytes);
      }
      const corrupt = (e: unknown) => e instanceof AppError && e.code === 'corrupt';
      await assert.rejects(repo.restore(snap.id, join(out.dir, 'b')), corrupt);
      assert.equal(existsSync(join(out.dir, 'b', 'shop.sql')), false, 'no damaged file left under its name');
      await assert.rejects(repo.readFile(entry), corrupt);
    } finally {
      src.cleanup();
      out.cleanup();
      store.cleanup();
    }
  });

  it("a big file's short last chunk (a slice of Node's shared buffer pool) comes back from the worker", async () => {
    const src = tempDir();
    const store = tempDir('ripcord-repo-');
    try {
      // Zeros never cut early: 8 MiB + 100 bytes make full chunks and a 100-byte last one.
      const content = Buffer.alloc(8 * 1024 * 1024 + 100);
      writeFileSync(join(src.dir, 'zeros.bin'), content);
      const repo = await initRepository(new LocalBackend(store.dir), PASS, { scryptN: 1024 });
      const snap = await repo.snapshot([src.dir]);
      const entry = (await repo.loadManifest(snap.id)).entries.find((e) => e.path === 'zeros.bin');
      assert.ok(entry?.chunks !== undefined && entry.chunks.length > 1);
      assert.ok((await repo.readFile(entry)).equals(content));
    } finally {
      src.cleanup();
      store.cleanup();
    }
  });

  /** A source folder, an output folder and a local repository, removed afterwards. */
  async function withLocalRepo(
    f: (t: { src: string; out: string; backend: LocalBackend; repo: Repository }) => Promise<void>,
  ): Promise<void> {
    const src = tempDir();
    const out = tempDir();
    const store = tempDir('ripcord-repo-');
    try {
      const backend = new LocalBackend(store.dir);
      const repo = await initRepository(backend, PASS, { scryptN: 1024 });
      await f({ src: src.dir, out: out.dir, backend, repo });
    } finally {
      src.cleanup();
      out.cleanup();
      store.cleanup();
    }
  }

  describe('small files written whole by the workers (a local repository, a new folder)', () => {
    it('restores content, mode and time, odd names, empty files, symlinks and hard links beside them', () =>
      withLocalRepo(async ({ src, out, repo }) => {
        const want = shopTree(src, 400);
        // A name that is not UTF-8 (Latin-1 é), one that is, an empty file, a symlink, a hard link.
        const odd = Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9]), Buffer.from('.php')]);
        writeFileSync(odd, 'latin1 name');
        writeFileSync(join(src, 'Größe.php'), 'utf-8 name');
        writeFileSync(join(src, 'empty.txt'), '');
        symlinkSync('app/code/m1/File1.php', join(src, 'link.php'));
        linkSync(join(src, 'app/code/m2/File2.php'), join(src, 'hard.php'));
        const snap = await repo.snapshot([src]);
        const target = join(out, 'new');
        // As `ripcord backup restore` asks: inside the target, resumable, the root folder left as made.
        const r = await repo.restore(snap.id, target, { within: target, resume: true, filter: (e) => e.path !== '' });
        assert.equal(r.files, 404);
        for (const [rel, body] of want) {
          const p = join(target, rel);
          assert.deepEqual(readFileSync(p), body, rel);
          const a = lstatSync(p);
          const b = lstatSync(join(src, rel));
          assert.equal(a.mode, b.mode, `${rel} mode`);
          assert.equal(Math.round(a.mtimeMs), Math.round(b.mtimeMs), `${rel} time`);
        }
        const oddOut = Buffer.concat([Buffer.from(`${target}/caf`), Buffer.from([0xe9]), Buffer.from('.php')]);
        assert.equal(readFileSync(oddOut, 'utf8'), 'latin1 name');
        assert.equal(readFileSync(join(target, 'Größe.php'), 'utf8'), 'utf-8 name');
        assert.equal(readFileSync(join(target, 'empty.txt')).length, 0);
        assert.equal(readlinkSync(join(target, 'link.php')), 'app/code/m1/File1.php');
        assert.equal(lstatSync(join(target, 'hard.php')).ino, lstatSync(join(target, 'app/code/m2/File2.php')).ino);
      }));

    it('a damaged small blob fails the restore naming the file and leaves nothing under its name', () =>
      withLocalRepo(async ({ src, out, backend, repo }) => {
        mkdirSync(join(src, 'media'));
        writeFileSync(join(src, 'media', 'skin.js'), 'var checkout = { total: 12.5 };\n'.repeat(40));
        const snap = await repo.snapshot([src]);
        // The file's blob comes first in the one data pack (before the manifest's tree blobs).
        for (const p of await backend.list('data')) {
          const path = backend.dataPath(p.name);
          const bytes = readFileSync(path);
          bytes[20] = (bytes[20] as number) ^ 0x01;
          writeFileSync(path, bytes);
        }
        const target = join(out, 'new');
        await assert.rejects(
          repo.restore(snap.id, target),
          (e: unknown) => e instanceof AppError && e.code === 'corrupt' && (e.where ?? '').includes('media/skin.js'),
        );
        assert.equal(existsSync(join(target, 'media', 'skin.js')), false);
      }));

    it('a file planted at a target meanwhile is replaced; a folder swapped for a symlink out is refused', () =>
      withLocalRepo(async ({ src, out, repo }) => {
        const want = shopTree(src, 60);
        mkdirSync(join(src, 'uploads'));
        writeFileSync(join(src, 'uploads', 'a.txt'), 'known good');
        const snap = await repo.snapshot([src]);
        const target = join(out, 'new');
        const planted = 'app/code/m3/File10.php';
        const plant = planting(target, planted);
        const r = await repo.restore(snap.id, target, {
          filter: (e) => {
            plant(e);
            return !e.path.startsWith('uploads');
          },
        });
        assert.equal(r.files, 60);
        assert.deepEqual(readFileSync(join(target, planted)), want.get(planted));
        // `within`: the folder made for uploads/ is swapped for a symlink out before its file is reached.
        const outside = join(out, 'outside');
        mkdirSync(outside);
        const second = join(out, 'second');
        await assert.rejects(
          repo.restore(snap.id, second, {
            within: second,
            filter: (e) => {
              if (e.path === 'uploads/a.txt') {
                rmSync(join(second, 'uploads'), { recursive: true });
                symlinkSync(outside, join(second, 'uploads'));
              }
              return e.path !== '';
            },
          }),
          (e: unknown) => e instanceof AppError && e.code === 'refused',
        );
        assert.deepEqual(readdirSync(outside), []);
      }));
  });
});

// Tampering and wrong keys: a flipped byte anywhere in a pack is caught by check --read-data
// and by reading; a damaged snapshot or index file is reported; a wrong passphrase is refused;
// blob ids do not reveal content to someone without a passphrase.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { AppError } from '../../../src/core/errors.ts';
import { openRepository } from '../../../src/snapshots/index.ts';
import { memoryRepo, PASS } from './fixtures.ts';

async function repoWithData() {
  const { repo, backend } = await memoryRepo();
  const content = Buffer.from('customer table dump '.repeat(2000));
  const snap = await repo.snapshotStream('db.sql', [content]);
  return { repo, backend, snap, content };
}

describe('tamper and keys', () => {
  it('a flipped byte in a pack is caught by check --read-data, and reading the file fails', async () => {
    const { repo, backend, snap } = await repoWithData();
    assert.deepEqual((await repo.check({ readData: true })).errors, []);
    const [pack] = await backend.list('data');
    assert.ok(pack);
    const key = `data/${pack.name}`;
    const bytes = backend.files.get(key) as Buffer;
    for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 10]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] as number) ^ 0x01;
      backend.files.set(key, copy);
      const r = await repo.check({ readData: true });
      assert.equal(r.ok, false, `flip at ${at} noticed`);
      assert.ok(r.errors.some((e) => e.includes(pack.name)));
    }
    // Even with the pack's name fixed up, the blob authentication fails when read.
    const copy = Buffer.from(bytes);
    copy[5] = (copy[5] as number) ^ 0x80;
    backend.files.set(key, copy);
    const entry = (await repo.loadManifest(snap.id)).entries[0];
    assert.ok(entry);
    await assert.rejects(repo.readFile(entry), (e: unknown) => e instanceof AppError && e.code === 'corrupt');
    backend.files.set(key, bytes);
    assert.deepEqual((await repo.check({ readData: true })).errors, []);
  });

  it('check without --read-data notices missing packs and damaged snapshot files', async () => {
    const { repo, backend } = await repoWithData();
    const [snapFile] = await backend.list('snapshots');
    assert.ok(snapFile);
    const k = `snapshots/${snapFile.name}`;
    const orig = backend.files.get(k) as Buffer;
    const bad = Buffer.from(orig);
    bad[20] = (bad[20] as number) ^ 0xff;
    backend.files.set(k, bad);
    assert.equal((await repo.check()).ok, false);
    backend.files.set(k, orig);
    const [pack] = await backend.list('data');
    backend.files.delete(`data/${pack?.name}`);
    const r = await repo.check();
    assert.equal(r.ok, false);
    assert.ok(r.errors.some((e) => e.includes('missing')));
  });

  it('a wrong passphrase is refused; every added passphrase opens the repository', async () => {
    const { repo, backend } = await memoryRepo();
    await assert.rejects(
      openRepository(backend, 'not it'),
      (e: unknown) => e instanceof AppError && e.code === 'wrong_passphrase',
    );
    const id = await repo.addKey('second one', { scryptN: 1024 });
    const other = await openRepository(backend, 'second one');
    assert.equal(other.id, repo.id);
    assert.equal((await other.listKeys()).find((k) => k.current)?.id, id);
    await assert.rejects(other.removeKey(id), AppError);
    await repo.removeKey(id);
    await assert.rejects(
      openRepository(backend, 'second one'),
      (e: unknown) => e instanceof AppError && e.code === 'wrong_passphrase',
    );
    assert.ok(await openRepository(backend, PASS));
    // A damaged key file does not lock out the others.
    await backend.put('keys', 'f'.repeat(64), Buffer.from('{not json'));
    assert.ok(await openRepository(backend, PASS));
  });

  it('an empty folder is not a repository', async () => {
    const { MemoryBackend } = await import('../../../src/adapters/blob/memory.ts');
    await assert.rejects(
      openRepository(new MemoryBackend(), PASS),
      (e: unknown) => e instanceof AppError && e.code === 'not_found',
    );
  });

  it('nothing stored reveals the content or its plain SHA-256', async () => {
    const { backend, content } = await repoWithData();
    const sha = createHash('sha256').update(content).digest();
    const all = Buffer.concat([...backend.files.values()]);
    assert.equal(all.includes(sha), false, 'plain SHA-256 of the content is not stored');
    assert.equal(all.includes(sha.toString('hex')), false);
    assert.equal(all.includes(Buffer.from('customer table dump')), false, 'content is encrypted');
    // Blob ids are keyed: without the key, HMAC over the hash cannot be recomputed by an outsider.
    const guessed = createHmac('sha256', Buffer.alloc(32)).update(sha).digest('hex');
    assert.equal(all.includes(guessed), false);
  });
});

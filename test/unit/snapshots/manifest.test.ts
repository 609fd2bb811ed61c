import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../src/adapters/blob/memory.ts';
import { AppError } from '../../../src/core/errors.ts';
import { newMasterKey } from '../../../src/snapshots/crypto.ts';
import { Cdc, gearTable, manifestChunkParams } from '../../../src/snapshots/chunker.ts';
import { loadManifestEntries, saveManifest } from '../../../src/snapshots/manifest.ts';
import type { ManifestEntry } from '../../../src/snapshots/types.ts';
import { BlobStore } from '../../../src/snapshots/store.ts';

/** Stores manifest text as tree blobs (as saveManifest would, cut where given) and reads it back. */
async function roundTrip(...parts: string[]): Promise<unknown[]> {
  const store = new BlobStore(new MemoryBackend(), newMasterKey(), 3);
  store.useWorkers = false;
  const ids: string[] = [];
  for (const p of parts) ids.push((await store.save('tree', Buffer.from(p))).id);
  await store.flush();
  return loadManifestEntries(store, ids);
}

describe('manifest reading', () => {
  it('reads JSON lines cut anywhere into blobs, with line breaks escaped inside values', async () => {
    const a = { root: '/r', path: 'a\nb', type: 'file', chunks: ['x'] };
    const b = { root: '/r', path: 'é,[]', type: 'dir' };
    const text = `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`;
    assert.deepEqual(await roundTrip(text), [a, b]);
    assert.deepEqual(await roundTrip(text.slice(0, 7), text.slice(7, 40), text.slice(40)), [a, b]);
    // Empty lines are skipped, as before.
    assert.deepEqual(await roundTrip(`\n${JSON.stringify(a)}\n\n\n${JSON.stringify(b)}`), [a, b]);
    assert.deepEqual(await roundTrip(), []);
  });

  it('a damaged manifest is refused as corrupt', async () => {
    for (const bad of ['{"root": "/r"\n', '{"a":1}\n{"b":', '{"a":1}{"b":2}\n'])
      await assert.rejects(roundTrip(bad), (e: unknown) => e instanceof AppError && e.code === 'corrupt');
  });

  it('saves and reads back many entries and one longer than a chunk (a file of 30,000 chunks)', async () => {
    const store = new BlobStore(new MemoryBackend(), newMasterKey(), 3);
    store.useWorkers = false;
    const entry = (i: number, chunks: number): ManifestEntry => ({
      root: '/srv/shop',
      path: `app/code/Ünïcode/${i}.php`,
      type: 'file',
      mode: 0o100644,
      uid: 33,
      gid: 33,
      size: i,
      mtimeMs: 1_700_000_000_000 + i,
      ctimeMs: 1_700_000_000_000 + i,
      ino: i,
      dev: 1,
      nlink: 1,
      hash: i.toString(16).padStart(64, '0'),
      chunks: Array.from({ length: chunks }, (_, k) => (i * 100_000 + k).toString(16).padStart(64, '0')),
    });
    const entries = Array.from({ length: 6000 }, (_, i) => entry(i, i === 3000 ? 30_000 : 1));
    const cdc = new Cdc(gearTable(Buffer.from('manifest test')), manifestChunkParams);
    const ids = await saveManifest(store, cdc, entries);
    await store.flush();
    assert.ok(ids.length > 10, `${ids.length} tree blobs`);
    assert.deepEqual(await loadManifestEntries(store, ids), entries);
  });
});

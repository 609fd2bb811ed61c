// `prune`: deletes what no snapshot uses. Marks every blob reachable from a snapshot, then per
// pack: all unused -> delete; more than `maxUnused` unused -> copy the used blobs (still sealed)
// into new packs and delete the old; else keep. Crash-safe order: new packs, then one new
// index naming every live pack, then the old index files, then the old packs. A kill at any
// point leaves every indexed blob readable; leftovers are unindexed packs, removed next time.

import { AppError } from '../core/errors.ts';
import { readJsonFile, writeJsonFile } from './files.ts';
import { loadManifestEntries } from './manifest.ts';
import type { RepoImpl } from './repository.ts';
import { encodeIndexFile, parseIndexFile, type IndexPack } from './index-file.ts';
import type { PruneOptions, PruneResult } from './types.ts';

export async function pruneRepository(repo: RepoImpl, opts: PruneOptions): Promise<PruneResult> {
  const { backend, store } = repo;
  const maxUnused = opts.maxUnused ?? 0.2;

  // Every pack as the index files describe it (a pack named twice is the same pack).
  const oldIndexFiles = (await backend.list('index')).map((f) => f.name);
  const packs = new Map<string, IndexPack>();
  for (const name of oldIndexFiles) {
    const f = parseIndexFile(await readJsonFile(backend, repo.key.enc, 'index', name), `index/${name}`);
    for (const p of f.packs) packs.set(p.id, p);
  }

  // Used blobs. A snapshot that cannot be read stops prune: never delete on a guess.
  const used = new Set<string>();
  for (const f of await backend.list('snapshots')) {
    const s = await repo.readSnapshotFile(f.name);
    for (const id of s.manifest) used.add(id);
    for (const e of await loadManifestEntries(store, s.manifest)) for (const c of e.chunks ?? []) used.add(c);
  }
  for (const id of used)
    if (!store.index.has(id))
      throw new AppError(
        'corrupt',
        `blob ${id.slice(0, 16)} used by a snapshot is missing; run \`ripcord repo check\` (prune stops)`,
      );

  // A blob counts as used in one pack only: the one the index resolves it to.
  const toDelete: string[] = [];
  const toRepack: IndexPack[] = [];
  const keep: IndexPack[] = [];
  let blobsRemoved = 0;
  let bytesFreed = 0;
  for (const p of packs.values()) {
    let usedBytes = 0;
    let total = 0;
    let usedCount = 0;
    for (const [id, , , length] of p.blobs) {
      total += length;
      if (used.has(id) && store.index.get(id)?.pack === p.id) {
        usedBytes += length;
        usedCount++;
      }
    }
    if (usedCount === 0) {
      toDelete.push(p.id);
      blobsRemoved += p.blobs.length;
      bytesFreed += p.size;
    } else if (total > 0 && (total - usedBytes) / total > maxUnused) {
      toRepack.push(p);
      blobsRemoved += p.blobs.length - usedCount;
    } else keep.push(p);
  }
  const unindexed = (await backend.list('data')).filter((f) => !packs.has(f.name));
  for (const f of unindexed) bytesFreed += f.size;

  const result: PruneResult = {
    packsDeleted: toDelete.length + unindexed.length,
    packsRepacked: toRepack.length,
    packsKept: keep.length,
    blobsRemoved,
    bytesFreed,
    indexFilesReplaced: oldIndexFiles.length,
  };
  if (opts.dryRun === true) return result;

  // 1. Copy the used blobs of packs to repack into new packs (written, not yet indexed).
  const newPacks = new Set<string>();
  for (const p of toRepack) {
    const bytes = await backend.get('data', p.id);
    for (const [id, t, offset, length, rawLength, c] of p.blobs) {
      if (!used.has(id) || store.index.get(id)?.pack !== p.id) continue;
      await store.addSealed(
        t === 't' ? 'tree' : 'data',
        id,
        c === 1,
        rawLength,
        Buffer.from(bytes.subarray(offset, offset + length)),
      );
    }
    bytesFreed += p.size;
  }
  const before = new Set(store.indexFiles);
  await store.flush();
  for (const name of store.indexFiles) if (!before.has(name)) oldIndexFiles.push(name);
  for (const [id, size] of store.packs) if (!packs.has(id)) newPacks.add(id), void size;

  // 2. One index naming every live pack (kept ones as they were, new ones from the store).
  const live: IndexPack[] = [...keep];
  const fresh = new Map<string, IndexPack>();
  for (const id of newPacks) fresh.set(id, { id, size: store.packs.get(id) ?? 0, blobs: [] });
  for (const [id, e] of store.index) {
    const p = fresh.get(e.pack);
    if (p !== undefined)
      p.blobs.push([id, e.type === 'tree' ? 't' : 'd', e.offset, e.length, e.rawLength, e.compressed ? 1 : 0]);
  }
  for (const p of fresh.values()) live.push({ ...p, blobs: p.blobs.sort((a, b) => a[2] - b[2]) });
  const newIndex = await writeJsonFile(backend, repo.key.enc, 'index', encodeIndexFile(live));

  // 3. Old index files, then 4. packs nothing names any more.
  for (const name of oldIndexFiles) if (name !== newIndex) await backend.remove('index', name);
  for (const id of toDelete) await backend.remove('data', id);
  for (const p of toRepack) await backend.remove('data', p.id);
  for (const f of unindexed) await backend.remove('data', f.name);
  result.bytesFreed = bytesFreed;
  return result;
}

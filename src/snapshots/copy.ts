// Copying snapshots from one repository to another (an off-site copy): only the blobs the
// target lacks travel, re-sealed with the target's key, in new packs; then an index naming the
// packs; then each snapshot file. So a copy killed at any moment leaves packs nobody names at
// worst (never a snapshot that points at missing data), and running it again resumes: blobs
// already indexed in the target are skipped, snapshots already there are not copied twice.
//
// Blob ids are HMACs under a repository's id key, which also seeds the chunker. A target made
// by `initCopyTarget` shares the source's id key and chunk sizes (but has its own encryption
// key and passphrase), so ids are equal on both sides and "missing" is a set difference — the
// fast path, and what `ripcord backup copy` sets up. A target with another id key still works:
// every blob is read, decrypted, verified and stored under the target's id for its content
// (chunk boundaries stay the source's; manifests are rewritten), which costs a full read.

import { AppError } from '../core/errors.ts';
import { snapshotId, type SnapshotId } from '../core/ids.ts';
import { equalBytes, open, sealParts } from './crypto.ts';
import { writeJsonFile } from './files.ts';
import { loadManifestEntries, saveManifest } from './manifest.ts';
import { blobAad, type BlobType } from './pack.ts';
import type { Backend } from './ports.ts';
import { initRepository, RepoImpl, type SnapshotFile } from './repository.ts';
import type { IndexEntry } from './store.ts';
import type { InitOptions, OpenOptions, Repository, SnapshotInfo } from './types.ts';

export interface CopyProgress {
  /** Snapshots finished (copied or found already there) and to do. */
  snapshots: number;
  snapshotsTotal: number;
  /** Bytes of blobs read for the copy so far, and the total the copy will read. */
  bytes: number;
  bytesTotal: number;
}

export interface CopyOptions {
  onProgress?: (p: CopyProgress) => void;
}

export interface CopiedSnapshot {
  from: SnapshotId;
  /** Id in the target (new, or the one already there). */
  to: SnapshotId;
  time: string;
  /** False when the target had it already. */
  copied: boolean;
}

export interface CopyResult {
  snapshots: CopiedSnapshot[];
  /** Blobs written to the target and bytes they take there (sealed). */
  blobsCopied: number;
  bytesCopied: number;
  /** Blobs the target had already. */
  blobsSkipped: number;
  /** True when the repositories share the id key (blob ids equal: only missing blobs read). */
  sameIds: boolean;
  /** True when the blobs were re-sealed because the encryption keys differ. */
  reencrypted: boolean;
}

function impl(r: Repository, what: string): RepoImpl {
  if (!(r instanceof RepoImpl)) throw new AppError('internal', `${what} is not a repository opened here`);
  return r;
}

/** Snapshots are the same when what they describe is the same (their files differ: random nonces). */
const sameKey = (s: SnapshotFile): string =>
  JSON.stringify([s.time, s.host, s.roots, [...s.tags].sort(), s.entries, s.summary.bytes]);

/**
 * Creates an empty repository at `backend` to copy `source` into: its own passphrase and
 * encryption key, the source's id key and chunk sizes (so blob ids match and copies dedupe).
 */
export async function initCopyTarget(
  source: Repository,
  backend: Backend,
  passphrase: string,
  opts: InitOptions & OpenOptions = {},
): Promise<Repository> {
  const src = impl(source, 'the source');
  return initRepository(backend, passphrase, {
    ...opts,
    compressionLevel: opts.compressionLevel ?? src.store.level,
    chunkMin: src.chunkParams.min,
    chunkAvg: src.chunkParams.avg,
    chunkMax: src.chunkParams.max,
    idKey: src.key.id,
  });
}

/** Copies the snapshots `ids` (all when empty; ids, prefixes or 'latest') from `from` to `to`. */
export async function copySnapshots(
  from: Repository,
  to: Repository,
  ids: readonly string[] = [],
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const src = impl(from, 'the source');
  const dst = impl(to, 'the target');
  if (src.id === dst.id) throw new AppError('usage', 'source and target are the same repository');
  return src.withLock(false, () => dst.withLock(false, () => copyLocked(src, dst, ids, opts)));
}

async function copyLocked(
  src: RepoImpl,
  dst: RepoImpl,
  ids: readonly string[],
  opts: CopyOptions,
): Promise<CopyResult> {
  await src.reloadIndex();
  await dst.reloadIndex();
  const sameIds = equalBytes(src.key.id, dst.key.id);
  const sameEnc = equalBytes(src.key.enc, dst.key.enc);
  const wanted: SnapshotInfo[] =
    ids.length === 0 ? await src.listSnapshots() : await Promise.all(ids.map((i) => src.findSnapshot(i)));
  const unique = [...new Map(wanted.map((s) => [s.id, s])).values()].sort((a, b) => (a.time < b.time ? -1 : 1));

  // Snapshots the target has already (from an earlier, maybe interrupted, copy).
  const there = new Map<string, SnapshotId>();
  for (const s of await dst.listSnapshots()) there.set(sameKey(await dst.readSnapshotFile(s.id)), s.id);

  // What each snapshot needs, and how much the copy will read (for progress).
  const plan: { info: SnapshotInfo; file: SnapshotFile; blobs: string[] }[] = [];
  let bytesTotal = 0;
  for (const info of unique) {
    const file = await src.readSnapshotFile(info.id);
    const blobs = new Set<string>(file.manifest);
    if (!there.has(sameKey(file)))
      for (const e of await loadManifestEntries(src.store, file.manifest)) for (const c of e.chunks ?? []) blobs.add(c);
    const list = [...blobs].filter((b) => !sameIds || !dst.store.has(b));
    for (const b of list) bytesTotal += src.store.index.get(b)?.length ?? 0;
    plan.push({ info, file, blobs: list });
  }

  const result: CopyResult = {
    snapshots: [],
    blobsCopied: 0,
    bytesCopied: 0,
    blobsSkipped: 0,
    sameIds,
    reencrypted: !sameEnc,
  };
  const progress: CopyProgress = { snapshots: 0, snapshotsTotal: plan.length, bytes: 0, bytesTotal };
  const report = (): void => opts.onProgress?.({ ...progress });
  report();
  // An index every 4 packs (~64 MiB): an interrupted copy over a slow link loses little.
  dst.store.indexEveryPacks = 4;
  const storedBefore = dst.store.storedBytes;
  const translated = new Map<string, string>();
  const copiedIds = new Map<string, SnapshotId>();

  for (const { info, file, blobs } of plan) {
    const existing = there.get(sameKey(file));
    if (existing !== undefined) {
      result.snapshots.push({ from: info.id, to: existing, time: info.time, copied: false });
      copiedIds.set(info.id, existing);
      progress.snapshots++;
      report();
      continue;
    }
    let manifest = file.manifest;
    if (sameIds) {
      const counted = await copyBlobs(src, dst, blobs, sameEnc, (n) => {
        progress.bytes += n;
        report();
      });
      result.blobsCopied += counted.copied;
      result.blobsSkipped += counted.skipped;
    } else {
      // Other id key: store each content under the target's id for it, rewrite the manifest.
      const entries = await loadManifestEntries(src.store, file.manifest);
      for (const e of entries) {
        if (e.chunks === undefined) continue;
        const next: string[] = [];
        for (const c of e.chunks) {
          let t = translated.get(c);
          if (t === undefined) {
            const content = await src.store.load(c);
            const saved = await dst.store.save('data', content);
            if (saved.isNew) result.blobsCopied++;
            else result.blobsSkipped++;
            t = saved.id;
            translated.set(c, t);
            progress.bytes += src.store.index.get(c)?.length ?? 0;
            report();
          }
          next.push(t);
        }
        e.chunks = next;
      }
      manifest = await saveManifest(dst.store, dst.manifestCdc, entries);
    }
    // Packs, then the index naming them, then the snapshot that uses them.
    await dst.store.flush();
    const out: SnapshotFile = { ...file, manifest };
    delete out.parent;
    const parent = file.parent === undefined ? undefined : copiedIds.get(file.parent);
    if (parent !== undefined) out.parent = parent;
    const name = snapshotId(await writeJsonFile(dst.backend, dst.key.enc, 'snapshots', out));
    there.set(sameKey(file), name);
    copiedIds.set(info.id, name);
    result.snapshots.push({ from: info.id, to: name, time: info.time, copied: true });
    progress.snapshots++;
    report();
  }
  result.bytesCopied = dst.store.storedBytes - storedBefore;
  return result;
}

/**
 * Copies blobs with equal ids: grouped by source pack, each pack read whole when most of it is
 * needed (one request instead of many on a remote), else blob by blob; each blob verified and,
 * when the keys differ, re-sealed with the target's key.
 */
async function copyBlobs(
  src: RepoImpl,
  dst: RepoImpl,
  ids: readonly string[],
  sameEnc: boolean,
  onBytes: (n: number) => void,
): Promise<{ copied: number; skipped: number }> {
  const byPack = new Map<string, [string, IndexEntry][]>();
  let skipped = 0;
  for (const id of ids) {
    if (dst.store.has(id)) {
      skipped++;
      continue;
    }
    const e = src.store.index.get(id);
    if (e === undefined) throw new AppError('corrupt', `blob ${id.slice(0, 16)} is not in the source index`);
    const list = byPack.get(e.pack) ?? [];
    list.push([id, e]);
    byPack.set(e.pack, list);
  }
  let copied = 0;
  for (const [pack, blobs] of byPack) {
    const need = blobs.reduce((n, [, e]) => n + e.length, 0);
    const packSize = src.store.packs.get(pack) ?? Number.POSITIVE_INFINITY;
    const whole = need * 2 >= packSize ? await src.backend.get('data', pack) : null;
    for (const [id, e] of blobs.sort((a, b) => a[1].offset - b[1].offset)) {
      if (dst.store.has(id)) {
        skipped++;
        continue;
      }
      const sealed =
        whole !== null
          ? whole.subarray(e.offset, e.offset + e.length)
          : await src.backend.get('data', pack, { offset: e.offset, length: e.length });
      // Decrypts, decompresses and checks the content against its id: damage is not copied.
      src.store.openBlob(id, e, sealed);
      const out = sameEnc ? Buffer.from(sealed) : reseal(src, dst, id, sealed);
      await dst.store.addSealed(e.type satisfies BlobType, id, e.compressed, e.rawLength, out);
      copied++;
      onBytes(e.length);
    }
  }
  return { copied, skipped };
}

/** The same (maybe compressed) body, sealed with the target's key. */
function reseal(src: RepoImpl, dst: RepoImpl, id: string, sealed: Buffer): Buffer {
  const aadBytes = blobAad(Buffer.from(id, 'hex'));
  const body = open(src.key.encObj, sealed, aadBytes, `blob ${id.slice(0, 16)}`);
  return Buffer.concat(sealParts(dst.key.encObj, body, aadBytes));
}

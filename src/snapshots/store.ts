// The blob store: content in, blob ids out. Deduplicates against the index, compresses
// (zstd, on the thread pool so several blobs compress while the caller reads and hashes the
// next), seals, gathers blobs into packs of ~16 MiB, and writes index files naming what each
// pack holds. Packs are always written before the index that names them, and the index
// before any snapshot that uses it, so a crash leaves at worst packs nobody names yet.

import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { zstdCompress, zstdDecompress, constants as zc } from 'node:zlib';
import { AppError } from '../core/errors.ts';
import { blobIdFromHash, equalBytes, type MasterKey, open, sealParts, sha256 } from './crypto.ts';
import { readJsonFile, writeJsonFile } from './files.ts';
import { SharedMemoryPosts, SharedSlots } from './movable.ts';
import { blobAad, type BlobType, encodeHeader, type PackedBlob } from './pack.ts';
import type { Backend } from './ports.ts';
import type { SealReply, SealRequest } from './seal-worker.ts';
import { type OpenItem, OpenPool } from './open-pool.ts';
import type { BlobInPack, SmallFile } from './open-worker.ts';
import { WorkerPool } from './worker-pool.ts';
import { BlobIndex, type IndexEntry } from './blob-index.ts';
import { encodeIndexFile, type IndexPack, visitIndexFile } from './index-file.ts';
import { ZstdCompressor, ZstdDecompressor } from './zstd.ts';

export type { IndexEntry } from './blob-index.ts';

const PACK_TARGET = 16 * 1024 * 1024;
const INFLIGHT = 6;
const ASYNC_COMPRESS_MIN = 64 * 1024;
const INDEX_EVERY_PACKS = 64;
/**
 * Packs handed to the backend at once. More would not write faster to one disk or link, and
 * every finished pack waiting for a slow fsync or upload holds 16 MiB: the producers wait instead.
 */
const PACK_WRITES = 2;
/** Small sealed blobs are gathered in buffers of this size (see BlobStore.#addPart). */
const RUN_BYTES = 1024 * 1024;
/** Small blobs go to worker threads in batches of this many bytes (or BATCH_ITEMS blobs). */
const BATCH_BYTES = 512 * 1024;
const BATCH_ITEMS = 256;
const WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));
/** Threads that open blobs and write big files for restores. */
const OPEN_WORKERS = Math.max(1, Math.min(4, availableParallelism()));
/** Small blobs opened ahead go to a worker in batches of this many sealed bytes (or BATCH_ITEMS blobs). */
const OPEN_BATCH_BYTES = 1024 * 1024;
/** An idle open pool is closed after this long (a long-running `ripcord run` keeps no idle threads). */
const OPEN_POOL_IDLE_MS = 5000;

interface Batch {
  items: { type: BlobType; id: string; content: Buffer; length: number }[];
  bytes: number;
  /** The contents back to back (items' `content` are views of it); transferred to a worker whole. */
  staging: Buffer;
}

/** A batch's room: BATCH_BYTES and one more blob. Also a shared slot's size (see SharedSlots). */
const STAGING_BYTES = BATCH_BYTES + ASYNC_COMPRESS_MIN;
/**
 * Shared slots: batches being filled or sealed (at most ~2 per worker and the one filling) and
 * files of up to STAGING_BYTES read for sealing (at most INFLIGHT): ~7 MiB, touched once.
 */
const SHARED_SLOTS = 12;

/** Worker threads that compress and seal small blobs and big chunks in shared memory (see seal-worker.ts). */
export class SealPool {
  readonly #pool: WorkerPool<SealRequest, SealReply>;
  readonly #posts = new SharedMemoryPosts();
  /** Requests the workers have finished (they count it themselves), against those posted. */
  readonly #done = new Int32Array(new SharedArrayBuffer(4));
  #posted = 0;

  constructor(enc: Buffer, count: number) {
    this.#pool = new WorkerPool(new URL('./seal-worker.ts', import.meta.url), count, {
      workerData: { enc: new Uint8Array(enc), done: this.#done },
      // Few, short-lived objects (the data is outside V8's heap): a small young generation.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
  }

  /**
   * Requests posted and not finished by a worker yet: how far behind the workers are. Not the
   * answers still owed (`pending`): while the main thread reads files without yielding,
   * finished answers wait unread, and counting them made it seal 600 of 605 batches itself
   * with the worker idle.
   */
  get backlog(): number {
    return this.#posted - Atomics.load(this.#done, 0);
  }

  /** Requests go round the workers (each call posts one). */
  #workerOf(seq: number): Worker {
    this.#posted++;
    const workers = this.#pool.workers;
    return workers[seq % workers.length] as Worker;
  }

  run(level: number, batch: Batch): Promise<SealReply> {
    const items = batch.items.map((it): [string, number] => [it.id, it.length]);
    if (batch.staging.buffer instanceof SharedArrayBuffer) {
      // Read in place from a shared slot (given back when this settles).
      return this.#askShared(level, batch.staging.subarray(0, batch.bytes), items);
    }
    const seq = this.#pool.nextSeq();
    const data = batch.staging.subarray(0, batch.bytes);
    // Moved, not copied: the batch's views of it are not used after this.
    return this.#pool.ask(this.#workerOf(seq), { seq, level, data, items }, [batch.staging.buffer as ArrayBuffer]);
  }

  /**
   * Compresses and seals one blob read in place from shared memory (a chunk of a big file or
   * stream); its memory must not change until this settles.
   */
  sealShared(level: number, id: string, content: Buffer): Promise<SealReply> {
    return this.#askShared(level, content, [[id, content.length]]);
  }

  /** A request whose input is read in place from shared memory, posted to a worker once. */
  #askShared(level: number, input: Uint8Array, items: [string, number][]): Promise<SealReply> {
    const seq = this.#pool.nextSeq();
    const w = this.#workerOf(seq);
    const posted = this.#posts.memoryFor(w, input.buffer as SharedArrayBuffer);
    return this.#pool.ask(w, {
      seq,
      level,
      data: new Uint8Array(0),
      shared: {
        ...(posted !== undefined ? { memory: posted } : {}),
        offset: input.byteOffset,
        length: input.length,
      },
      items,
    });
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.#pool.pending;
  }

  get size(): number {
    return this.#pool.workers.length;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

// Telling zstd the input size lets it size its tables to the blob: 3x faster on small files.
// A chunkSize near the blob size: the default 16 KiB output steps cost a main-thread callback each.
const zstdOptions = (level: number, size: number) => ({
  params: { [zc.ZSTD_c_compressionLevel]: level },
  pledgedSrcSize: size,
  chunkSize: Math.min(size + 4096, 16 * 1024 * 1024),
});

function compressAsync(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zstdCompress(data, zstdOptions(level, data.length), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * A blob id as bytes, in memory of its own. Not Buffer.from(hex): that slices Node's shared
 * 8 KiB pool, and each id kept until its pack is written would pin a whole slab (with the file
 * contents read into it) — 20,000 small files made a pack hold ~1 GB this way.
 */
function idBytesOf(hex: string): Buffer {
  const b = Buffer.allocUnsafeSlow(32);
  b.write(hex, 'hex');
  return b;
}

export class BlobStore {
  readonly backend: Backend;
  readonly key: MasterKey;
  readonly level: number;
  readonly index = new BlobIndex();
  /** Packs named by an index file, with their sizes. */
  readonly packs = new Map<string, number>();
  /** Index files loaded (prune replaces them). */
  indexFiles: string[] = [];
  /** Counters since creation: bytes of new content and bytes written into packs. */
  newBytes = 0;
  storedBytes = 0;

  #pendingIds = new Set<string>();
  #inflight = new Set<Promise<void>>();
  #packParts: Buffer[] = [];
  /** Where small sealed parts are copied back to back (see #addPart); its unused rest. */
  #run: Buffer = Buffer.alloc(0);
  #runUsed = 0;
  #packBlobs: PackedBlob[] = [];
  #packSize = 0;
  #unindexed: IndexPack[] = [];
  #error: unknown = null;
  #pool: SealPool | null = null;
  /** zstd contexts for the blobs compressed or opened on this thread (made when first needed). */
  #zstd: ZstdCompressor | null = null;
  #unzstd: ZstdDecompressor | null = null;
  #batch: Batch | null = null;
  /** Shared memory for batches and for files read to be sealed on a worker (made when first needed). */
  #slots: SharedSlots | null = null;
  /** Byte offsets of the slots slot() lent for one file each (given back once sealed or not used). */
  readonly #lent = new Set<number>();
  #writing = 0;
  #writeSlots: (() => void)[] = [];
  /** Packs between index files (a copy writes them more often, so an interrupted one resumes closer). */
  indexEveryPacks = INDEX_EVERY_PACKS;
  /** Off for tests that want everything on the main thread; workers need a real module file. */
  useWorkers = true;
  /** Blobs being opened ahead of their use (see prefetch), each taken once by load(). */
  readonly #ahead = new Map<string, Promise<Buffer>>();
  #openPool: OpenPool | null = null;
  #openUsers = 0;
  #openIdle: NodeJS.Timeout | null = null;

  constructor(backend: Backend, key: MasterKey, level: number) {
    this.backend = backend;
    this.key = key;
    this.level = level;
  }

  async loadIndex(): Promise<void> {
    this.index.clear();
    this.packs.clear();
    const files = await this.backend.list('index');
    this.indexFiles = files.map((f) => f.name);
    for (const f of files)
      this.addIndexFile(await readJsonFile(this.backend, this.key.enc, 'index', f.name), `index/${f.name}`);
  }

  /** Adds what an index file (as read, either version) says; a damaged one throws AppError `corrupt`. */
  addIndexFile(file: unknown, where: string): void {
    visitIndexFile(file, where, {
      v1: (p) => {
        this.packs.set(p.id, p.size);
        for (const [id, t, offset, length, rawLength, c] of p.blobs)
          this.index.add(id, p.id, t === 't', offset, length, rawLength, c === 1);
      },
      v2: (id, size, rows) => {
        this.packs.set(id, size);
        this.index.addRows(id, rows);
      },
    });
  }

  has(id: string): boolean {
    return this.index.has(id) || this.#pendingIds.has(id);
  }

  /** The id a content would get (HMAC of its SHA-256). */
  idOf(content: Uint8Array, contentSha?: Buffer): string {
    return blobIdFromHash(this.key, contentSha ?? sha256(content)).toString('hex');
  }

  /**
   * Stores a blob unless it is already there. Returns once the blob is accepted: compression
   * and pack writing go on in the background, at most INFLIGHT at a time; `flush` waits for all.
   */
  async save(
    type: BlobType,
    content: Buffer,
    contentSha?: Buffer,
    /** Called once the store no longer reads `content` (the caller may then reuse its memory). */
    released?: () => void,
  ): Promise<{ id: string; isNew: boolean }> {
    this.#throwIfFailed();
    const id = this.idOf(content, contentSha);
    if (this.has(id)) {
      released?.();
      this.unslot(content);
      return { id, isNew: false };
    }
    this.#pendingIds.add(id);
    this.newBytes += content.length;
    if (this.#batching(content.length)) {
      const b = (this.#batch ??= this.#newBatch());
      const at = b.bytes;
      // Content read straight into slot() is already in place; anything else is copied in.
      const inPlace = content.buffer === b.staging.buffer && content.byteOffset === b.staging.byteOffset + at;
      if (!inPlace) content.copy(b.staging, at);
      released?.();
      b.items.push({ type, id, content: b.staging.subarray(at, at + content.length), length: content.length });
      b.bytes += content.length;
      if (b.bytes >= BATCH_BYTES || b.items.length >= BATCH_ITEMS) await this.#sendBatch();
      return { id, isNew: true };
    }
    await this.#track(() => this.#store(type, id, content, released));
    return { id, isNew: true };
  }

  #batching(size: number): boolean {
    return this.useWorkers && this.level > 0 && size < ASYNC_COMPRESS_MIN;
  }

  /**
   * Room for `size` bytes of content that will be passed to `save` right after (before any
   * other save): small files are read straight into the next worker batch, without a buffer
   * of their own; files up to STAGING_BYTES into a shared slot sealed in place on a worker
   * (save gives it back; content not saved must be given back with unslot). Bigger sizes, or
   * all slots out, get a fresh buffer.
   */
  slot(size: number): Buffer {
    if (this.#batching(size)) {
      const b = (this.#batch ??= this.#newBatch());
      return b.staging.subarray(b.bytes, b.bytes + size);
    }
    const lent = size <= STAGING_BYTES ? this.#sharedSlot() : null;
    if (lent === null) return Buffer.allocUnsafe(size);
    this.#lent.add(lent.byteOffset);
    return lent.subarray(0, size);
  }

  /** Gives back the slot slot() lent for `content` (nothing for any other memory). */
  unslot(content: Buffer): void {
    if (this.#slots === null || !this.#slots.owns(content)) return;
    const start = content.byteOffset - (content.byteOffset % this.#slots.size);
    if (this.#lent.delete(start)) this.#slots.give(content);
  }

  #sharedSlot(): Buffer | null {
    if (!this.useWorkers || this.level <= 0) return null;
    this.#slots ??= new SharedSlots(SHARED_SLOTS, STAGING_BYTES);
    return this.#slots.take();
  }

  #newBatch(): Batch {
    return { items: [], bytes: 0, staging: this.#sharedSlot() ?? Buffer.allocUnsafeSlow(STAGING_BYTES) };
  }

  /** Runs a background task, waiting first while too many are in flight. */
  async #track(f: () => Promise<void>): Promise<void> {
    while (this.#inflight.size >= INFLIGHT) await Promise.race(this.#inflight);
    this.#throwIfFailed();
    const task = f().catch((e: unknown) => {
      if (this.#error === null) this.#error = e;
    });
    this.#inflight.add(task);
    void task.finally(() => this.#inflight.delete(task));
  }

  async #sendBatch(): Promise<void> {
    const batch = this.#batch;
    if (batch === null || batch.items.length === 0) return;
    this.#batch = null;
    this.#pool ??= new SealPool(this.key.enc, WORKERS);
    const pool = this.#pool;
    if (pool.backlog >= 2 * pool.size) {
      // The workers are behind: seal this batch here rather than wait idle.
      for (const it of batch.items) this.#append(it.type, it.id, it.content, this.#compressSmall(it.content));
      this.#slots?.give(batch.staging);
      if (this.#packSize >= PACK_TARGET) await this.#track(() => this.#writePack());
      return;
    }
    await this.#track(async () => {
      const reply = await pool.run(this.level, batch);
      this.#slots?.give(batch.staging);
      const sealedAll = Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
      let off = 0;
      for (const [i, [len, compressed]] of reply.items.entries()) {
        const it = batch.items[i];
        if (it === undefined) throw new AppError('internal', 'seal worker answered for more blobs than asked');
        const sealed = sealedAll.subarray(off, off + len);
        off += len;
        this.#addPart(sealed);
        this.#packBlobs.push({
          type: it.type,
          id: idBytesOf(it.id),
          compressed,
          length: len,
          rawLength: it.length,
        });
        this.#packSize += len;
      }
      if (this.#packSize >= PACK_TARGET) await this.#writePack();
    });
  }

  #throwIfFailed(): void {
    if (this.#error !== null) throw this.#error;
  }

  /** Adds an already sealed blob to the current pack (prune's repacking, or sealed by a worker). */
  async addSealed(type: BlobType, id: string, compressed: boolean, rawLength: number, sealed: Buffer): Promise<void> {
    this.#throwIfFailed();
    this.#pendingIds.add(id);
    this.#addPart(sealed);
    this.#packBlobs.push({ type, id: idBytesOf(id), compressed, length: sealed.length, rawLength });
    this.#packSize += sealed.length;
    if (this.#packSize >= PACK_TARGET) await this.#writePack();
  }

  /** The compressed content, or null when not worth it; scratch memory: seal it before the next call. */
  #compressSmall(content: Buffer): Buffer | null {
    if (this.level <= 0 || content.length <= 64) return null;
    this.#zstd ??= new ZstdCompressor(this.level);
    return this.#zstd.compress(content);
  }

  async #store(type: BlobType, id: string, content: Buffer, released?: () => void): Promise<void> {
    if (this.useWorkers && this.level > 0 && content.buffer instanceof SharedArrayBuffer) {
      await this.#storeShared(type, id, content, released);
      return;
    }
    let z: Buffer | null = null;
    // Tree blobs (a manifest's pieces, ~128 KiB, written at the end of a snapshot when the main
    // thread has nothing else to do) are compressed here: on libuv's pool each of its 4
    // threads kept zstd contexts and buffers in its own malloc arena, ~100 MB of a
    // 100,000-file snapshot's peak.
    if (this.level > 0 && content.length >= ASYNC_COMPRESS_MIN && type !== 'tree') {
      const out = await compressAsync(content, this.level);
      z = out.length < content.length ? out : null;
    } else z = this.#compressSmall(content);
    this.#append(type, id, content, z);
    // Sealed into new memory: nothing reads the content any more. (After a failure it is
    // never given back: the caller's buffer is simply not reused.)
    released?.();
    if (this.#packSize >= PACK_TARGET) await this.#writePack();
  }

  /**
   * A chunk of a big file or stream, in shared memory: compressed and sealed on a worker (the
   * libuv pool's zstd cost the main thread 1.5-2.5 ms a chunk in callbacks, output copies and
   * stream machinery, and the main thread is the busy one while chunking a dump).
   */
  async #storeShared(type: BlobType, id: string, content: Buffer, released?: () => void): Promise<void> {
    this.#pool ??= new SealPool(this.key.enc, WORKERS);
    const reply = await this.#pool.sealShared(this.level, id, content);
    released?.();
    this.unslot(content);
    const [len, compressed] = reply.items[0] ?? [0, false];
    if (len !== reply.data.byteLength) throw new AppError('internal', 'seal worker answered a chunk of another length');
    const sealed = Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
    await this.addSealed(type, id, compressed, content.length, sealed);
  }

  /** Seals a blob (compressed when `z` is given) into the current pack. */
  #append(type: BlobType, id: string, content: Buffer, z: Buffer | null): void {
    const body = z ?? content;
    const compressed = z !== null;
    const idBytes = idBytesOf(id);
    const parts = sealParts(this.key.encObj, body, blobAad(idBytes));
    const length = parts.reduce((n, p) => n + p.length, 0);
    for (const p of parts) this.#addPart(p);
    this.#packBlobs.push({ type, id: idBytes, compressed, length, rawLength: content.length });
    this.#packSize += length;
  }

  /** Writes the current pack when it is full (or, with `all`, whatever it holds) once a write slot is free. */
  async #writePack(all = false): Promise<void> {
    while (this.#writing >= PACK_WRITES) await new Promise<void>((r) => this.#writeSlots.push(r));
    // Another writer may have taken the pack meanwhile.
    if (this.#packBlobs.length === 0 || (!all && this.#packSize < PACK_TARGET)) return;
    this.#writing++;
    try {
      await this.#putPack();
    } finally {
      this.#writing--;
      // Every waiter looks again: the first takes the slot, the others find the pack taken.
      const waiting = this.#writeSlots;
      this.#writeSlots = [];
      for (const wake of waiting) wake();
    }
  }

  /**
   * Adds a sealed piece to the current pack. Small ones are copied into 1 MiB runs: a pack of
   * twenty thousand small blobs is then a few buffers, not three objects per blob that stay
   * on the heap (and keep their workers' reply buffers alive) until the pack is written.
   */
  #addPart(part: Buffer): void {
    if (part.length >= RUN_BYTES / 16) {
      this.#closeRun();
      this.#packParts.push(part);
      return;
    }
    if (this.#runUsed + part.length > this.#run.length) {
      this.#closeRun();
      this.#run = Buffer.allocUnsafeSlow(RUN_BYTES);
      this.#runUsed = 0;
    }
    part.copy(this.#run, this.#runUsed);
    this.#runUsed += part.length;
  }

  /** Ends the current run in the pack's parts; what is left of its buffer starts the next one. */
  #closeRun(): void {
    if (this.#runUsed === 0) return;
    this.#packParts.push(this.#run.subarray(0, this.#runUsed));
    this.#run = this.#run.subarray(this.#runUsed);
    this.#runUsed = 0;
  }

  async #putPack(): Promise<void> {
    this.#closeRun();
    const parts = this.#packParts;
    const blobs = this.#packBlobs;
    this.#packParts = [];
    this.#packBlobs = [];
    this.#packSize = 0;
    parts.push(encodeHeader(this.key.enc, blobs));
    const h = createHash('sha256');
    let packSize = 0;
    for (const p of parts) {
      h.update(p);
      packSize += p.length;
    }
    const name = h.digest('hex');
    await this.backend.put('data', name, parts);
    this.storedBytes += packSize;
    let offset = 0;
    const rows: IndexPack['blobs'] = [];
    for (const b of blobs) {
      const idHex = b.id.toString('hex');
      rows.push([idHex, b.type === 'tree' ? 't' : 'd', offset, b.length, b.rawLength, b.compressed ? 1 : 0]);
      this.index.add(idHex, name, b.type === 'tree', offset, b.length, b.rawLength, b.compressed);
      this.#pendingIds.delete(idHex);
      offset += b.length;
    }
    this.packs.set(name, packSize);
    this.#unindexed.push({ id: name, size: packSize, blobs: rows });
    if (this.#unindexed.length >= this.indexEveryPacks) await this.#writeIndex();
  }

  async #writeIndex(): Promise<void> {
    if (this.#unindexed.length === 0) return;
    const packs = this.#unindexed;
    this.#unindexed = [];
    const name = await writeJsonFile(this.backend, this.key.enc, 'index', encodeIndexFile(packs));
    this.indexFiles.push(name);
  }

  /** Waits for every accepted blob, writes the last pack and an index naming all new packs. */
  async flush(): Promise<void> {
    try {
      await this.#sendBatch();
      while (this.#inflight.size > 0) await Promise.race(this.#inflight);
    } finally {
      const pool = this.#pool;
      this.#pool = null;
      this.#zstd?.close();
      this.#zstd = null;
      await pool?.close();
    }
    this.#throwIfFailed();
    await this.#writePack(true);
    await this.#writeIndex();
  }

  /** Reads, decrypts, decompresses and verifies one blob. */
  async load(id: string): Promise<Buffer> {
    const ahead = this.#ahead.get(id);
    if (ahead !== undefined) {
      this.#ahead.delete(id);
      return ahead;
    }
    const e = this.index.get(id);
    if (e === undefined) throw new AppError('corrupt', `blob ${id.slice(0, 16)} is not in the index`);
    const sealed = await this.backend.get('data', e.pack, { offset: e.offset, length: e.length });
    // Tree blobs (a manifest: read whole at the start of a backup or restore) are opened here:
    // starting the worker threads for them cost an unchanged backup of a small tree ~200 ms.
    if (e.rawLength < ASYNC_COMPRESS_MIN || e.type === 'tree') return this.openBlob(id, e, sealed);
    if (this.useWorkers) {
      // A big blob is opened on a worker: a restore reading ahead has its next chunks
      // decrypted, decompressed and checked there while the main thread hashes and writes.
      const [r] = await this.#opened([{ id, sealed, compressed: e.compressed, rawLength: e.rawLength }]);
      if (r instanceof Error) throw r;
      return r as Buffer;
    }
    if (!e.compressed) return this.openBlob(id, e, sealed);
    const idBytes = Buffer.from(id, 'hex');
    const body = open(this.key.encObj, sealed, blobAad(idBytes), `blob ${id.slice(0, 16)}`);
    const plain = await new Promise<Buffer>((resolve, reject) =>
      zstdDecompress(body, { chunkSize: Math.min(e.rawLength + 4096, 16 * 1024 * 1024) }, (err, out) =>
        err ? reject(new AppError('corrupt', `blob ${id.slice(0, 16)}: cannot decompress`)) : resolve(out),
      ),
    );
    return this.#verified(id, idBytes, e, plain);
  }

  /** True when the chunks of a file can be read, opened and hashed by a worker (see loadChunk). */
  get chunksOffThread(): boolean {
    return this.useWorkers && this.backend.dataPath !== undefined;
  }

  /**
   * One chunk of a file read, opened, verified and added to the file's running SHA-256 on a
   * worker thread; the last one also answers the file's digest. With `to`, the worker writes
   * the chunk there (the answer's `plain` is then empty). Call for a file's chunks in order
   * (each call posts before it returns its promise). Only when chunksOffThread.
   */
  loadChunk(
    id: string,
    file: number,
    first: boolean,
    last: boolean,
    to?: { fd: number; position: number },
    spread?: number,
  ): Promise<{ plain: Buffer; digest?: string }> {
    const e = this.index.get(id);
    if (e === undefined) return Promise.reject(new AppError('corrupt', `blob ${id.slice(0, 16)} is not in the index`));
    const path = (this.backend.dataPath as (name: string) => string)(e.pack);
    return this.#withPool(async (pool) => {
      const r = await pool.chunk(
        {
          item: [id, e.length, e.compressed, e.rawLength],
          path,
          offset: e.offset,
          file,
          first,
          last,
          ...(to !== undefined ? { to } : {}),
        },
        // Chunks written in place may go to any worker (their hash is read back in order).
        to !== undefined ? (spread ?? 0) : 0,
      );
      if (r instanceof AppError) throw r;
      return r.digest === undefined ? { plain: r.plain } : { plain: r.plain, digest: r.digest };
    });
  }

  /**
   * Small files written whole by the open workers (see WriteFilesRequest in open-worker.ts),
   * their blobs found in the local packs here. Per file, as the worker answers: the bytes
   * written, why its content is refused, or [errno code, message]. Only when chunksOffThread.
   */
  async writeSmallFiles(
    files: readonly (Omit<SmallFile, 'blobs'> & { ids: readonly string[] })[],
    owner: boolean,
  ): Promise<(number | string | [string, string])[]> {
    const paths = new Map<string, string>();
    const out: (number | string | [string, string])[] = new Array(files.length);
    const send: SmallFile[] = [];
    const sentAt: number[] = [];
    files.forEach(({ ids, ...f }, i) => {
      const blobs: BlobInPack[] = [];
      for (const id of ids) {
        const e = this.index.get(id);
        if (e === undefined) {
          out[i] = `blob ${id.slice(0, 16)} is not in the index`;
          return;
        }
        let path = paths.get(e.pack);
        if (path === undefined) paths.set(e.pack, (path = this.backend.dataPath?.(e.pack) ?? ''));
        blobs.push([[id, e.length, e.compressed, e.rawLength], path, e.offset]);
      }
      send.push({ ...f, blobs });
      sentAt.push(i);
    });
    if (send.length > 0) {
      const r = await this.#withPool((pool) => pool.writeFiles(send, owner));
      sentAt.forEach((at, k) => {
        out[at] = r[k] ?? 'no answer';
      });
    }
    return out;
  }

  /**
   * Reads bytes of a file that loadChunk wrote in place back into the file's running SHA-256,
   * on the file's own worker; call in order. The last call answers the digest.
   */
  hashBack(file: number, fd: number, position: number, length: number, first: boolean, last: boolean) {
    return this.#withPool((pool) => pool.hashBack({ file, fd, position, length, first, last }));
  }

  /** Blobs opened ahead and not taken by load() yet. */
  get aheadCount(): number {
    return this.#ahead.size;
  }

  /**
   * Starts opening small data blobs that load() will be asked for soon (a restore names the
   * next files' chunks), in batches on a worker thread. Ids already ahead, unknown or big are
   * left to load().
   */
  prefetch(ids: Iterable<string>): void {
    if (!this.useWorkers) return;
    let batch: { id: string; e: IndexEntry }[] = [];
    const inBatch = new Set<string>();
    let bytes = 0;
    const send = (): void => {
      if (batch.length === 0) return;
      const items = batch;
      batch = [];
      inBatch.clear();
      bytes = 0;
      const all = this.#openBatch(items);
      items.forEach(({ id }, i) => {
        const p = all.then((r) => {
          const b = r[i];
          if (b instanceof Error) throw b;
          return b as Buffer;
        });
        p.catch(() => undefined); // thrown by the load() that takes it
        this.#ahead.set(id, p);
      });
    };
    for (const id of ids) {
      const e = this.index.get(id);
      if (e === undefined || e.rawLength >= ASYNC_COMPRESS_MIN || this.#ahead.has(id)) continue;
      if (inBatch.has(id)) continue;
      inBatch.add(id);
      batch.push({ id, e });
      bytes += e.length;
      if (bytes >= OPEN_BATCH_BYTES || batch.length >= BATCH_ITEMS) send();
    }
    send();
  }

  /** Forgets blobs opened ahead that will not be used: these, or all (a restore that ended). */
  dropAhead(ids?: Iterable<string>): void {
    if (ids === undefined) this.#ahead.clear();
    else for (const id of ids) this.#ahead.delete(id);
  }

  async #openBatch(items: { id: string; e: IndexEntry }[]): Promise<(Buffer | Error)[]> {
    const sealed = await Promise.all(
      items.map(({ e }) => this.backend.get('data', e.pack, { offset: e.offset, length: e.length })),
    );
    return this.#opened(
      items.map(({ id, e }, i) => ({
        id,
        sealed: sealed[i] as Buffer,
        compressed: e.compressed,
        rawLength: e.rawLength,
      })),
    );
  }

  /** Opens blobs on the worker pool. */
  #opened(items: OpenItem[]): Promise<(Buffer | Error)[]> {
    return this.#withPool((pool) => pool.open(items));
  }

  /** Runs f on the open pool, started when first needed and closed once idle for a while. */
  async #withPool<T>(f: (pool: OpenPool) => Promise<T>): Promise<T> {
    if (this.#openIdle !== null) clearTimeout(this.#openIdle);
    this.#openIdle = null;
    const pool = (this.#openPool ??= new OpenPool(this.key, OPEN_WORKERS));
    this.#openUsers++;
    try {
      return await f(pool);
    } finally {
      if (--this.#openUsers === 0) {
        this.#openIdle = setTimeout(() => {
          if (this.#openPool === pool && this.#openUsers === 0) {
            this.#openPool = null;
            void pool.close();
          }
        }, OPEN_POOL_IDLE_MS);
        this.#openIdle.unref();
      }
    }
  }

  #verified(id: string, idBytes: Buffer, e: { rawLength: number }, plain: Buffer): Buffer {
    if (plain.length !== e.rawLength || !equalBytes(blobIdFromHash(this.key, sha256(plain)), idBytes))
      throw new AppError('corrupt', `blob ${id.slice(0, 16)}: content does not match its id`);
    return plain;
  }

  openBlob(id: string, e: { compressed: boolean; rawLength: number }, sealed: Buffer): Buffer {
    const idBytes = Buffer.from(id, 'hex');
    const body = open(this.key.encObj, sealed, blobAad(idBytes), `blob ${id.slice(0, 16)}`);
    let plain: Buffer;
    try {
      this.#unzstd ??= new ZstdDecompressor();
      plain = e.compressed ? this.#unzstd.decompress(body, e.rawLength) : body;
    } catch {
      throw new AppError('corrupt', `blob ${id.slice(0, 16)}: cannot decompress`);
    }
    if (plain.length !== e.rawLength || !equalBytes(blobIdFromHash(this.key, sha256(plain)), idBytes)) {
      throw new AppError('corrupt', `blob ${id.slice(0, 16)}: content does not match its id`);
    }
    return plain;
  }
}

// The repository: opening (a passphrase unwraps the master key), and every operation on it —
// snapshots, reading and restoring, forget/prune, check, stats, keys and locks. Storage goes
// through the Backend port; the format is docs/formats/repository.md.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, opendir } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { snapshotId, type SnapshotId } from '../core/ids.ts';
import { Cdc, defaultChunkParams, gearTable, manifestChunkParams, type ChunkParams, WindowBuffers } from './chunker.ts';
import {
  aad,
  blobIdFromHash,
  defaultScrypt,
  type KeyFile,
  type MasterKey,
  masterKey,
  newMasterKey,
  open,
  parseKeyFile,
  seal,
  sha256,
  sha256Hex,
  unwrapMasterKey,
  wrapMasterKey,
} from './crypto.ts';
import { readJsonFile, writeJsonFile } from './files.ts';
import { checkRepository } from './check.ts';
import { applyKeepRules } from './forget.ts';
import { Lock, listLocks } from './locks.ts';
import { entryPathBytes, loadManifestEntries, saveManifest } from './manifest.ts';
import type { Backend } from './ports.ts';
import { pruneRepository } from './prune.ts';
import { folderCheck, removeLeftovers, restoreOne, SMALL, setsOwners } from './restore.ts';
import { parentKey, storeStream, walkRoots, type WalkContext } from './snapshot.ts';
import { BlobStore } from './store.ts';
import { HashPool } from './hash-pool.ts';
import type {
  CheckOptions,
  CheckResult,
  ForgetResult,
  InitOptions,
  KeepRules,
  KeyInfo,
  LockInfo,
  Manifest,
  ManifestEntry,
  OpenOptions,
  PruneOptions,
  PruneResult,
  RepoStats,
  Repository,
  RestoreOptions,
  SnapshotInfo,
  SnapshotOptions,
  StreamSource,
  SnapshotResult,
} from './types.ts';

interface ConfigFile {
  version: 1;
  id: string;
  chunk: ChunkParams;
  compression: number;
}

/** What snapshots/<sha256> holds. */
export interface SnapshotFile {
  version: 1;
  time: string;
  host: string;
  roots: string[];
  tags: string[];
  parent?: string;
  extra: Record<string, string>;
  summary: SnapshotInfo['summary'];
  /** Tree blobs holding the manifest as JSON lines, in order. */
  manifest: string[];
  entries: number;
}

const CONFIG_AAD = aad('ripcord-config');
const DEFAULT_STALE_MS = 30 * 60 * 1000;
/** Chunks of one file read ahead while the previous ones are written. */
const READ_AHEAD = 4;
/** Threads hashing big files' chunks during a snapshot (the main thread reads and cuts). */
const HASH_WORKERS = 1;
/** Chunks a worker is asked to write ahead (they hold no memory on the main thread). */
const WRITE_AHEAD = 8;
/** Files restored at once by restore(). */
const RESTORE_PARALLEL = 16;
/** Small files per message to an open worker (see #writeSmall): enough to make a message's cost small, few enough to spread. */
const SMALL_BATCH_FILES = 48;
const SMALL_BATCH_BYTES = 1024 * 1024;
/**
 * Small blobs restore() has opened ahead on a worker thread: refilled to OPEN_AHEAD once fewer
 * than half are left, so the worker opens the next batches while the main thread writes files.
 */
const OPEN_AHEAD = 1024;

/**
 * Results of start(0) … start(n - 1) in order, each started at most `depth` ahead of the one
 * the caller is handling (reads overlap with the caller's work). When the caller stops or one
 * fails, waits for those already started before returning, so none is still running after.
 */
async function* inOrder<T>(n: number, depth: number, start: (i: number) => Promise<T>): AsyncGenerator<T> {
  const ahead: Promise<T>[] = [];
  let next = 0;
  const fill = (): void => {
    while (ahead.length < depth && next < n) {
      const p = start(next++);
      p.catch(() => undefined); // awaited in order below; a failure is thrown there
      ahead.push(p);
    }
  };
  fill();
  try {
    while (ahead.length > 0) {
      const v = await (ahead.shift() as Promise<T>);
      fill();
      yield v;
    }
  } finally {
    await Promise.allSettled(ahead);
  }
}

/** A restored file's whole SHA-256 must be the one recorded at backup time. */
function checkFileHash(entry: ManifestEntry, digest: string | undefined): void {
  if (digest !== entry.hash)
    throw new AppError('corrupt', 'restored content does not match the recorded hash', { where: entry.path });
}

export async function repositoryExists(backend: Backend): Promise<boolean> {
  return (await backend.stat('config', 'config')) !== null;
}

function keyMeta(clock: Clock): { created: string; host: string; username: string } {
  let username = 'unknown';
  try {
    username = userInfo().username;
  } catch {
    // No passwd entry (containers): keep 'unknown'.
  }
  return { created: new Date(clock.now()).toISOString(), host: hostname(), username };
}

export async function initRepository(
  backend: Backend,
  passphrase: string,
  opts: InitOptions & OpenOptions & { clock?: Clock; idKey?: Buffer } = {},
): Promise<Repository> {
  if (passphrase === '') throw new AppError('usage', 'the passphrase must not be empty');
  if (await repositoryExists(backend))
    throw new AppError('conflict', 'a repository already exists here', { where: backend.location });
  const clock = opts.clock ?? systemClock;
  // A copy target shares its source's id key (blob ids and chunk boundaries), not its enc key.
  const master = opts.idKey === undefined ? newMasterKey() : masterKey(randomBytes(32), opts.idKey);
  const chunk: ChunkParams = {
    min: opts.chunkMin ?? defaultChunkParams.min,
    avg: opts.chunkAvg ?? defaultChunkParams.avg,
    max: opts.chunkMax ?? defaultChunkParams.max,
  };
  new Cdc(new Int32Array(256), chunk); // validates the sizes before anything is written
  const config: ConfigFile = {
    version: 1,
    id: randomBytes(16).toString('hex'),
    chunk,
    compression: opts.compressionLevel ?? 3,
  };
  const keyBytes = await wrapMasterKey(
    master,
    passphrase,
    { ...defaultScrypt, N: opts.scryptN ?? defaultScrypt.N },
    keyMeta(clock),
  );
  const keyName = sha256Hex(keyBytes);
  await backend.put('keys', keyName, keyBytes);
  // The config last: a repository without it does not exist, so a crash during init leaves none.
  await backend.put('config', 'config', seal(master.enc, Buffer.from(JSON.stringify(config)), CONFIG_AAD));
  return RepoImpl.create(backend, master, config, keyName, clock, opts.staleLockMs ?? DEFAULT_STALE_MS);
}

export async function openRepository(
  backend: Backend,
  passphrase: string,
  opts: OpenOptions & { clock?: Clock } = {},
): Promise<Repository> {
  const clock = opts.clock ?? systemClock;
  if (!(await repositoryExists(backend)))
    throw new AppError('not_found', 'no repository here (run `ripcord repo init`)', { where: backend.location });
  const keys = await backend.list('keys');
  let damaged: AppError | null = null;
  for (const k of keys) {
    let file: KeyFile;
    try {
      file = parseKeyFile(await backend.get('keys', k.name), `keys/${k.name}`);
    } catch (e) {
      // One damaged key file must not lock out the passphrases of the others.
      if (e instanceof AppError) {
        damaged = e;
        continue;
      }
      throw e;
    }
    const master = await unwrapMasterKey(file, passphrase);
    if (master === null) continue;
    const raw = await backend.get('config', 'config');
    let sealed: Buffer;
    try {
      sealed = open(master.enc, raw, CONFIG_AAD, 'config');
    } catch (e) {
      // A key left by an init killed before it wrote the config opens another master key.
      if (e instanceof AppError && e.code === 'corrupt' && keys.length > 1) {
        damaged = e;
        continue;
      }
      throw e;
    }
    const config = JSON.parse(sealed.toString('utf8')) as ConfigFile;
    if (config.version !== 1)
      throw new AppError('corrupt', `unknown repository version ${String(config.version)}`, {
        where: backend.location,
      });
    return RepoImpl.create(backend, master, config, k.name, clock, opts.staleLockMs ?? DEFAULT_STALE_MS);
  }
  throw new AppError('wrong_passphrase', 'the passphrase opens none of the keys of this repository', {
    where: backend.location,
    ...(damaged !== null ? { details: [`a key file could not be read: ${damaged.describe()}`] } : {}),
  });
}

/** Bytes in memory of their own (a slice of Node's shared pool kept for long pins 8 KiB). */
function ownCopy(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

function parseSnapshotFile(v: unknown, where: string): SnapshotFile {
  const s = v as Partial<SnapshotFile>;
  if (
    s === null ||
    typeof s !== 'object' ||
    s.version !== 1 ||
    !Array.isArray(s.manifest) ||
    typeof s.time !== 'string'
  )
    throw new AppError('corrupt', 'snapshot file has an unknown layout', { where });
  return s as SnapshotFile;
}

export class RepoImpl implements Repository {
  readonly id: string;
  readonly backend: Backend;
  readonly key: MasterKey;
  readonly store: BlobStore;
  readonly clock: Clock;
  readonly staleMs: number;
  readonly cdc: Cdc;
  readonly manifestCdc: Cdc;
  readonly keyName: string;
  readonly chunkParams: ChunkParams;
  /** Numbers the files read off-thread (a worker keeps each one's running hash under it). */
  #files = 0;

  readonly #snapCache = new Map<string, SnapshotFile>();
  #indexLoaded = false;

  private constructor(
    backend: Backend,
    key: MasterKey,
    config: ConfigFile,
    keyName: string,
    clock: Clock,
    staleMs: number,
  ) {
    this.id = config.id;
    this.backend = backend;
    this.key = key;
    this.keyName = keyName;
    this.clock = clock;
    this.staleMs = staleMs;
    this.chunkParams = config.chunk;
    this.store = new BlobStore(backend, key, config.compression);
    const gear = gearTable(blobIdFromHash(key, sha256(Buffer.from('ripcord-gear'))));
    this.cdc = new Cdc(gear, config.chunk);
    this.manifestCdc = new Cdc(gear, manifestChunkParams);
  }

  static create(
    backend: Backend,
    key: MasterKey,
    config: ConfigFile,
    keyName: string,
    clock: Clock,
    staleMs: number,
  ): RepoImpl {
    return new RepoImpl(backend, key, config, keyName, clock, staleMs);
  }

  async #ensureIndex(): Promise<void> {
    if (this.#indexLoaded) return;
    await this.store.loadIndex();
    this.#indexLoaded = true;
  }

  async reloadIndex(): Promise<void> {
    this.#indexLoaded = false;
    await this.#ensureIndex();
  }

  /** Runs f holding a shared (or exclusive) lock; copies lock both repositories this way. */
  withLock<T>(exclusive: boolean, f: () => Promise<T>): Promise<T> {
    return this.#withLock(exclusive, f);
  }

  async #withLock<T>(exclusive: boolean, f: () => Promise<T>): Promise<T> {
    const lock = await Lock.acquire(this.backend, this.key.enc, this.clock, exclusive, this.staleMs);
    try {
      return await f();
    } finally {
      await lock.release();
    }
  }

  /** A snapshot file (cached: they never change), or read afresh with `fresh` (check). */
  async readSnapshotFile(name: string, fresh = false): Promise<SnapshotFile> {
    const cached = fresh ? undefined : this.#snapCache.get(name);
    if (cached !== undefined) return cached;
    const s = parseSnapshotFile(await readJsonFile(this.backend, this.key.enc, 'snapshots', name), `snapshots/${name}`);
    this.#snapCache.set(name, s);
    return s;
  }

  #info(name: string, s: SnapshotFile): SnapshotInfo {
    const info: SnapshotInfo = {
      id: snapshotId(name),
      time: s.time,
      roots: s.roots,
      tags: s.tags,
      host: s.host,
      extra: s.extra,
      summary: s.summary,
    };
    if (s.parent !== undefined) info.parent = snapshotId(s.parent);
    return info;
  }

  async #newContext(opts: SnapshotOptions): Promise<WalkContext> {
    await this.#ensureIndex();
    let parent: Map<string, ManifestEntry> | null = null;
    if (opts.parent !== undefined) {
      parent = new Map();
      for (const e of (await this.loadManifest(opts.parent)).entries) parent.set(parentKey(e.root, e.path), e);
    }
    this.store.newBytes = 0;
    this.store.storedBytes = 0;
    return {
      store: this.store,
      cdc: this.cdc,
      opts,
      parent,
      entries: [],
      progress: { files: 0, dirs: 0, bytes: 0, skipped: 0 },
      unreadable: [],
      lastReport: 0,
      windowBuffers: new WindowBuffers(),
      sharedBuffers: new WindowBuffers(8, true),
      hashing: {
        enabled: this.store.useWorkers,
        started: null,
        pool() {
          this.started ??= new HashPool(HASH_WORKERS);
          return this.started;
        },
        files: 0,
      },
    };
  }

  async #finish(
    ctx: WalkContext,
    entries: ManifestEntry[],
    roots: string[],
    opts: SnapshotOptions,
    started: number,
  ): Promise<SnapshotResult> {
    const manifest = await saveManifest(this.store, this.manifestCdc, entries);
    await this.store.flush();
    const summary = {
      files: ctx.progress.files,
      dirs: ctx.progress.dirs,
      bytes: entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0),
      newBytes: this.store.newBytes,
      storedBytes: this.store.storedBytes,
      durationMs: this.clock.now() - started,
      skipped: ctx.progress.skipped,
      ...(ctx.unreadable.length > 0
        ? { unreadable: ctx.unreadable.length, unreadablePaths: ctx.unreadable.slice(0, UNREADABLE_NAMED) }
        : {}),
    };
    const file: SnapshotFile = {
      version: 1,
      time: new Date(started).toISOString(),
      host: opts.host ?? hostname(),
      roots,
      tags: [...(opts.tags ?? [])].sort(),
      extra: { ...((typeof opts.extra === 'function' ? opts.extra() : opts.extra) ?? {}) },
      summary,
      manifest,
      entries: entries.length,
    };
    if (opts.parent !== undefined) file.parent = opts.parent;
    const name = await writeJsonFile(this.backend, this.key.enc, 'snapshots', file);
    this.#snapCache.set(name, file);
    return { id: snapshotId(name), summary };
  }

  snapshot(roots: string[], opts: SnapshotOptions = {}): Promise<SnapshotResult> {
    return this.#withLock(false, async () => {
      const started = this.clock.now();
      const ctx = await this.#newContext(opts);
      try {
        const entries = await walkRoots(ctx, roots);
        const rootList = [...new Set(roots.map((r) => join(r)))].map((r) =>
          r.length > 1 && r.endsWith('/') ? r.slice(0, -1) : r,
        );
        return await this.#finish(ctx, entries, rootList, opts, started);
      } finally {
        await ctx.hashing.started?.close();
      }
    });
  }

  snapshotStream(name: string, readable: StreamSource, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
    if (name === '' || name.includes('/') || name === '.' || name === '..')
      throw new AppError('usage', 'a stream name is one plain file name', { where: name });
    return this.#withLock(false, async () => {
      const started = this.clock.now();
      const ctx = await this.#newContext(opts);
      try {
        const entry = await storeStream(ctx, name, readable, started);
        return await this.#finish(ctx, [entry], [entry.root], opts, started);
      } finally {
        // Also when the stream failed (a dump tool that died): no hashing thread is left behind.
        await ctx.hashing.started?.close();
      }
    });
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const f of await this.backend.list('snapshots')) {
      try {
        out.push(this.#info(f.name, await this.readSnapshotFile(f.name)));
      } catch (e) {
        // Removed by a concurrent forget between list and read.
        if (e instanceof AppError && e.code === 'not_found') continue;
        throw e;
      }
    }
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  }

  async findSnapshot(idOrPrefix: string): Promise<SnapshotInfo> {
    const all = await this.listSnapshots();
    if (idOrPrefix === 'latest') {
      const last = all.at(-1);
      if (last === undefined) throw new AppError('not_found', 'the repository has no snapshots');
      return last;
    }
    const m = all.filter((s) => s.id.startsWith(idOrPrefix.toLowerCase()));
    if (m.length === 0 || idOrPrefix === '') throw new AppError('not_found', 'no such snapshot', { where: idOrPrefix });
    if (m.length > 1)
      throw new AppError('usage', `${m.length} snapshots start with this; give more of the id`, { where: idOrPrefix });
    return m[0] as SnapshotInfo;
  }

  async loadManifest(id: SnapshotId): Promise<Manifest> {
    await this.#ensureIndex();
    let s: SnapshotFile;
    try {
      s = await this.readSnapshotFile(id);
    } catch (e) {
      if (e instanceof AppError && e.code === 'not_found')
        throw new AppError('not_found', 'no such snapshot', { where: id });
      throw e;
    }
    return { id, time: s.time, roots: s.roots, entries: await loadManifestEntries(this.store, s.manifest) };
  }

  async readFile(entry: ManifestEntry): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.openFile(entry)) parts.push(c);
    return Buffer.concat(parts);
  }

  async *openFile(entry: ManifestEntry): AsyncIterable<Buffer> {
    if (entry.type !== 'file' || entry.chunks === undefined || entry.hash === undefined)
      throw new AppError('usage', 'not a regular file', { where: entry.path });
    await this.#ensureIndex();
    if (entry.chunks.length > 1 && this.store.chunksOffThread) {
      yield* this.#openFileOffThread(entry);
      return;
    }
    const h = createHash('sha256');
    // A few chunks read ahead, so reading the next ones overlaps with writing this one.
    const ids = entry.chunks;
    for await (const c of inOrder(ids.length, READ_AHEAD, (i) => this.store.load(ids[i] as string))) {
      h.update(c);
      yield c;
    }
    checkFileHash(entry, h.digest('hex'));
  }

  /**
   * A big file from a local repository: a worker reads, opens and verifies each chunk and keeps
   * the whole-file SHA-256, so the main thread only passes the chunks on.
   */
  async *#openFileOffThread(entry: ManifestEntry): AsyncIterable<Buffer> {
    const ids = entry.chunks as string[];
    const file = this.#files++;
    const last = ids.length - 1;
    let digest: string | undefined;
    for await (const c of inOrder(ids.length, READ_AHEAD, (i) =>
      this.store.loadChunk(ids[i] as string, file, i === 0, i === last),
    )) {
      digest = c.digest;
      yield c.plain;
    }
    checkFileHash(entry, digest);
  }

  /**
   * Writes a big file's content into `fd` (open for reading and writing) from the start, every
   * chunk read, opened, verified against its id and written at its place by a worker thread
   * (the main thread never holds the data). With `verify`, the file's own worker then reads
   * the written parts back, in order, into the whole-file SHA-256 (what is on disk). False
   * when this repository cannot (a remote backend, or workers off): the caller writes it itself.
   */
  async writeFileTo(entry: ManifestEntry, fd: number, verify = false): Promise<boolean> {
    if (entry.type !== 'file' || entry.chunks === undefined || entry.hash === undefined) return false;
    if (entry.chunks.length < 2 || !this.store.chunksOffThread) return false;
    await this.#ensureIndex();
    const ids = entry.chunks;
    const last = ids.length - 1;
    const file = this.#files++;
    const lengths = ids.map((id) => this.store.index.get(id)?.rawLength ?? 0);
    const positions: number[] = [];
    let at = 0;
    for (const n of lengths) {
      positions.push(at);
      at += n;
    }
    // Chunks are written by all workers at once, each at its place; with `verify`, as each is
    // written (in order), the file's own worker reads it back into the file's hash.
    const hashed: Promise<string | undefined>[] = [];
    try {
      let i = 0;
      for await (const _ of inOrder(ids.length, WRITE_AHEAD, (k) =>
        this.store.loadChunk(ids[k] as string, file, false, false, { fd, position: positions[k] as number }, k),
      )) {
        if (verify) {
          const h = this.store.hashBack(file, fd, positions[i] as number, lengths[i] as number, i === 0, i === last);
          h.catch(() => undefined); // awaited in order below; a failure is thrown there
          hashed.push(h);
        }
        i++;
      }
    } finally {
      // Nothing may still read from fd once the caller closes it (inOrder waits for the writes).
      await Promise.allSettled(hashed);
    }
    if (!verify) return true;
    let digest: string | undefined;
    for (const h of hashed) digest = await h; // the first failure is thrown here
    checkFileHash(entry, digest);
    return true;
  }

  async restoreEntry(entry: ManifestEntry, targetPath: string, opts: RestoreOptions = {}): Promise<void> {
    await restoreOne(this, entry, targetPath, opts);
  }

  async restore(
    id: SnapshotId,
    targetDir: string,
    opts: RestoreOptions & { filter?: (e: ManifestEntry) => boolean } = {},
  ): Promise<{ files: number; dirs: number; bytes: number; skipped: number }> {
    try {
      return await this.#restore(id, targetDir, opts);
    } catch (e) {
      throw targetError(e, targetDir);
    }
  }

  async #restore(
    id: SnapshotId,
    targetDir: string,
    opts: RestoreOptions & { filter?: (e: ManifestEntry) => boolean },
  ): Promise<{ files: number; dirs: number; bytes: number; skipped: number }> {
    const m = await this.loadManifest(id);
    const roots = new Map(m.roots.map((r, i) => [r, m.roots.length === 1 ? '' : String(i)]));
    const base = Buffer.from(targetDir);
    // Into a folder that is new or empty, small files are created under their own names (no
    // temporary name and rename each); anything found there later still goes through one.
    const fresh = await isNewOrEmpty(targetDir);
    await mkdir(targetDir, { recursive: true });
    // Into a new or empty folder of a local repository, small files are written whole by the
    // open workers (read, verified, created, mode and times set), a batch per message. (With
    // `resume` too: in a new folder nothing is there to keep.)
    const byWorker = fresh && this.store.chunksOffThread;
    const viaWorker = (e: ManifestEntry): boolean =>
      byWorker &&
      e.type === 'file' &&
      e.linkTo === undefined &&
      e.nlink <= 1 &&
      e.size <= SMALL &&
      e.chunks !== undefined &&
      e.hash !== undefined;
    // The other files' small blobs are opened ahead, in order, on a worker thread.
    const wanted = (e: ManifestEntry): boolean =>
      e.type === 'file' &&
      e.linkTo === undefined &&
      e.chunks !== undefined &&
      !viaWorker(e) &&
      (opts.filter?.(e) ?? true);
    let aheadAt = 0;
    const openAhead = (): void => {
      if (this.store.aheadCount >= OPEN_AHEAD / 2) return;
      const ids: string[] = [];
      while (aheadAt < m.entries.length && ids.length < OPEN_AHEAD - this.store.aheadCount) {
        const e = m.entries[aheadAt++] as ManifestEntry;
        if (wanted(e)) ids.push(...(e.chunks as string[]));
      }
      this.store.prefetch(ids);
    };
    try {
      return await this.#restoreEntries(m, base, roots, fresh, opts, openAhead, viaWorker);
    } finally {
      this.store.dropAhead();
    }
  }

  async #restoreEntries(
    m: Manifest,
    base: Buffer,
    roots: Map<string, string>,
    fresh: boolean,
    opts: RestoreOptions & { filter?: (e: ManifestEntry) => boolean },
    openAhead: () => void,
    viaWorker: (e: ManifestEntry) => boolean,
  ): Promise<{ files: number; dirs: number; bytes: number; skipped: number }> {
    // Files are restored several at a time (restoring is a chain of small waits per file:
    // open, read the blob, write, chmod, utimes, rename); a hard link waits for its first path.
    const done = new Map<string, { target: Buffer; ready: Promise<void> }>();
    const dirs: [ManifestEntry, Buffer][] = [];
    const out = { files: 0, dirs: 0, bytes: 0, skipped: 0 };
    const inflight = new Set<Promise<void>>();
    const made = new Set<string>();
    let failure: { error: unknown } | null = null;
    const start = async (task: () => Promise<void>): Promise<{ done: Promise<void> }> => {
      while (inflight.size >= RESTORE_PARALLEL) await Promise.race(inflight);
      if (failure !== null) throw failure.error;
      const t = task().catch((e: unknown) => {
        failure ??= { error: e };
      });
      inflight.add(t);
      void t.finally(() => inflight.delete(t));
      return { done: t };
    };
    // Each file's folder is checked once to be inside `within` (not once per file), so the
    // entries below go to restoreOne without it.
    const { within, ...entryOpts } = opts;
    const inside = within !== undefined ? await folderCheck(within) : null;
    const checked = new Set<string>();
    const owner = setsOwners(opts);
    let batch: { e: ManifestEntry; target: Buffer }[] = [];
    let batchBytes = 0;
    const sendBatch = async (): Promise<void> => {
      const files = batch;
      batch = [];
      batchBytes = 0;
      if (files.length > 0) await start(() => this.#writeSmall(files, owner, entryOpts));
    };
    for (const e of m.entries) {
      if (opts.filter !== undefined && !opts.filter(e)) continue;
      openAhead();
      const sub = roots.get(e.root) ?? '';
      // A stream, or a root that is a single file, is restored under its own name.
      const single = e.path === '' && e.type !== 'dir';
      const rel = e.root.startsWith('stdin:')
        ? Buffer.from(e.root.slice(6).replace(/\//g, '_'))
        : single
          ? Buffer.from(basename(e.root) || 'root')
          : entryPathBytes(e);
      const parts: Buffer[] = [base];
      if (sub !== '') parts.push(Buffer.from(`/${sub}`));
      if (rel.length > 0) parts.push(Buffer.from('/'), rel);
      const target = Buffer.concat(parts);
      if (e.type === 'dir') {
        await mkdir(target, { recursive: true });
        made.add(target.toString('latin1'));
        dirs.push([e, ownCopy(target)]);
        out.dirs++;
        continue;
      }
      const first = e.linkTo !== undefined ? done.get(`${e.root}\u0000${e.linkTo}`) : undefined;
      // Each folder is made once (restoreOne would ask the file system again for every file).
      const parent = target.subarray(0, target.lastIndexOf(0x2f));
      const parentKey = parent.toString('latin1');
      if (!made.has(parentKey)) {
        await mkdir(parent, { recursive: true });
        made.add(parentKey);
      }
      if (inside !== null && !checked.has(parentKey)) {
        await inside(parent, target);
        checked.add(parentKey);
      }
      if (viaWorker(e)) {
        batch.push({ e, target });
        batchBytes += e.size;
        if (batch.length >= SMALL_BATCH_FILES || batchBytes >= SMALL_BATCH_BYTES) await sendBatch();
        out.files++;
        out.bytes += e.size;
        continue;
      }
      const { done: ready } = await start(async () => {
        if (first !== undefined) await first.ready;
        const skipped = await this.#restoreNamed(e, target, {
          ...entryOpts,
          durable: false,
          parentReady: true,
          direct: fresh,
          ...(first !== undefined ? { linkFrom: first.target } : {}),
        });
        if (skipped) {
          out.skipped++;
          // Already there (a resumed restore): what was opened ahead for it is not needed.
          if (e.chunks !== undefined) this.store.dropAhead(e.chunks);
        }
      });
      if (e.type === 'file') {
        // Only a file with other names is looked up again (by its hard links). The path gets
        // memory of its own: a slice of Node's shared pool would pin 8 KiB per file.
        if (e.nlink > 1) done.set(`${e.root}\u0000${e.path}`, { target: ownCopy(target), ready });
        out.files++;
        out.bytes += e.size;
      }
    }
    await sendBatch();
    await Promise.all(inflight);
    if (failure !== null) throw (failure as { error: unknown }).error;
    // A resumed restore also clears the half-written temp files the interrupted one left.
    if (opts.resume === true) for (const d of made) await removeLeftovers(Buffer.from(d, 'latin1'));
    // Folder modes and times last, deepest first, so writing into them does not change them.
    for (const [e, target] of dirs.reverse()) await restoreOne(this, e, target, { ...opts, durable: false });
    return out;
  }

  /**
   * Small files written whole by the open workers (see Store.writeSmallFiles). One that finds
   * something already under its name goes through restoreOne's temporary name instead.
   */
  async #writeSmall(
    files: { e: ManifestEntry; target: Buffer }[],
    owner: boolean,
    opts: RestoreOptions,
  ): Promise<void> {
    const results = await this.store.writeSmallFiles(
      files.map(({ e, target }) => ({
        path: target.toString('latin1'),
        mode: e.mode & 0o7777,
        mtime: e.mtimeMs / 1000,
        uid: e.uid,
        gid: e.gid,
        hash: e.hash as string,
        ids: e.chunks as string[],
      })),
      owner,
    );
    for (const [i, r] of results.entries()) {
      if (typeof r === 'number') continue;
      const { e, target } = files[i] as { e: ManifestEntry; target: Buffer };
      if (typeof r === 'string') throw new AppError('corrupt', r, { where: e.path });
      if (r[0] !== 'EEXIST') throw Object.assign(new Error(r[1]), { code: r[0] });
      await this.#restoreNamed(e, target, { ...opts, durable: false, parentReady: true });
    }
  }

  /** restoreOne, with damage reported under the file's name (the blob's id alone tells a user nothing). */
  async #restoreNamed(e: ManifestEntry, target: Buffer, opts: Parameters<typeof restoreOne>[3]): Promise<boolean> {
    try {
      return await restoreOne(this, e, target, opts);
    } catch (err) {
      if (err instanceof AppError && err.code === 'corrupt' && err.where === undefined)
        throw new AppError('corrupt', err.message, { where: e.path, cause: err });
      throw err;
    }
  }

  forget(rules: KeepRules): Promise<ForgetResult> {
    return this.#withLock(true, async () => {
      const all = await this.listSnapshots();
      const result = applyKeepRules(all, rules);
      if (rules.dryRun !== true) for (const s of result.remove) await this.backend.remove('snapshots', s.id);
      return result;
    });
  }

  removeSnapshots(ids: SnapshotId[]): Promise<number> {
    return this.#withLock(true, async () => {
      let n = 0;
      for (const id of ids) {
        if ((await this.backend.stat('snapshots', id)) === null)
          throw new AppError('not_found', 'no such snapshot', { where: id });
        await this.backend.remove('snapshots', id);
        n++;
      }
      return n;
    });
  }

  prune(opts: PruneOptions = {}): Promise<PruneResult> {
    return this.#withLock(true, async () => {
      await this.reloadIndex();
      const r = await pruneRepository(this, opts);
      await this.reloadIndex();
      return r;
    });
  }

  check(opts: CheckOptions = {}): Promise<CheckResult> {
    return this.#withLock(false, () => checkRepository(this, opts));
  }

  async stats(): Promise<RepoStats> {
    await this.reloadIndex();
    const snaps = await this.listSnapshots();
    let rawBytes = 0;
    for (const e of this.store.index.values()) rawBytes += e.rawLength;
    let storedBytes = 0;
    for (const size of this.store.packs.values()) storedBytes += size;
    return {
      snapshots: snaps.length,
      packs: this.store.packs.size,
      blobs: this.store.index.size,
      storedBytes,
      rawBytes,
      snapshotBytes: snaps.reduce((n, s) => n + s.summary.bytes, 0),
      keys: (await this.backend.list('keys')).length,
    };
  }

  async addKey(passphrase: string, opts: { scryptN?: number } = {}): Promise<string> {
    if (passphrase === '') throw new AppError('usage', 'the passphrase must not be empty');
    const bytes = await wrapMasterKey(
      this.key,
      passphrase,
      { ...defaultScrypt, N: opts.scryptN ?? defaultScrypt.N },
      keyMeta(this.clock),
    );
    const name = sha256Hex(bytes);
    await this.backend.put('keys', name, bytes);
    return name;
  }

  async listKeys(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for (const f of await this.backend.list('keys')) {
      const k = parseKeyFile(await this.backend.get('keys', f.name), `keys/${f.name}`);
      out.push({
        id: f.name,
        created: String(k.created),
        host: String(k.host),
        username: String(k.username),
        current: f.name === this.keyName,
      });
    }
    return out.sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  async removeKey(id: string): Promise<void> {
    const keys = await this.listKeys();
    const m = keys.filter((k) => k.id.startsWith(id));
    if (m.length !== 1 || id === '')
      throw new AppError('not_found', m.length === 0 ? 'no such key' : 'key id prefix is not unique', { where: id });
    const k = m[0] as KeyInfo;
    if (k.current) throw new AppError('refused', 'cannot remove the key this repository was opened with');
    await this.backend.remove('keys', k.id);
  }

  listLocks(): Promise<LockInfo[]> {
    return listLocks(this.backend, this.key.enc, this.clock, this.staleMs);
  }

  async unlock(all = false): Promise<number> {
    let n = 0;
    for (const l of await this.listLocks()) {
      if (all || l.stale) {
        await this.backend.remove('locks', l.id);
        n++;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

/** True when `dir` does not exist yet or holds nothing. */
async function isNewOrEmpty(dir: string): Promise<boolean> {
  try {
    const d = await opendir(dir);
    try {
      return (await d.read()) === null;
    } finally {
      await d.close();
    }
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Unreadable paths named in a snapshot's summary (all are counted). */
const UNREADABLE_NAMED = 20;

/**
 * A failure of the target's file system during a restore (a full disk, no permission, a
 * read-only mount) as the I/O error it is, with what to do; the restore is not an internal error.
 */
function targetError(e: unknown, targetDir: string): unknown {
  if (e instanceof AppError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return e;
  const hint: Record<string, string> = {
    ENOSPC: 'the disk is full: free some space or restore elsewhere, then run the same restore again',
    EDQUOT: 'the disk quota is used up: free some space or restore elsewhere, then run the same restore again',
    EACCES: 'no permission to write there',
    EPERM: 'no permission to write there',
    EROFS: 'the file system is read-only',
  };
  const text = (e as Error).message;
  return new AppError('io', hint[code] !== undefined ? `${text} (${hint[code]})` : text, {
    where: targetDir,
    cause: e,
  });
}

// Taking a snapshot: walks the roots (names as bytes, so names that are not UTF-8 survive),
// stats every entry, reuses the parent's chunk lists for files whose size, times, inode and
// device are unchanged, reads and chunks the rest, and hands the blobs to the store. Small
// files are one blob; bigger ones are cut with FastCDC. Also snapshots of a stream (a dump).

import {
  closeSync,
  constants as fsc,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
  type Stats,
} from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { Cdc } from './chunker.ts';
import { ChunkWindow, feed, pour, type WindowBuffers } from './chunker.ts';
import type { HashPool } from './hash-pool.ts';
import { sha256 } from './crypto.ts';
import { compareEntries } from './manifest.ts';
import type { BlobStore } from './store.ts';
import type { ManifestEntry, Progress, SnapshotOptions, StreamSource } from './types.ts';
import { entryTypeOf } from '../core/file-entry.ts';

export interface WalkContext {
  store: BlobStore;
  cdc: Cdc;
  opts: SnapshotOptions;
  parent: Map<string, ManifestEntry> | null;
  entries: ManifestEntry[];
  progress: Progress & { dirs: number; bytes: number; skipped: number };
  /** Files and folders the walk had no permission to read (paths under their root), left out. */
  unreadable: string[];
  lastReport: number;
  /** Chunking buffers used again across the big files and streams of this snapshot. */
  windowBuffers: WindowBuffers;
  /** The same in shared memory, for chunks hashed on a worker thread. */
  sharedBuffers: WindowBuffers;
  /**
   * The worker that hashes chunks: started on first use (null when workers are off), closed
   * when the snapshot ends; files are numbered for it.
   */
  hashing: { enabled: boolean; started: HashPool | null; pool(): HashPool; files: number };
}

const SLASH = Buffer.from('/');

export const parentKey = (root: string, path: string): string => `${root}\u0000${path}`;

function baseEntry(root: string, rel: string, raw: Buffer | null, st: Stats): ManifestEntry {
  const e: ManifestEntry = {
    root,
    path: rel,
    type: entryTypeOf(st),
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.isFile() ? st.size : 0,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
    dev: st.dev,
    nlink: st.nlink,
  };
  if (raw !== null) e.rawPath = raw.toString('base64');
  return e;
}

function report(ctx: WalkContext, force = false): void {
  if (ctx.opts.onProgress === undefined) return;
  if (!force && ctx.progress.files - ctx.lastReport < 256) return;
  ctx.lastReport = ctx.progress.files;
  ctx.opts.onProgress({ files: ctx.progress.files, bytes: ctx.progress.bytes });
}

/**
 * Opens a file that lstat saw as regular without following a symlink and without blocking on
 * a FIFO: if someone swapped it meanwhile (a symlink to /etc/shadow, a pipe), it is not read.
 */
function openRegular(path: Buffer): number | null {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  return null;
}

/** Reads and stores one regular file's content; fills chunks, hash and the size actually read. False if it is no longer a regular file. */
async function storeFile(ctx: WalkContext, path: Buffer, e: ManifestEntry): Promise<boolean> {
  const { store, cdc } = ctx;
  const fd = openRegular(path);
  if (fd === null) return false;
  try {
    if (e.size <= cdc.params.min) {
      // Read into the store's slot (no buffer of its own), asking for one byte more than lstat
      // saw to notice growth: a regular file's read comes back short only at its end, so an
      // unchanged file takes one read.
      const data = store.slot(e.size + 1);
      let saved = false;
      try {
        let n = 0;
        while (n <= e.size) {
          const r = readSync(fd, data, n, e.size + 1 - n, null);
          n += r;
          if (r === 0 || n === e.size) break;
        }
        if (n <= e.size) {
          const content = data.subarray(0, n);
          const h = sha256(content);
          e.hash = h.toString('hex');
          e.size = n;
          saved = n > 0;
          e.chunks = n === 0 ? [] : [(await store.save('data', content, h)).id];
          ctx.progress.bytes += n;
          return true;
        }
        // It grew since lstat: chunk it like a big file (the window starts with what was read).
        return await chunkFile(ctx, fd, e, Buffer.from(data.subarray(0, n)));
      } finally {
        // Memory the store lent and was not handed back to it (not saved, or a read failed).
        if (!saved) store.unslot(data);
      }
    }
    return await chunkFile(ctx, fd, e, null);
  } finally {
    closeSync(fd);
  }
}

/**
 * Content-defined chunking of one file's bytes as they are pushed into the window: each
 * chunk cut is stored, and the whole content is hashed and counted on the way.
 */
class ChunkedContent {
  readonly win: ChunkWindow;
  readonly chunks: string[] = [];
  size = 0;
  readonly #ctx: WalkContext;
  readonly #file: number;
  /** The running hash when it is kept here (workers off); else a worker thread keeps it. */
  readonly #whole: Hash | null;
  /** Chunks cut and being hashed, stored in order once their hash is known. */
  readonly #hashing: { chunk: Buffer; sha: Promise<Buffer> }[] = [];

  /** `size`: the file's size when known (a stream's is not). */
  constructor(ctx: WalkContext, size?: number) {
    this.#ctx = ctx;
    this.#file = ctx.hashing.files++;
    // A file below HASH_OFF_THREAD_MIN is hashed here unless the worker is already running:
    // starting one costs ~100 ms and ~20 MB of fresh memory, more than hashing a few MiB twice.
    const offThread =
      ctx.hashing.enabled && (size === undefined || size >= HASH_OFF_THREAD_MIN || ctx.hashing.started !== null);
    this.#whole = offThread ? null : createHash('sha256');
    // Chunks hashed on a worker are read there in place: shared memory.
    this.win = new ChunkWindow(ctx.cdc, ctx.hashing.enabled ? ctx.sharedBuffers : ctx.windowBuffers);
  }

  /** Stores the chunks the window can cut now (all that is left when `final`). */
  async take(final: boolean): Promise<void> {
    const win = this.win;
    for (let c = win.next(final); c !== null; c = win.next(final)) {
      this.size += c.length;
      this.#ctx.progress.bytes += c.length;
      if (this.#whole !== null) {
        this.#whole.update(c);
        await this.#store(c, undefined);
        continue;
      }
      // The worker (started at the first chunk cut) hashes this chunk, and the file so far,
      // while the next ones are cut.
      const sha = this.#ctx.hashing.pool().chunk(this.#file, this.chunks.length + this.#hashing.length === 0, c);
      sha.catch(() => undefined); // awaited in order below; a failure is thrown there
      this.#hashing.push({ chunk: c, sha });
      while (this.#hashing.length > HASH_AHEAD) await this.#storeOldest();
    }
    if (final) {
      while (this.#hashing.length > 0) await this.#storeOldest();
      win.close();
    }
  }

  async #storeOldest(): Promise<void> {
    const { chunk, sha } = this.#hashing.shift() as { chunk: Buffer; sha: Promise<Buffer> };
    await this.#store(chunk, await sha);
  }

  async #store(chunk: Buffer, sha: Buffer | undefined): Promise<void> {
    // The window may use the chunk's memory again once the store no longer reads it.
    this.chunks.push((await this.#ctx.store.save('data', chunk, sha, () => this.win.release(chunk))).id);
    report(this.#ctx);
  }

  /** The whole content's SHA-256 (hex), after the final take. */
  async hash(): Promise<string> {
    if (this.#whole !== null) return this.#whole.digest('hex');
    // No chunk at all (an empty stream): the SHA-256 of nothing, without starting a worker.
    if (this.size === 0) return createHash('sha256').digest('hex');
    return this.#ctx.hashing.pool().digest(this.#file);
  }
}

/** Chunks hashed on the worker ahead of being stored (their window buffers stay pinned meanwhile). */
const HASH_AHEAD = 8;
/** Files from this size on (and streams) are hashed on the worker thread. */
const HASH_OFF_THREAD_MIN = 32 * 1024 * 1024;

async function chunkFile(ctx: WalkContext, fd: number, e: ManifestEntry, head: Buffer | null): Promise<boolean> {
  const content = new ChunkedContent(ctx, e.size);
  if (head !== null) {
    content.win.push(head);
    await content.take(false);
  }
  await pour(
    content.win,
    (room) => readSync(fd, room, 0, room.length, null),
    () => content.take(false),
  );
  await content.take(true);
  e.chunks = content.chunks;
  e.hash = await content.hash();
  e.size = content.size;
  return true;
}

function gone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function denied(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * A file or folder the backup may not read (a root-owned secret in the docroot, when backups
 * run as the shop's user): left out and named in the summary, as restic does, rather than
 * losing the whole backup over it. The job raises an alert for it.
 */
function noteUnreadable(ctx: WalkContext, rel: string): void {
  ctx.unreadable.push(rel === '' ? '.' : rel);
}

async function visit(
  ctx: WalkContext,
  root: string,
  abs: Buffer,
  rel: string,
  raw: Buffer | null,
  st: Stats,
  links: Map<string, ManifestEntry>,
): Promise<void> {
  const e = baseEntry(root, rel, raw, st);
  if (e.type === 'symlink') {
    e.target = readlinkSync(abs, { encoding: 'buffer' }).toString('utf8');
  } else if (e.type === 'file') {
    ctx.progress.files++;
    const linkKey = `${st.dev}:${st.ino}`;
    const fromEntry = st.nlink > 1 ? links.get(linkKey) : undefined;
    const prev = ctx.parent?.get(parentKey(root, rel));
    if (fromEntry !== undefined && fromEntry.chunks !== undefined && fromEntry.hash !== undefined) {
      e.linkTo = fromEntry.path;
      e.chunks = fromEntry.chunks;
      e.hash = fromEntry.hash;
      e.size = fromEntry.size;
    } else if (
      prev !== undefined &&
      prev.type === 'file' &&
      prev.size === st.size &&
      prev.mtimeMs === st.mtimeMs &&
      prev.ctimeMs === st.ctimeMs &&
      prev.ino === st.ino &&
      prev.dev === st.dev &&
      prev.chunks !== undefined &&
      prev.hash !== undefined &&
      prev.chunks.every((c) => ctx.store.has(c))
    ) {
      e.chunks = prev.chunks;
      e.hash = prev.hash;
      ctx.progress.bytes += st.size;
    } else {
      try {
        if (!(await storeFile(ctx, abs, e))) {
          ctx.progress.skipped++;
          return;
        }
      } catch (err) {
        if (gone(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') {
          ctx.progress.skipped++;
          return;
        }
        if (denied(err)) return noteUnreadable(ctx, rel);
        throw new AppError('io', `cannot read: ${(err as Error).message}`, { where: `${root}/${rel}`, cause: err });
      }
    }
    if (st.nlink > 1 && fromEntry === undefined) links.set(linkKey, e);
    report(ctx);
  }
  ctx.entries.push(e);
  if (e.type !== 'dir') return;
  ctx.progress.dirs++;
  let names: Buffer[];
  try {
    names = readdirSync(abs, { encoding: 'buffer' });
  } catch (err) {
    if (gone(err)) return;
    // The folder itself is kept (its owner and mode say why), its content is not there to read.
    if (denied(err)) return noteUnreadable(ctx, rel);
    throw new AppError('io', `cannot list: ${(err as Error).message}`, { where: `${root}/${rel}`, cause: err });
  }
  names.sort(Buffer.compare);
  for (const name of names) {
    const nameStr = name.toString('utf8');
    const exact = raw === null && Buffer.from(nameStr, 'utf8').equals(name);
    const childRel = rel === '' ? nameStr : `${rel}/${nameStr}`;
    const childRaw = exact
      ? null
      : raw === null
        ? rel === ''
          ? name
          : Buffer.concat([Buffer.from(rel, 'utf8'), SLASH, name])
        : Buffer.concat([raw, SLASH, name]);
    const childAbs = Buffer.concat([abs, SLASH, name]);
    let cst: Stats;
    try {
      cst = lstatSync(childAbs);
    } catch (err) {
      if (gone(err)) continue;
      if (denied(err)) {
        noteUnreadable(ctx, childRel);
        continue;
      }
      throw new AppError('io', `cannot stat: ${(err as Error).message}`, { where: `${root}/${childRel}`, cause: err });
    }
    if (ctx.opts.exclude?.(childRel, cst.isDirectory()) === true) continue;
    await visit(ctx, root, childAbs, childRel, childRaw, cst, links);
  }
}

/** Walks every root and stores new content; returns the sorted entries. */
export async function walkRoots(ctx: WalkContext, roots: readonly string[]): Promise<ManifestEntry[]> {
  const order = new Map<string, number>();
  for (const [i, r] of roots.entries()) {
    if (!isAbsolute(r)) throw new AppError('usage', 'snapshot roots must be absolute paths', { where: r });
    const root = resolve(r);
    if (order.has(root)) continue;
    order.set(root, i);
    let st: Stats;
    try {
      st = lstatSync(root);
      // A root given as a symlink (/var/www/shop -> /srv/shop) means what it points to.
      if (st.isSymbolicLink()) st = statSync(root);
    } catch (err) {
      throw new AppError('not_found', `cannot snapshot: ${(err as Error).message}`, { where: root, cause: err });
    }
    await visit(ctx, root, Buffer.from(root), '', null, st, new Map());
  }
  report(ctx, true);
  return ctx.entries.sort((a, b) => compareEntries(a, b, order));
}

/** Stores a stream as one file entry (root `stdin:NAME`, path ''). */
export async function storeStream(
  ctx: WalkContext,
  name: string,
  readable: StreamSource,
  now: number,
): Promise<ManifestEntry> {
  const content = new ChunkedContent(ctx);
  const take = () => content.take(false);
  if ('readInto' in readable) {
    try {
      await pour(content.win, (room) => readable.readInto(room), take);
    } finally {
      await readable.close?.();
    }
  } else for await (const data of readable) await feed(content.win, data, take);
  await content.take(true);
  ctx.progress.files = 1;
  report(ctx, true);
  return {
    root: `stdin:${name}`,
    path: '',
    type: 'file',
    mode: 0o100600,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    size: content.size,
    mtimeMs: now,
    ctimeMs: now,
    ino: 0,
    dev: 0,
    nlink: 1,
    chunks: content.chunks,
    hash: await content.hash(),
  };
}

// The snapshot repository in a local directory: config, keys/, locks/, snapshots/, index/ and
// data/XX/ (packs spread over 256 folders by the first two hex digits of their name). Every
// write is temp file + fsync + rename + fsync of the folder, so a crash leaves either the whole
// file or none (plus at worst a `.tmp-*` file, which list() never shows).

import { randomBytes } from 'node:crypto';
import { constants as fsc, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { LocationOptions, ParsedLocation } from '../../core/config/backends.ts';
import { AppError } from '../../core/errors.ts';
import type { Backend, FileInfo, FileType } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';

const NAME = /^[0-9a-f]{64}$/;

function ioError(e: unknown, where: string): AppError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new AppError('not_found', 'no such file in the repository', { where, cause: e });
  const transient =
    err.code === 'EAGAIN' ||
    err.code === 'EBUSY' ||
    err.code === 'EINTR' ||
    err.code === 'EMFILE' ||
    err.code === 'ENFILE';
  return new AppError('io', err.message, { where, cause: e, transient });
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** writev in groups (the system takes at most IOV_MAX pieces), finishing short writes. */
async function writeAll(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  for (let i = 0; i < parts.length; i += 256) {
    const group = parts.slice(i, i + 256);
    const want = group.reduce((n, p) => n + p.length, 0);
    const { bytesWritten } = await fh.writev(group as Uint8Array[]);
    if (bytesWritten < want) {
      const rest = Buffer.concat(group).subarray(bytesWritten);
      let off = 0;
      while (off < rest.length) off += (await fh.write(rest, off)).bytesWritten;
    }
  }
}

interface PackHandle {
  fh: Promise<FileHandle>;
  users: number;
  /** Out of the cache: closed when its last user is done. */
  dropped: boolean;
}

async function closeQuietly(fh: Promise<FileHandle>): Promise<void> {
  try {
    await (await fh).close();
  } catch {
    // It never opened, or is closed already.
  }
}

const SYNC_READ_MAX = 64 * 1024;

async function readRange(
  fh: FileHandle,
  range: { offset: number; length: number },
  type: FileType,
  name: string,
): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(range.length);
  let got = 0;
  while (got < range.length) {
    // A small blob is read in place: a thread-pool round trip costs about ten times the read
    // itself (a restore of 100,000 small files reads 100,000 of them). Big ones go to the pool.
    const bytesRead =
      range.length <= SYNC_READ_MAX
        ? readSync(fh.fd, buf, got, range.length - got, range.offset + got)
        : (await fh.read(buf, got, range.length - got, range.offset + got)).bytesRead;
    if (bytesRead === 0)
      throw new AppError('corrupt', `file ends before offset ${range.offset + range.length}`, {
        where: `${type}/${name}`,
      });
    got += bytesRead;
  }
  return buf;
}

export class LocalBackend implements Backend {
  readonly location: string;
  readonly #made = new Set<string>();
  readonly #packs = new Map<string, PackHandle>();

  constructor(dir: string) {
    this.location = dir;
  }

  #dir(type: FileType, name: string): string {
    if (type === 'config') {
      if (name !== 'config') throw new AppError('usage', 'the config file is called config', { where: name });
      return this.location;
    }
    if (!NAME.test(name))
      throw new AppError('usage', 'repository file names are 64 hex digits', { where: `${type}/${name}` });
    return type === 'data' ? join(this.location, 'data', name.slice(0, 2)) : join(this.location, type);
  }

  async put(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const dir = this.#dir(type, name);
    const path = join(dir, name);
    const parts = data instanceof Uint8Array ? [data] : data;
    const size = parts.reduce((n, p) => n + p.length, 0);
    try {
      if (!this.#made.has(dir)) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        this.#made.add(dir);
      }
      // Names are content hashes: a file already there has these bytes (put is idempotent).
      const existing = await stat(path).catch(() => null);
      if (existing !== null && existing.size === size && type !== 'config') return;
      const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      const fh = await open(tmp, 'wx', 0o600);
      try {
        try {
          await writeAll(fh, parts);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
      } catch (e) {
        // A write that failed (a full disk above all) takes its half-written file away: left
        // there, it kept the disk full and failed every later backup until a prune.
        await rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
      await fsyncDir(dir);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw ioError(e, `${this.location}: ${type}/${name}`);
    }
  }

  /**
   * Runs f on an open handle of a pack, kept open for the next reads of the same pack
   * (restore and copy read many blobs from one pack: one open instead of one per blob).
   * Packs never change once written; the least recently used handles beyond 16 are closed.
   */
  async #withPack<T>(path: string, f: (fh: FileHandle) => Promise<T>): Promise<T> {
    let h = this.#packs.get(path);
    if (h === undefined) {
      h = { fh: open(path, 'r'), users: 0, dropped: false };
      h.fh.catch(() => undefined);
    } else this.#packs.delete(path);
    this.#packs.set(path, h); // most recently used last
    h.users++;
    const entry = h;
    try {
      return await f(await entry.fh);
    } catch (e) {
      this.#drop(path, entry);
      throw e;
    } finally {
      entry.users--;
      if (entry.dropped && entry.users === 0) await closeQuietly(entry.fh);
      this.#evict();
    }
  }

  #drop(path: string, h: PackHandle): void {
    if (this.#packs.get(path) === h) this.#packs.delete(path);
    h.dropped = true;
  }

  #evict(): void {
    for (const [path, h] of this.#packs) {
      if (this.#packs.size <= 16) break;
      if (h.users > 0) continue;
      this.#packs.delete(path);
      h.dropped = true;
      void closeQuietly(h.fh);
    }
  }

  dataPath(name: string): string {
    return join(this.#dir('data', name), name);
  }

  async get(type: FileType, name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const path = join(this.#dir(type, name), name);
    try {
      if (range !== undefined && type === 'data')
        return await this.#withPack(path, (fh) => readRange(fh, range, type, name));
      const fh = await open(path, 'r');
      try {
        if (range === undefined) return await fh.readFile();
        return await readRange(fh, range, type, name);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw ioError(e, `${type}/${name}`);
    }
  }

  async stat(type: FileType, name: string): Promise<FileInfo | null> {
    try {
      const st = await stat(join(this.#dir(type, name), name));
      return { name, size: st.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(e, `${type}/${name}`);
    }
  }

  async #listDir(dir: string): Promise<FileInfo[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, dir);
    }
    const out: FileInfo[] = [];
    for (const name of names) {
      if (!NAME.test(name)) continue; // temp files and anything foreign
      const st = await stat(join(dir, name)).catch(() => null);
      if (st?.isFile()) out.push({ name, size: st.size });
    }
    return out;
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === 'config') {
      const s = await this.stat('config', 'config');
      return s === null ? [] : [s];
    }
    if (type !== 'data') return this.#listDir(join(this.location, type));
    const out: FileInfo[] = [];
    let subs: string[];
    try {
      subs = await readdir(join(this.location, 'data'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, 'data');
    }
    for (const sub of subs.sort())
      if (/^[0-9a-f]{2}$/.test(sub)) out.push(...(await this.#listDir(join(this.location, 'data', sub))));
    return out;
  }

  async remove(type: FileType, name: string): Promise<void> {
    const path = join(this.#dir(type, name), name);
    const h = this.#packs.get(path);
    if (h !== undefined) {
      this.#drop(path, h);
      if (h.users === 0) await closeQuietly(h.fh);
    }
    try {
      await unlink(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw ioError(e, `${type}/${name}`);
    }
  }

  /** Deletes `.tmp-*` files a killed writer left (called by prune and unlock, when nothing else writes). */
  async removeTemporaryFiles(): Promise<number> {
    let n = 0;
    const dirs = ['keys', 'locks', 'snapshots', 'index'].map((d) => join(this.location, d));
    const data = join(this.location, 'data');
    for (const sub of await readdir(data).catch(() => [] as string[])) dirs.push(join(data, sub));
    dirs.push(this.location);
    for (const d of dirs) {
      for (const name of await readdir(d).catch(() => [] as string[])) {
        if (name.startsWith('.tmp-')) {
          await rm(join(d, name), { force: true });
          n++;
        }
      }
    }
    return n;
  }

  async close(): Promise<void> {
    const open = [...this.#packs.values()];
    this.#packs.clear();
    for (const h of open) {
      h.dropped = true;
      if (h.users === 0) await closeQuietly(h.fh);
    }
  }
}

// ---- component: a repository in a local folder (any location that is not another backend's) ---

export const type = 'local';

export const schema = z
  .strictObject({
    type: z.literal('local').describe('A folder on this machine (or a mounted disk).'),
    path: z.string().min(1).describe('Absolute folder of the repository.'),
  })
  .describe('Repository in a local folder.');

export type LocalBackendSpec = z.infer<typeof schema>;

/** Any text that no other backend claims is a folder. */
export function fromLocation(text: string, _opts: LocationOptions, resolve: (p: string) => string): ParsedLocation {
  return { ok: true, spec: { type: 'local', path: resolve(text) } };
}

/** The location for messages. */
export function describe(spec: LocalBackendSpec): string {
  return spec.path;
}

export function create(spec: LocalBackendSpec, _ctx?: BackendContext): LocalBackend {
  return new LocalBackend(spec.path);
}

// Writing entries back: each file goes to a temporary name beside its target, is filled and
// verified against its hash, gets mode, times (and owner when root), and is renamed into
// place, so a reader never sees half a file. Whole-snapshot restore also recreates hard links
// and sets folder times last.

import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc, open as openCb, renameSync, rmSync } from 'node:fs';
import {
  chmod,
  chown,
  lchown,
  link,
  lutimes,
  mkdir,
  open,
  realpath,
  rename,
  readdir,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../core/errors.ts';
import { CREATE_NEW, fillNewFile } from './new-file.ts';
import type { ManifestEntry, RestoreOptions } from './types.ts';

/** Owners can be set only as root; asked once. */
const runsAsRoot = process.getuid?.() === 0;

function tempBeside(target: string | Buffer): string | Buffer {
  const suffix = `.ripcord-tmp-${randomBytes(6).toString('hex')}`;
  if (typeof target === 'string') return join(dirname(target), `.${basename(target)}${suffix}`);
  const slash = target.lastIndexOf(0x2f);
  return Buffer.concat([
    target.subarray(0, slash + 1),
    Buffer.from('.'),
    target.subarray(slash + 1),
    Buffer.from(suffix),
  ]);
}

async function fsyncDir(path: string | Buffer): Promise<void> {
  const dir = typeof path === 'string' ? dirname(path) : path.subarray(0, Math.max(path.lastIndexOf(0x2f), 1));
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface RestoreIo {
  openFile(entry: ManifestEntry): AsyncIterable<Buffer>;
  /**
   * Writes the content into fd (open read-write) itself when it can (false: use openFile);
   * `verify` reads it back into the whole-file hash.
   */
  writeFileTo?(entry: ManifestEntry, fd: number, verify?: boolean): Promise<boolean>;
}

function parentOf(target: string | Buffer): string | Buffer {
  if (typeof target === 'string') return dirname(target);
  const slash = target.lastIndexOf(0x2f);
  return slash <= 0 ? Buffer.from('/') : target.subarray(0, slash);
}

/** The real parent folder must be inside the real `within` folder (symlinks resolved). */
async function checkWithin(target: string | Buffer, within: string): Promise<void> {
  await (await folderCheck(within))(parentOf(target), target);
}

/**
 * A check that a folder is inside the real `within` folder (symlinks resolved), for a restore
 * that checks each parent folder once rather than once per file. Once a folder checks out it
 * stays inside: a restore never replaces a folder by a symlink (rename over a folder fails).
 */
export async function folderCheck(
  within: string,
): Promise<(dir: string | Buffer, forPath: string | Buffer) => Promise<void>> {
  const realWithin = await realpath(within);
  return async (dir, forPath) => {
    const realParent = await realpath(dir);
    const rel = relative(realWithin, realParent);
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
      throw new AppError('refused', `will not write outside ${within}: the folder resolves to ${realParent}`, {
        where: String(forPath),
      });
    }
  };
}

/** Whether a restore sets owners: asked (the default) and running as root. */
export function setsOwners(opts: RestoreOptions): boolean {
  return (opts.owner ?? true) && runsAsRoot;
}

const LEFTOVER = /^\..+\.ripcord-tmp-[0-9a-f]{12}$/;

/**
 * Removes the temporary files an interrupted restore left in `dir` (`.NAME.ripcord-tmp-HEX`, made
 * by tempBeside and renamed into place only when complete). A resumed restore calls it.
 */
export async function removeLeftovers(dir: Buffer): Promise<number> {
  let names: Buffer[];
  try {
    names = await readdir(dir, { encoding: 'buffer' });
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names)
    if (LEFTOVER.test(name.toString('latin1'))) {
      await rm(Buffer.concat([dir, Buffer.from('/'), name]), { force: true });
      n++;
    }
  return n;
}

/** True when `target` is a regular file (not a symlink) with the entry's size and SHA-256. */
async function sameContent(target: string | Buffer, entry: ManifestEntry): Promise<boolean> {
  if (entry.hash === undefined) return false;
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(target, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size !== entry.size) return false;
    const h = createHash('sha256');
    for await (const chunk of fh.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })) h.update(chunk);
    return h.digest('hex') === entry.hash;
  } finally {
    await fh.close();
  }
}

/** Restores one entry; true when it was skipped (`resume` and the file is already there, same content). */
export async function restoreOne(
  io: RestoreIo,
  entry: ManifestEntry,
  target: string | Buffer,
  opts: RestoreOptions & {
    durable?: boolean;
    linkFrom?: string | Buffer;
    parentReady?: boolean;
    /**
     * The target folder was new or empty when this restore began: a small file is created
     * under its own name (exclusively, never through a symlink) instead of a temporary name
     * renamed over it. A file already there still goes through the temporary name.
     */
    direct?: boolean;
  },
): Promise<boolean> {
  const owner = setsOwners(opts);
  if (entry.type !== 'dir' && opts.parentReady !== true) await mkdir(parentOf(target), { recursive: true });
  if (opts.within !== undefined) await checkWithin(target, opts.within);
  const perm = entry.mode & 0o7777;
  const times = [entry.mtimeMs / 1000, entry.mtimeMs / 1000] as const;
  switch (entry.type) {
    case 'dir': {
      await mkdir(target, { recursive: true });
      if (owner) await chown(target, entry.uid, entry.gid);
      await chmod(target, perm);
      await utimes(target, ...times);
      return false;
    }
    case 'symlink': {
      const tmp = tempBeside(target);
      await symlink(entry.target ?? '', tmp);
      try {
        if (owner) await lchown(tmp, entry.uid, entry.gid);
        await lutimes(tmp, ...times);
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return false;
    }
    case 'file': {
      if (opts.resume === true && opts.linkFrom === undefined && (await sameContent(target, entry))) {
        if (owner) await chown(target, entry.uid, entry.gid);
        await chmod(target, perm);
        await utimes(target, ...times);
        return true;
      }
      if (opts.linkFrom === undefined && entry.size <= SMALL && opts.durable === false) {
        // Small files in a whole restore: the content is read first, then written with a few
        // synchronous calls (a thread-pool round trip per call costs more than the call here).
        const parts: Buffer[] = [];
        for await (const chunk of io.openFile(entry)) parts.push(chunk);
        const content = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
        // Creating a file is the slow step on a busy disk: done on the thread pool, several at once.
        if (opts.direct === true) {
          const fd = await openFd(target, CREATE_NEW, 0o600).catch((e: unknown) => {
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
            throw e;
          });
          if (fd !== null) {
            writeSmallFile(fd, null, target, content, entry, owner);
            return false;
          }
        }
        const tmp = tempBeside(target);
        const fd = await openFd(tmp, 'wx', 0o600);
        writeSmallFile(fd, tmp, target, content, entry, owner);
        return false;
      }
      const tmp = tempBeside(target);
      try {
        if (opts.linkFrom !== undefined) {
          await link(opts.linkFrom, tmp);
        } else {
          // Readable too: with `verify`, what a worker writes into it is read back into the file's hash.
          const fh = await open(tmp, 'wx+', 0o600);
          try {
            if (!(await io.writeFileTo?.(entry, fh.fd, opts.verify === true)))
              for await (const chunk of io.openFile(entry)) await fh.write(chunk);
            if (opts.durable ?? true) await fh.sync();
          } finally {
            await fh.close();
          }
          if (owner) await chown(tmp, entry.uid, entry.gid);
          await chmod(tmp, perm);
          await utimes(tmp, ...times);
        }
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      if (opts.durable ?? true) await fsyncDir(target);
      return false;
    }
    default:
      // FIFOs, sockets and devices are recorded but not recreated (that needs mknod).
      return false;
  }
}

/** Files up to this size are read whole, then written with a few calls. */
export const SMALL = 256 * 1024;

const openFd = promisify(openCb);

/** Writes a small file's content, owner, mode and time on `fd`, then renames `tmp` (when given) over `target`. */
function writeSmallFile(
  fd: number,
  tmp: string | Buffer | null,
  target: string | Buffer,
  content: Buffer,
  entry: ManifestEntry,
  owner: boolean,
): void {
  try {
    const meta = { uid: entry.uid, gid: entry.gid, mode: entry.mode & 0o7777, mtime: entry.mtimeMs / 1000 };
    fillNewFile(fd, content, meta, owner);
    if (tmp !== null) renameSync(tmp, target);
  } catch (e) {
    // A file this restore created and could not finish is removed (the next run writes it again).
    rmSync(tmp ?? target, { force: true });
    throw e;
  }
}

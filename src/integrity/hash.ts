// Reads a file once for both its SHA-256 and, when asked, the first bytes the code scanner
// reads. Opened with O_NOFOLLOW so a file swapped for a symlink between walk and read is
// refused rather than followed.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { AppError } from '../core/errors.ts';

export interface HashResult {
  hash: string;
  size: number;
  /** The first `keepBytes` bytes (when asked for). */
  head: Buffer | null;
}

const chunk = Buffer.allocUnsafe(1 << 20);

export function hashFile(path: string, keepBytes = 0): HashResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new AppError('io', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { where: path, cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new AppError('io', 'not a regular file any more', { where: path });
    const h = createHash('sha256');
    let size = 0;
    let head: Buffer | null = null;
    if (keepBytes > 0 && st.size <= keepBytes) {
      // Small enough to keep whole: one buffer serves hashing and scanning.
      const buf = Buffer.allocUnsafe(st.size);
      let off = 0;
      while (off < buf.length) {
        const n = readSync(fd, buf, off, buf.length - off, null);
        if (n === 0) break;
        off += n;
      }
      head = buf.subarray(0, off);
      h.update(head);
      size = off;
      // The file may have grown since fstat: hash the rest too.
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        h.update(chunk.subarray(0, n));
        size += n;
      }
    } else {
      const parts: Buffer[] = [];
      let kept = 0;
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const piece = chunk.subarray(0, n);
        h.update(piece);
        if (kept < keepBytes) {
          const take = Math.min(n, keepBytes - kept);
          parts.push(Buffer.from(piece.subarray(0, take)));
          kept += take;
        }
        size += n;
      }
      if (keepBytes > 0) head = Buffer.concat(parts);
    }
    return { hash: h.digest('hex'), size, head };
  } finally {
    closeSync(fd);
  }
}

/** The first `max` bytes of a regular file (opened without following symlinks). */
export function readHead(path: string, max: number): Buffer {
  return readHeadInto(path, max, (size) => Buffer.allocUnsafe(size));
}

let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * readHead into one buffer reused by every call: valid until the next call, for a caller that
 * turns the bytes into a string at once (the scanner). A scan of 30,000 files then allocates
 * no buffers, which the garbage collector would otherwise chase (and the kernel page in).
 */
export function readHeadReused(path: string, max: number): Buffer {
  return readHeadInto(path, max, (size) => {
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.min(max, Math.max(size, 2 * scratch.length)));
    return scratch;
  });
}

function readHeadInto(path: string, max: number, bufferFor: (size: number) => Buffer): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new AppError('io', 'not a regular file', { where: path });
    const size = Math.min(st.size, max);
    const buf = bufferFor(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, null);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

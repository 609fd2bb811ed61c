// Filling a file a restore has just created: content, then owner, mode and times on the open
// descriptor, then close. Shared by the main thread (restore.ts) and the open workers
// (open-worker.ts `write-files`), so both write small files the same way. Only node:fs: a
// worker loads it too.

import { closeSync, fchmodSync, fchownSync, constants as fsc, futimesSync, writeSync } from 'node:fs';

/** A new file: created here or refused (EEXIST), never opened through a symlink. */
export const CREATE_NEW = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

/** What a restored file gets besides its content. */
export interface NewFileMeta {
  uid: number;
  gid: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  /** Seconds since the epoch, for access and modification time. */
  mtime: number;
}

/** Writes `content` into `fd`, sets owner (with `owner`), mode and times, and closes it; throws what fails. */
export function fillNewFile(fd: number, content: Buffer, meta: NewFileMeta, owner: boolean): void {
  try {
    let off = 0;
    while (off < content.length) off += writeSync(fd, content, off);
    if (owner) fchownSync(fd, meta.uid, meta.gid);
    fchmodSync(fd, meta.mode);
    futimesSync(fd, meta.mtime, meta.mtime);
  } finally {
    closeSync(fd);
  }
}

// The storage port of the snapshot repository: a flat store of named files grouped by type.
// The repository code owns the format; a backend only stores bytes. Implemented by
// src/adapters/blob/local.ts (a directory) and src/adapters/blob/memory.ts (tests).
//
// Ownership and retry rules:
// - `put` is atomic (a reader sees the whole file or nothing, also after a crash) and
//   idempotent (putting the same name with the same bytes again is harmless). Every name
//   except the lock files is the SHA-256 of the bytes, so a second put never changes content.
// - Files are written once; only `remove` (called by prune, forget, key removal and
//   unlocking) deletes. `remove` of a missing file is not an error.
// - Failures are AppError 'io' (transient when the backend says so) or 'not_found' from `get`.

export type FileType = 'config' | 'keys' | 'locks' | 'snapshots' | 'index' | 'data';

export const fileTypes: readonly FileType[] = ['config', 'keys', 'locks', 'snapshots', 'index', 'data'];

export interface FileInfo {
  name: string;
  size: number;
}

export interface Backend {
  /** Where it is, for messages (a directory, `memory:`). */
  readonly location: string;
  /**
   * Writes a whole file atomically; replaces nothing that differs (names are content hashes).
   * `data` may be given in pieces, written back to back (saves copying a pack together).
   */
  put(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Reads a file, or `length` bytes of it from `offset`. AppError 'not_found' when absent. */
  get(type: FileType, name: string, range?: { offset: number; length: number }): Promise<Buffer>;
  /** Size of a file, or null when absent. */
  stat(type: FileType, name: string): Promise<FileInfo | null>;
  /** Every complete file of a type (never a half-written one). */
  list(type: FileType): Promise<FileInfo[]>;
  /** Deletes a file; a missing file is fine. */
  remove(type: FileType, name: string): Promise<void>;
  /** Releases what the backend holds open. */
  close(): Promise<void>;
  /**
   * Where a data file lies on this machine's file system, for a backend that is a local
   * folder: a restore's worker thread then reads big blobs itself. Absent for remote ones.
   */
  dataPath?(name: string): string;
}

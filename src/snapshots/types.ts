// The public shapes of the snapshot repository: manifests, snapshot summaries, options and
// the Repository interface that integrity and backups program against. Stable: extend, don't break.

import type { SnapshotId } from '../core/ids.ts';
import type { EntryType } from '../core/file-entry.ts';

export type { EntryType };

/** One file system object in a snapshot. `path` is relative to `root` ('' is the root itself), '/'-separated. */
export interface ManifestEntry {
  /** The absolute root this entry was found under ('-' for a stream). */
  root: string;
  /** Path relative to root, '/'-separated, '' for the root itself. Not valid UTF-8 names: lossy here, exact in `rawPath`. */
  path: string;
  /** Base64 of the exact bytes of `path` when the name is not valid UTF-8. */
  rawPath?: string;
  type: EntryType;
  /** Permission bits and file type bits, as lstat gives them. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  nlink: number;
  /** Symlink target (symlinks only). */
  target?: string;
  /** For a regular file with nlink > 1: path (same root) of the first entry with the same inode in this snapshot. */
  linkTo?: string;
  /** Blob ids of the content, in order (regular files). */
  chunks?: string[];
  /** SHA-256 (hex) of the whole content (regular files). */
  hash?: string;
}

export interface SnapshotSummary {
  files: number;
  dirs: number;
  /** Bytes of regular file content in the snapshot. */
  bytes: number;
  /** Bytes of content not already in the repository (before compression). */
  newBytes: number;
  /** Bytes added to the repository (compressed, encrypted, in packs). */
  storedBytes: number;
  durationMs: number;
  /** Files that vanished or stopped being regular files between listing and reading. */
  skipped?: number;
  /** Files and folders left out because reading them was not permitted (EACCES/EPERM). */
  unreadable?: number;
  /** The first of them, paths under their root. */
  unreadablePaths?: string[];
}

export interface SnapshotInfo {
  id: SnapshotId;
  /** ISO 8601 time the snapshot was started. */
  time: string;
  roots: string[];
  tags: string[];
  host: string;
  parent?: SnapshotId;
  extra: Record<string, string>;
  summary: SnapshotSummary;
}

export interface Manifest {
  id: SnapshotId;
  time: string;
  roots: string[];
  /** Sorted by (root order, path). */
  entries: ManifestEntry[];
}

export interface Progress {
  files: number;
  bytes: number;
}

export interface SnapshotOptions {
  /** True to leave out an entry (and, for a folder, everything in it). relPath is '/'-separated, relative to its root. */
  exclude?: (relPath: string, isDir: boolean) => boolean;
  tags?: string[];
  /** Unchanged files (size, mtime, ctime, inode, dev) reuse this snapshot's chunk lists without being read. */
  parent?: SnapshotId;
  host?: string;
  onProgress?: (p: Progress) => void;
  /** Free-form fields kept with the snapshot; a function is called when the snapshot is committed (a dump's row counts, known only at its end). */
  extra?: Record<string, string> | (() => Record<string, string>);
}

export interface SnapshotResult {
  id: SnapshotId;
  summary: SnapshotSummary;
}

export interface KeepRules {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** Only consider snapshots with all of these tags (others are kept). */
  tags?: string[];
  /** Only consider snapshots of this host (others are kept). */
  host?: string;
  dryRun?: boolean;
}

export interface ForgetResult {
  keep: SnapshotInfo[];
  remove: SnapshotInfo[];
}

export interface PruneOptions {
  dryRun?: boolean;
  /** Repack a pack when more than this share (0..1) of its bytes is unused. Default 0.2. */
  maxUnused?: number;
}

export interface PruneResult {
  packsDeleted: number;
  packsRepacked: number;
  packsKept: number;
  blobsRemoved: number;
  bytesFreed: number;
  indexFilesReplaced: number;
}

export interface CheckOptions {
  /** Also read every pack, verify its hash, decrypt and verify every blob. */
  readData?: boolean;
}

export interface CheckResult {
  ok: boolean;
  /** Problems that make data unreadable or wrong. */
  errors: string[];
  /** Harmless leftovers (packs no index names yet, after a crash; stale locks). */
  warnings: string[];
  snapshots: number;
  packs: number;
  blobs: number;
  packsRead: number;
}

export interface RepoStats {
  snapshots: number;
  packs: number;
  blobs: number;
  /** Bytes of all pack files. */
  storedBytes: number;
  /** Bytes of all blobs before compression and encryption. */
  rawBytes: number;
  /** Sum of file bytes over all snapshots (what a plain copy of each would take). */
  snapshotBytes: number;
  keys: number;
}

export interface KeyInfo {
  id: string;
  created: string;
  host: string;
  username: string;
  /** True for the key this repository was opened with. */
  current: boolean;
}

export interface LockInfo {
  id: string;
  host: string;
  pid: number;
  time: string;
  exclusive: boolean;
  stale: boolean;
}

export interface InitOptions {
  /** scrypt cost N (power of two). Default 2^15; tests use less. */
  scryptN?: number;
  /** Content-defined chunking sizes for big files and streams. */
  chunkMin?: number;
  chunkAvg?: number;
  chunkMax?: number;
  /** zstd level; 0 stores blobs uncompressed. Default 3. */
  compressionLevel?: number;
}

export interface OpenOptions {
  /** Locks older than this are stale whatever their host (ms). Default 30 minutes. */
  staleLockMs?: number;
}

export interface RestoreOptions {
  /** Set owner (only possible as root; tried when running as root). Default true. */
  owner?: boolean;
  /**
   * Refuse (AppError 'refused') unless the real folder the entry goes into lies inside this
   * folder: a folder an attacker replaced by a symlink cannot redirect the write elsewhere.
   */
  within?: string;
  /**
   * Resume an interrupted restore: a regular file already at the target with the entry's size
   * and SHA-256 is kept (only its mode and times are set) instead of written again.
   */
  resume?: boolean;
  /**
   * Also read back each file the workers wrote from several chunks (a big file from a local
   * repository) and check its whole SHA-256: what is on disk, like restic's `restore --verify`.
   * Every chunk is checked against its id either way, and the manifest, authenticated, fixes
   * their order and lengths; files the main thread writes are always hashed as they are written.
   */
  verify?: boolean;
}

export interface Repository {
  /** Repository id (random, from its config). */
  readonly id: string;
  snapshot(roots: string[], opts?: SnapshotOptions): Promise<SnapshotResult>;
  /** Stores a stream (a database dump) as one file named `name`; chunked so successive dumps dedupe. */
  snapshotStream(name: string, readable: StreamSource, opts?: SnapshotOptions): Promise<SnapshotResult>;
  listSnapshots(): Promise<SnapshotInfo[]>;
  /** Finds a snapshot by id or unique id prefix, or 'latest'. AppError 'not_found'. */
  findSnapshot(idOrPrefix: string): Promise<SnapshotInfo>;
  loadManifest(id: SnapshotId): Promise<Manifest>;
  /** The whole content of a regular file entry; the hash is verified (AppError 'corrupt'). */
  readFile(entry: ManifestEntry): Promise<Buffer>;
  /** The content chunk by chunk, for big files; the hash is verified at the end. */
  openFile(entry: ManifestEntry): AsyncIterable<Buffer>;
  /** Writes one entry at targetPath atomically (temp + rename) and sets mode and times (owner when root). */
  restoreEntry(entry: ManifestEntry, targetPath: string, opts?: RestoreOptions): Promise<void>;
  /** Restores a whole snapshot (or the entries chosen) under targetDir, one folder per root when several. */
  restore(
    id: SnapshotId,
    targetDir: string,
    opts?: RestoreOptions & { filter?: (e: ManifestEntry) => boolean },
  ): Promise<{ files: number; dirs: number; bytes: number; skipped: number }>;
  forget(rules: KeepRules): Promise<ForgetResult>;
  /** Removes snapshots by id. */
  removeSnapshots(ids: SnapshotId[]): Promise<number>;
  prune(opts?: PruneOptions): Promise<PruneResult>;
  check(opts?: CheckOptions): Promise<CheckResult>;
  stats(): Promise<RepoStats>;
  addKey(passphrase: string, opts?: { scryptN?: number }): Promise<string>;
  listKeys(): Promise<KeyInfo[]>;
  removeKey(id: string): Promise<void>;
  listLocks(): Promise<LockInfo[]>;
  /** Removes stale locks (all locks with `all`); returns how many. */
  unlock(all?: boolean): Promise<number>;
  close(): Promise<void>;
}

/**
 * A stream that fills the buffer it is given (up to its length) and answers how many bytes it
 * put there, 0 at the end: read straight into the chunking window, with no buffer per read and
 * no copy (standard input: a 1 GiB dump read as 4 MiB stream chunks cost ~100k page faults).
 */
export interface StreamReader {
  readInto(buf: Buffer): Promise<number>;
  /** Called once the store stops reading, at the end or after a failure (stops a dump tool). */
  close?(): Promise<void>;
}

/** What `snapshotStream` stores: chunks as they come, or a reader that fills the window itself. */
export type StreamSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | StreamReader;

// Compares the site as it is with the baseline: added, deleted, modified (content), mode and
// owner changes, retargeted symlinks and type changes. The quick check reuses a hash when
// size, mtime, ctime, inode and device all match the stat cache (or the baseline entry);
// `full` re-hashes every file. Added and modified files are scanned for malicious code from
// the same read that hashed them.

import { join } from 'node:path';
import type { ManifestEntry, EntryType } from '../snapshots/index.ts';
import type { Baseline } from './baseline.ts';
import { hashFile, type HashResult } from './hash.ts';
import { StatCache } from './statcache.ts';
import { BaselineTable } from './table.ts';
import type { FileStat } from './walk.ts';
import type { CodeRule } from './scan/rules.ts';
import { isScannable, scanContent, scanText, type CodeFinding } from './scan/scanner.ts';
import { languagesOf } from './scan/languages.ts';
import type { TrafficLookup, TrafficRequest } from './ports.ts';

export type ChangeKind = 'added' | 'deleted' | 'modified' | 'mode' | 'owner' | 'symlink' | 'type';

export interface FileState {
  type: EntryType;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  hash: string | null;
  target: string | null;
  mtimeMs: number;
  ctimeMs: number;
}

export interface Change {
  root: string;
  path: string;
  kinds: ChangeKind[];
  before: FileState | null;
  after: FileState | null;
  /** When it changed as far as the file system tells (max of ctime and mtime; the folder's for a deletion), or null. */
  time: number | null;
  /** Malicious-code findings in the new content. */
  findings: CodeFinding[];
  /** Recorded requests in the minutes before the change, POSTs and uploads first. */
  requests: TrafficRequest[];
}

export interface CheckStats {
  entries: number;
  files: number;
  hashed: number;
  bytesHashed: number;
  fromCache: number;
  errors: string[];
}

export interface CompareOptions {
  full: boolean;
  /** Now (ms): a hash is cached only for files whose ctime is older than `racyMs` before it. */
  now: number;
  /** Baseline entries are trusted without reading only when their ctime is this much older than the snapshot (ms since epoch). */
  baselineTrustedBefore: number;
  /** The malicious-code rules, or a function loading them: the quick check of an unchanged site never parses them. */
  rules: readonly CodeRule[] | (() => readonly CodeRule[]);
  maxScanBytes: number;
  /** Hashes already taken of entries of `current` (by identity), e.g. while the repository key was derived. */
  hashed?: ReadonlyMap<FileStat, HashResult>;
}

/**
 * Hashes every file of a walk (keeping the head of scannable ones, as `compare` would),
 * yielding to the event loop often so work started before it (the repository's key
 * derivation on the thread pool) proceeds meanwhile. Unreadable files are left out:
 * `compare` reads them again and reports the error.
 */
export async function hashAll(
  current: readonly FileStat[],
  maxScanBytes: number,
  mayScan = true,
): Promise<Map<FileStat, HashResult>> {
  const out = new Map<FileStat, HashResult>();
  let n = 0;
  for (const e of current) {
    if (e.type !== 'file') continue;
    try {
      out.set(e, hashFile(absPath(e.root, e.path), mayScan && languagesOf(e.path).length > 0 ? maxScanBytes : 0));
    } catch {
      continue;
    }
    if (++n % 32 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

function state(e: ManifestEntry | FileStat, hash: string | null): FileState {
  return {
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    hash,
    target: e.target ?? null,
    mtimeMs: e.mtimeMs,
    ctimeMs: e.ctimeMs,
  };
}

/** Timestamps closer than this to the moment of hashing are not trusted for the fast path. */
export const racyMs = 2000;

const sameStat = (a: FileStat, b: ManifestEntry): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;

export function absPath(root: string, path: string): string {
  return path === '' ? root : join(root, path);
}

/** The pure-ish heart of `check`: walked entries against the baseline; reads only files whose hash is not known. */
export function compare(
  baseline: Baseline | BaselineTable,
  current: readonly FileStat[],
  cache: StatCache,
  opts: CompareOptions,
): { changes: Change[]; stats: CheckStats } {
  const table = baseline instanceof BaselineTable ? baseline : BaselineTable.fromEntries(baseline.values());
  const stats: CheckStats = { entries: current.length, files: 0, hashed: 0, bytesHashed: 0, fromCache: 0, errors: [] };
  let loadedRules: readonly CodeRule[] | undefined;
  const rules = (): readonly CodeRule[] =>
    (loadedRules ??= typeof opts.rules === 'function' ? opts.rules() : opts.rules);
  const mayScan = typeof opts.rules === 'function' || opts.rules.length > 0;
  const changes: Change[] = [];
  // Baseline rows met on disk, and the keys of entries that are not in the baseline.
  const seen = new Uint8Array(table.length);
  const added = new Set<string>();
  const trustedBefore = opts.baselineTrustedBefore - racyMs;

  for (const e of current) {
    const row = table.find(e.root, e.path);
    if (e.type === 'file') stats.files++;
    if (row < 0) added.add(StatCache.key(e.root, e.path));
    else {
      seen[row] = 1;
      // Most entries: stat and metadata exactly as in the baseline, nothing to read or build.
      if (!opts.full && table.unchanged(row, e, trustedBefore)) {
        if (e.type === 'file') stats.fromCache++;
        continue;
      }
    }
    const b = row < 0 ? undefined : table.entry(row);
    let hash: string | null = null;
    let head: Buffer | null = null;
    if (e.type === 'file') {
      const trusted =
        b !== undefined && b.type === 'file' && b.hash !== undefined && b.ctimeMs < trustedBefore && sameStat(e, b);
      let cached: string | null = null;
      if (!opts.full) cached = trusted ? (b.hash as string) : cache.lookup(e);
      if (cached !== null) {
        hash = cached;
        stats.fromCache++;
      } else {
        try {
          // The head of any file in a scannable language is kept from the read that hashes it;
          // the rules (parsed only once a change is found) then decide whether to scan it.
          const wantScan = mayScan && languagesOf(e.path).length > 0;
          const r = opts.hashed?.get(e) ?? hashFile(absPath(e.root, e.path), wantScan ? opts.maxScanBytes : 0);
          hash = r.hash;
          head = r.head;
          stats.hashed++;
          stats.bytesHashed += r.size;
          // Cache only what was read under the stat we have (a file growing meanwhile is re-read next time).
          // A file changed within the timestamp granularity of now could change again unseen
          // under the same stat (git's "racy" case): such files are not cached. Files whose
          // stat still equals the baseline's need no row (the baseline entry serves).
          if (trusted && r.hash === b?.hash) cache.remove(e);
          else if (r.size === e.size && e.ctimeMs < opts.now - racyMs && e.mtimeMs < opts.now - racyMs)
            cache.set(e, r.hash);
        } catch (err) {
          stats.errors.push(`${absPath(e.root, e.path)}: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
      }
    }
    const kinds: ChangeKind[] = [];
    if (b === undefined) kinds.push('added');
    else if (b.type !== e.type) kinds.push('type');
    else {
      if (e.type === 'file' && hash !== (b.hash ?? null)) kinds.push('modified');
      if (e.type === 'symlink' && (e.target ?? null) !== (b.target ?? null)) kinds.push('symlink');
      if ((e.mode & 0o7777) !== (b.mode & 0o7777)) kinds.push('mode');
      if (e.uid !== b.uid || e.gid !== b.gid) kinds.push('owner');
    }
    if (kinds.length === 0) continue;
    let findings: CodeFinding[] = [];
    if (
      e.type === 'file' &&
      (kinds.includes('added') || kinds.includes('modified') || kinds.includes('type')) &&
      rules().length > 0 &&
      isScannable(e.path, rules())
    ) {
      try {
        head ??= hashFile(absPath(e.root, e.path), opts.maxScanBytes).head;
        if (head !== null)
          findings = scanContent(
            scanText(head, opts.maxScanBytes),
            { path: absPath(e.root, e.path), rel: e.path },
            rules(),
          );
      } catch (err) {
        stats.errors.push(`${absPath(e.root, e.path)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    changes.push({
      root: e.root,
      path: e.path,
      kinds,
      before: b === undefined ? null : state(b, b.hash ?? null),
      after: state(e, hash),
      time: Math.max(e.ctimeMs, e.mtimeMs),
      findings,
      requests: [],
    });
  }
  // A deletion is dated by its folder's ctime (the folder changed when the name went).
  let dirCtime: Map<string, number> | undefined;
  for (let row = 0; row < table.length; row++) {
    if (seen[row] === 1) continue;
    if (dirCtime === undefined) {
      dirCtime = new Map();
      for (const e of current) if (e.type === 'dir') dirCtime.set(StatCache.key(e.root, e.path), e.ctimeMs);
    }
    const b = table.entry(row);
    const slash = b.path.lastIndexOf('/');
    const parent = StatCache.key(b.root, slash < 0 ? '' : b.path.slice(0, slash));
    changes.push({
      root: b.root,
      path: b.path,
      kinds: ['deleted'],
      before: state(b, b.hash ?? null),
      after: null,
      time: dirCtime.get(parent) ?? null,
      findings: [],
      requests: [],
    });
  }
  // Cache rows of files no longer there go.
  cache.retainWhere((root, path) => {
    const row = table.find(root, path);
    return row >= 0 ? seen[row] === 1 : added.has(StatCache.key(root, path));
  });
  changes.sort((a, b) =>
    a.root === b.root ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.root < b.root ? -1 : 1,
  );
  return { changes, stats };
}

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Orders requests for a change: writes and uploads first, then the closest in time. */
export function rankRequests(reqs: readonly TrafficRequest[], time: number, limit: number): TrafficRequest[] {
  const weight = (r: TrafficRequest) =>
    writeMethods.has(r.method.toUpperCase())
      ? 0
      : /upload|media|file|import|install|plugin|theme/i.test(r.path)
        ? 1
        : 2;
  return [...reqs]
    .sort((a, b) => weight(a) - weight(b) || Math.abs(time - a.time) - Math.abs(time - b.time))
    .slice(0, limit);
}

/** Fills `requests` of each change from the traffic record. A failing lookup leaves them empty and is returned. */
export async function annotateWithTraffic(
  changes: Change[],
  traffic: TrafficLookup,
  beforeMs: number,
  limit: number,
): Promise<string[]> {
  const errors: string[] = [];
  if (limit <= 0) return errors;
  for (const c of changes) {
    if (c.time === null) continue;
    try {
      const reqs = await traffic.requestsAround(c.time, beforeMs, Math.max(limit * 5, 50));
      c.requests = rankRequests(reqs, c.time, limit);
    } catch (e) {
      errors.push(`traffic lookup for ${c.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errors;
}

// Walks site roots without following symlinks (lstat only) and returns what the baseline
// compares: type, mode, owner, size, times, inode, device and symlink targets. Synchronous
// calls are the fastest way through 100,000 small files; the walk gives the event loop a turn
// every few thousand entries so a running `ripcord run` stays responsive. The scanner, which
// needs only the names of regular files, walks with directory entry types instead (no lstat).

import { type Dirent, lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { ManifestEntry } from '../snapshots/index.ts';
import { entryTypeOf } from '../core/file-entry.ts';
import type { ExcludeFn } from './filter.ts';

/** What the walk sees of an entry: the stat part of a manifest entry, without content. */
export type FileStat = Pick<
  ManifestEntry,
  'root' | 'path' | 'type' | 'mode' | 'uid' | 'gid' | 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'dev' | 'target'
>;

export function toFileStat(root: string, rel: string, abs: string, st: Stats): FileStat {
  const type = entryTypeOf(st);
  const e: FileStat = {
    root,
    path: rel,
    type,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' || type === 'symlink' ? st.size : 0,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
    dev: st.dev,
  };
  if (type === 'symlink') e.target = readlinkSync(abs);
  return e;
}

export interface WalkOptions {
  /** Give the event loop a turn every this many entries (0: never). */
  yieldEvery?: number;
  /** Called for a folder that cannot be read (permissions); the walk goes on. */
  onError?: (path: string, error: unknown) => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Every covered entry under the roots, root entries first, depth first. */
export async function walkRoots(
  roots: readonly string[],
  exclude: ExcludeFn,
  opts: WalkOptions = {},
): Promise<FileStat[]> {
  const out: FileStat[] = [];
  const every = opts.yieldEvery ?? 5000;
  let since = 0;
  for (const r of roots) {
    const root = resolve(r);
    // The root itself may be a symlink (a release folder); everything below is lstat'ed.
    const rootStat = statSync(root);
    out.push({ ...toFileStat(root, '', root, rootStat) });
    if (!rootStat.isDirectory()) continue;
    const stack: string[] = [''];
    while (stack.length > 0) {
      const dirRel = stack.pop() as string;
      const base = root === '/' ? '' : root;
      const dirAbs = dirRel === '' ? root : `${base}/${dirRel}`;
      let names: string[];
      try {
        names = readdirSync(dirAbs);
      } catch (e) {
        opts.onError?.(dirAbs, e);
        continue;
      }
      names.sort();
      const subdirs: string[] = [];
      for (const name of names) {
        const rel = dirRel === '' ? name : `${dirRel}/${name}`;
        const abs = `${base}/${rel}`;
        let st: Stats;
        try {
          st = lstatSync(abs);
        } catch (e) {
          opts.onError?.(abs, e);
          continue;
        }
        const isDir = st.isDirectory();
        if (exclude(rel, isDir)) continue;
        out.push(toFileStat(root, rel, abs, st));
        if (isDir) subdirs.push(rel);
        if (every > 0 && ++since >= every) {
          since = 0;
          await tick();
        }
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as string);
    }
  }
  return out;
}

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The regular files under a folder (paths relative to it), in walkRoots' order, read from the
 * folders' entry types alone: symlinks are not followed, and other kinds are left out, as an
 * lstat would say (Node falls back to lstat where a file system gives no type). What is not a
 * regular file any more when it is opened is refused there (O_NOFOLLOW, fstat).
 */
export async function walkFiles(root: string, exclude: ExcludeFn, opts: WalkOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const every = opts.yieldEvery ?? 5000;
  let since = 0;
  const base = root === '/' ? '' : root;
  const stack: string[] = [''];
  while (stack.length > 0) {
    const dirRel = stack.pop() as string;
    const dirAbs = dirRel === '' ? root : `${base}/${dirRel}`;
    let entries: Dirent[];
    try {
      entries = readdirSync(dirAbs, { withFileTypes: true });
    } catch (e) {
      opts.onError?.(dirAbs, e);
      continue;
    }
    entries.sort(byName);
    const subdirs: string[] = [];
    for (const d of entries) {
      const rel = dirRel === '' ? d.name : `${dirRel}/${d.name}`;
      const isDir = d.isDirectory();
      if (exclude(rel, isDir)) continue;
      if (isDir) subdirs.push(rel);
      else if (d.isFile()) out.push(rel);
      if (every > 0 && ++since >= every) {
        since = 0;
        await tick();
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as string);
  }
  return out;
}

// How `ripcord repo ls` shows a snapshot's entries (paths relative to the one root, or prefixed
// by their root when there are several or it is a stream), and which earlier snapshot a new one
// of the same folders takes as its parent (so unchanged files are not read again).

import type { Manifest, SnapshotInfo } from './types.ts';

export interface ListedEntry {
  path: string;
  type: string;
  mode: string;
  size: number;
  mtime: string;
  uid: number;
  gid: number;
  target?: string;
  hash?: string;
}

/** The entries of a manifest as listed, only those under `prefix` when given. */
export function listEntries(m: Manifest, prefix: string | undefined): ListedEntry[] {
  const several = m.roots.length > 1;
  const entries: ListedEntry[] = [];
  for (const e of m.entries) {
    const shown =
      several || e.root.startsWith('stdin:')
        ? `${e.root}${e.path === '' ? '' : `/${e.path}`}`
        : e.path === ''
          ? '.'
          : e.path;
    if (prefix !== undefined && !(shown === prefix || shown.startsWith(`${prefix.replace(/\/+$/, '')}/`))) continue;
    const x: ListedEntry = {
      path: shown,
      type: e.type,
      mode: (e.mode & 0o7777).toString(8).padStart(4, '0'),
      size: e.size,
      mtime: new Date(e.mtimeMs).toISOString(),
      uid: e.uid,
      gid: e.gid,
    };
    if (e.target !== undefined) x.target = e.target;
    if (e.hash !== undefined) x.hash = e.hash;
    entries.push(x);
  }
  return entries;
}

/** The newest snapshot (of a list, oldest first) of exactly these absolute roots. */
export function newestOfRoots(snapshots: readonly SnapshotInfo[], roots: readonly string[]): SnapshotInfo | undefined {
  const key = roots.map((x) => x.replace(/\/+$/, '') || '/').join('\u0000');
  return snapshots.filter((s) => s.roots.join('\u0000') === key).at(-1);
}

// The effective baseline: the known-good snapshot's manifest with the accepted layers applied
// on top (a path in a layer takes the layer's entry, or is gone when the layer lacks it).
// Keys are StatCache keys (root + NUL + relative path).

import type { ManifestEntry, Repository, SnapshotId } from '../snapshots/index.ts';
import { AppError } from '../core/errors.ts';
import type { BaselinePointer } from './state.ts';
import { StatCache } from './statcache.ts';
import type { ExcludeFn } from './filter.ts';

export type Baseline = Map<string, ManifestEntry>;

export interface LoadedBaseline {
  entries: Baseline;
  /** Start time (ms) of the oldest snapshot it is made of: entries changed after it are re-read by the quick check. */
  trustedBefore: number;
}

export async function loadBaseline(repo: Pick<Repository, 'loadManifest'>, pointer: BaselinePointer): Promise<LoadedBaseline> {
  const base = await repo.loadManifest(pointer.snapshot as SnapshotId);
  let trustedBefore = Date.parse(base.time);
  const out: Baseline = new Map();
  for (const e of base.entries) out.set(StatCache.key(e.root, e.path), e);
  for (const layer of pointer.layers) {
    const m = await repo.loadManifest(layer.snapshot as SnapshotId);
    trustedBefore = Math.min(trustedBefore, Date.parse(m.time));
    const byKey = new Map(m.entries.map((e) => [StatCache.key(e.root, e.path), e] as const));
    for (const p of layer.paths) {
      const k = StatCache.key(p.root, p.path);
      const e = byKey.get(k);
      if (e === undefined) out.delete(k);
      else out.set(k, e);
    }
  }
  return { entries: out, trustedBefore: Number.isNaN(trustedBefore) ? 0 : trustedBefore };
}

/** Checks a manifest path before it is used to write anything: relative, no `..`, no NUL. */
export function assertSafeRelPath(path: string): void {
  if (path === '') return;
  if (path.startsWith('/') || path.includes('\0') || path.includes('\\')) {
    throw new AppError('refused', 'manifest path is absolute or has a forbidden character', { where: path });
  }
  for (const part of path.split('/')) {
    if (part === '..' || part === '.' || part === '') throw new AppError('refused', 'manifest path has an empty, `.` or `..` component', { where: path });
  }
}

/** Leaves out baseline entries that the current filter (or a missing root) excludes. */
export function filterBaseline(baseline: Baseline, roots: readonly string[], exclude: ExcludeFn): Baseline {
  const rootSet = new Set(roots);
  const dirExcluded = new Map<string, boolean>();
  const excludedDir = (root: string, dir: string): boolean => {
    if (dir === '') return false;
    const k = `${root}\0${dir}`;
    let v = dirExcluded.get(k);
    if (v === undefined) {
      const slash = dir.lastIndexOf('/');
      v = excludedDir(root, slash < 0 ? '' : dir.slice(0, slash)) || exclude(dir, true);
      dirExcluded.set(k, v);
    }
    return v;
  };
  const out: Baseline = new Map();
  for (const [k, e] of baseline) {
    if (!rootSet.has(e.root)) continue;
    const slash = e.path.lastIndexOf('/');
    if (excludedDir(e.root, slash < 0 ? '' : e.path.slice(0, slash))) continue;
    if (e.path !== '' && exclude(e.path, e.type === 'dir')) continue;
    out.set(k, e);
  }
  return out;
}

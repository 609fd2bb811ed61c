// The effective baseline: the known-good snapshot's manifest with the accepted layers applied
// on top (a path in a layer takes the layer's entry, or is gone when the layer lacks it).
// Keys are StatCache keys (root + NUL + relative path).

import type { ManifestEntry, Repository, SnapshotId } from '../snapshots/index.ts';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { integrityDir, readJson, writeFileAtomic } from './state.ts';
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

// The baseline index: the effective baseline's stat data and hashes in the state dir (0600),
// tied to the pointer it was made from. The quick check reads it instead of opening the
// repository (no passphrase KDF, no manifest decryption), so it trusts the state dir as it
// trusts the stat cache; `check --full` and `revert` always read the repository, whose content
// is authenticated.

type IndexRow = [string, string, string, number, number, number, number, number, number, number, number, string | null, string | null];

export function baselineIndexPath(stateDir: string): string {
  return join(integrityDir(stateDir), 'baseline-index.json');
}

export function pointerDigest(p: BaselinePointer): string {
  return createHash('sha256').update(JSON.stringify(p)).digest('hex');
}

export function saveBaselineIndex(stateDir: string, pointer: BaselinePointer, b: LoadedBaseline): void {
  const rows: IndexRow[] = [];
  for (const e of b.entries.values()) rows.push([e.root, e.path, e.type, e.mode, e.uid, e.gid, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.dev, e.target ?? null, e.hash ?? null]);
  writeFileAtomic(baselineIndexPath(stateDir), JSON.stringify({ version: 1, pointer: pointerDigest(pointer), trustedBefore: b.trustedBefore, rows }));
}

/** The index when it belongs to this pointer; null otherwise (then the repository is read). */
export function loadBaselineIndex(stateDir: string, pointer: BaselinePointer): LoadedBaseline | null {
  let v: unknown;
  try {
    v = readJson(baselineIndexPath(stateDir));
  } catch {
    return null;
  }
  const doc = v as { version?: number; pointer?: string; trustedBefore?: number; rows?: IndexRow[] } | undefined;
  if (doc?.version !== 1 || doc.pointer !== pointerDigest(pointer) || !Array.isArray(doc.rows) || typeof doc.trustedBefore !== 'number') return null;
  const entries: Baseline = new Map();
  for (const r of doc.rows) {
    if (!Array.isArray(r) || r.length !== 13) return null;
    const e: ManifestEntry = { root: r[0], path: r[1], type: r[2] as ManifestEntry['type'], mode: r[3], uid: r[4], gid: r[5], size: r[6], mtimeMs: r[7], ctimeMs: r[8], ino: r[9], dev: r[10], nlink: 1 };
    if (r[11] !== null) e.target = r[11];
    if (r[12] !== null) e.hash = r[12];
    entries.set(StatCache.key(e.root, e.path), e);
  }
  return { entries, trustedBefore: doc.trustedBefore };
}

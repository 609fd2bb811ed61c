// The effective baseline: the known-good snapshot's manifest with the accepted layers applied
// on top (a path in a layer takes the layer's entry, or is gone when the layer lacks it).
// Keys are StatCache keys (root + NUL + relative path).

import type { ManifestEntry, Repository, SnapshotId } from '../snapshots/index.ts';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import { readFileSync, rmSync } from 'node:fs';
import { integrityDir, writeFileAtomic } from './state.ts';
import type { BaselinePointer } from './state.ts';
import { StatCache } from './statcache.ts';
import type { ExcludeFn } from './filter.ts';
import { BaselineTable, keepFn } from './table.ts';

export type Baseline = Map<string, ManifestEntry>;

export interface LoadedBaseline {
  entries: Baseline;
  /** Start time (ms) of the oldest snapshot it is made of: entries changed after it are re-read by the quick check. */
  trustedBefore: number;
}

export async function loadBaseline(
  repo: Pick<Repository, 'loadManifest'>,
  pointer: BaselinePointer,
): Promise<LoadedBaseline> {
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
    if (part === '..' || part === '.' || part === '')
      throw new AppError('refused', 'manifest path has an empty, `.` or `..` component', { where: path });
  }
}

/** Leaves out baseline entries that the current filter (or a missing root) excludes. */
export function filterBaseline(baseline: Baseline, roots: readonly string[], exclude: ExcludeFn): Baseline {
  const keep = keepFn(roots, exclude);
  const out: Baseline = new Map();
  for (const [k, e] of baseline) if (keep(e.root, e.path, e.type === 'dir')) out.set(k, e);
  return out;
}

// The baseline index: the effective baseline's stat data and hashes in the state dir (0600),
// as a binary BaselineTable tied to the pointer it was made from. The quick check reads it
// instead of opening the repository (no passphrase KDF, no manifest decryption), so it trusts
// the state dir as it trusts the stat cache; `check --full` and `revert` always read the
// repository, whose content is authenticated. `filterKey` names the filter (roots, preset,
// include/exclude) that was found to keep every row, so a check with that filter skips it.

export interface BaselineIndex {
  table: BaselineTable;
  trustedBefore: number;
  /** The filter known to keep every row, or null. */
  filterKey: string | null;
}

export function baselineIndexPath(stateDir: string): string {
  return join(integrityDir(stateDir), 'baseline-index.bin');
}

export function pointerDigest(p: BaselinePointer): string {
  return createHash('sha256').update(JSON.stringify(p)).digest('hex');
}

/** Writes the index of `b`; with a filter, records its key when it keeps every entry. */
export function saveBaselineIndex(
  stateDir: string,
  pointer: BaselinePointer,
  b: LoadedBaseline,
  filter?: { key: string; roots: readonly string[]; exclude: ExcludeFn },
): void {
  const table = BaselineTable.fromEntries(b.entries.values());
  const filterKey = filter !== undefined && table.filtered(filter.roots, filter.exclude) === table ? filter.key : null;
  writeFileAtomic(
    baselineIndexPath(stateDir),
    table.encode({ version: 2, pointer: pointerDigest(pointer), trustedBefore: b.trustedBefore, filterKey }),
  );
  // The JSON index of earlier versions is no longer read.
  rmSync(join(integrityDir(stateDir), 'baseline-index.json'), { force: true });
}

/** The index when it belongs to this pointer and is whole; null otherwise (then the repository is read). */
export function loadBaselineIndex(stateDir: string, pointer: BaselinePointer): BaselineIndex | null {
  let data: Buffer;
  try {
    data = readFileSync(baselineIndexPath(stateDir));
  } catch {
    return null;
  }
  const d = BaselineTable.decode(data);
  if (d === null) return null;
  const { version, pointer: digest, trustedBefore, filterKey } = d.meta;
  if (
    version !== 2 ||
    digest !== pointerDigest(pointer) ||
    typeof trustedBefore !== 'number' ||
    (filterKey !== null && typeof filterKey !== 'string')
  )
    return null;
  return { table: d.table, trustedBefore, filterKey };
}

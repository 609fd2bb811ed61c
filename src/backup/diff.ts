// `backup diff`: what changed between two snapshots, by path (content hash, type, mode, size).

import type { ManifestEntry, Repository, SnapshotInfo } from '../snapshots/index.ts';

export interface SnapshotDiff {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  changed: string[];
}

const key = (e: ManifestEntry): string =>
  e.root.startsWith('stdin:') ? e.root.slice(6) : `${e.root}/${e.path}`.replace(/\/$/, '');

function same(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.type === b.type && a.mode === b.mode && a.size === b.size && a.hash === b.hash && a.target === b.target;
}

export async function diffSnapshots(repo: Repository, a: SnapshotInfo, b: SnapshotInfo): Promise<SnapshotDiff> {
  const [ma, mb] = await Promise.all([repo.loadManifest(a.id), repo.loadManifest(b.id)]);
  const before = new Map(ma.entries.map((e) => [key(e), e]));
  const after = new Map(mb.entries.map((e) => [key(e), e]));
  const out: SnapshotDiff = { from: a.id, to: b.id, added: [], removed: [], changed: [] };
  for (const [k, e] of after) {
    const old = before.get(k);
    if (old === undefined) out.added.push(k);
    else if (!same(old, e)) out.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) out.removed.push(k);
  return out;
}

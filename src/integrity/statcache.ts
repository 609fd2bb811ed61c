// The stat cache: for each covered file, the stat fields and the SHA-256 it had when it was
// last hashed. The quick check reuses a hash only when size, mtime, ctime, inode and device
// all still match: an attacker can set mtime back (touch -r), but ctime moves on any change
// and cannot be set from user space. Kept in the state dir (0600), replaced atomically; a lost
// or damaged cache only costs re-hashing.

import { join } from 'node:path';
import { integrityDir, readJson, writeFileAtomic } from './state.ts';
import type { FileStat } from './walk.ts';

/** [size, mtimeMs, ctimeMs, ino, dev, sha256] */
export type CacheRow = [number, number, number, number, number, string];

export class StatCache {
  readonly rows: Map<string, CacheRow>;
  #dirty = false;

  constructor(rows: Map<string, CacheRow> = new Map()) {
    this.rows = rows;
  }

  static key(root: string, path: string): string {
    return `${root}\0${path}`;
  }

  /** The cached hash when every stat field still matches; null otherwise. */
  lookup(e: FileStat): string | null {
    const r = this.rows.get(StatCache.key(e.root, e.path));
    if (r === undefined) return null;
    return r[0] === e.size && r[1] === e.mtimeMs && r[2] === e.ctimeMs && r[3] === e.ino && r[4] === e.dev
      ? r[5]
      : null;
  }

  set(e: FileStat, hash: string): void {
    this.rows.set(StatCache.key(e.root, e.path), [e.size, e.mtimeMs, e.ctimeMs, e.ino, e.dev, hash]);
    this.#dirty = true;
  }

  remove(e: FileStat): void {
    if (this.rows.delete(StatCache.key(e.root, e.path))) this.#dirty = true;
  }

  /** Drops rows of files no longer there. */
  retain(keys: ReadonlySet<string>): void {
    this.retainWhere((root, path) => keys.has(StatCache.key(root, path)));
  }

  /** Keeps the rows for which `keep(root, path)` holds. */
  retainWhere(keep: (root: string, path: string) => boolean): void {
    for (const k of this.rows.keys()) {
      const nul = k.indexOf('\0');
      if (!keep(k.slice(0, nul), k.slice(nul + 1))) {
        this.rows.delete(k);
        this.#dirty = true;
      }
    }
  }

  get dirty(): boolean {
    return this.#dirty;
  }
}

export function statCachePath(stateDir: string): string {
  return join(integrityDir(stateDir), 'statcache.json');
}

function validRow(r: unknown): r is CacheRow {
  return (
    Array.isArray(r) && r.length === 6 && r.slice(0, 5).every((x) => typeof x === 'number') && typeof r[5] === 'string'
  );
}

export function loadStatCache(stateDir: string): StatCache {
  let v: unknown;
  try {
    v = readJson(statCachePath(stateDir));
  } catch {
    return new StatCache();
  }
  const doc = v as { version?: number; rows?: Record<string, unknown> } | undefined;
  const rows = new Map<string, CacheRow>();
  if (doc?.version === 1 && doc.rows !== undefined && typeof doc.rows === 'object') {
    for (const [k, r] of Object.entries(doc.rows)) if (validRow(r)) rows.set(k, r);
  }
  return new StatCache(rows);
}

export function saveStatCache(stateDir: string, cache: StatCache): void {
  writeFileAtomic(statCachePath(stateDir), JSON.stringify({ version: 1, rows: Object.fromEntries(cache.rows) }));
}

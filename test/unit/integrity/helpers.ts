// Test helpers for integrity: a temporary site tree, and a baseline taken in memory (walk +
// hash + copy of contents) that stands in for the snapshot repository.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ManifestEntry } from '../../../src/snapshots/index.ts';
import type { Baseline } from '../../../src/integrity/baseline.ts';
import { StatCache } from '../../../src/integrity/statcache.ts';
import { walkRoots } from '../../../src/integrity/walk.ts';
import { hashFile } from '../../../src/integrity/hash.ts';
import type { ExcludeFn } from '../../../src/integrity/filter.ts';

export function tempDir(prefix = 'ripcord-int-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface MemoryBaseline {
  entries: Baseline;
  contents: Map<string, Buffer>;
  read(e: ManifestEntry): Promise<Buffer>;
}

export async function memoryBaseline(roots: string[], exclude: ExcludeFn = () => false): Promise<MemoryBaseline> {
  const entries: Baseline = new Map();
  const contents = new Map<string, Buffer>();
  for (const e of await walkRoots(roots, exclude)) {
    const m: ManifestEntry = { ...e, nlink: 1 };
    if (e.type === 'file') {
      const abs = join(e.root, e.path);
      m.hash = hashFile(abs).hash;
      contents.set(m.hash, readFileSync(abs));
    }
    entries.set(StatCache.key(e.root, e.path), m);
  }
  return {
    entries,
    contents,
    async read(e) {
      const c = contents.get(e.hash ?? '');
      if (c === undefined) throw new Error(`no content for ${e.path}`);
      return c;
    },
  };
}

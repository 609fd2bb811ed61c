// Shared by the snapshot tests: a repository in memory with a cheap KDF, temp folders.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '../../../src/adapters/blob/memory.ts';
import { initRepository, type InitOptions, type Repository } from '../../../src/snapshots/index.ts';

export const PASS = 'correct horse battery staple';

export async function memoryRepo(opts: InitOptions = {}): Promise<{ repo: Repository; backend: MemoryBackend }> {
  const backend = new MemoryBackend();
  const repo = await initRepository(backend, PASS, { scryptN: 1024, ...opts });
  return { repo, backend };
}

export function tempDir(prefix = 'ripcord-snap-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift), so big test files need no entropy or disk reads. */
export function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (i + 4 <= size) out.writeUInt32LE(x, i);
    else for (let j = i; j < size; j++) out[j] = (x >>> ((j - i) * 8)) & 0xff;
  }
  return out;
}

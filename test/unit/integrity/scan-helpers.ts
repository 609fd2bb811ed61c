// Scans a folder the way `ripcord integrity scan` does (every scannable file, paths relative
// to the folder), for tests and the benchmark.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkRoots } from '../../../src/integrity/walk.ts';
import { readHead } from '../../../src/integrity/hash.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { isScannable, scanContent, scanText, type CodeFinding } from '../../../src/integrity/scan/scanner.ts';

export async function scanTree(root: string): Promise<{ findings: (CodeFinding & { rel: string })[]; files: number }> {
  const rules = loadCodeRules();
  const out: (CodeFinding & { rel: string })[] = [];
  let files = 0;
  for (const e of await walkRoots([root], () => false)) {
    if (e.type !== 'file' || !isScannable(e.path, rules)) continue;
    files++;
    const head = readHead(join(e.root, e.path), 8 << 20);
    for (const f of scanContent(scanText(head, 8 << 20), { path: e.path, rel: e.path }, rules))
      out.push({ ...f, rel: e.path });
  }
  return { findings: out, files };
}

export function loadMalwareExpectations(file: string): Record<string, string[]> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>;
}

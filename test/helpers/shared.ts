// Data read in place from the machine's ../shared folder (next to the repository), never copied
// into it: a fresh clone without that folder skips these tests with a message naming the
// missing folder, and CI (CI=true) fails them instead, so a missing corpus is never silent.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** ../shared, relative to the repository root. */
const sharedDir = resolve(import.meta.dirname, '../../../shared');

/** The absolute path of a folder under ../shared ("corpora"). */
export function sharedPath(rel: string): string {
  return join(sharedDir, rel);
}

/**
 * Options for node:test's `test(name, options, fn)`: skip (naming the missing folder) when
 * ../shared/REL is absent, except under CI=true where the test runs and fails on it.
 */
export function needsShared(rel: string): { skip?: string } {
  const dir = sharedPath(rel);
  if (existsSync(dir) || process.env['CI'] === 'true') return {};
  return { skip: `${dir} is missing (../shared/${rel} next to the repository; CI=true fails instead)` };
}

// The check against a baseline: every kind of change is found, the quick check catches a
// content change whose mtime was set back (through ctime), unchanged files are not re-read,
// and --full re-hashes everything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { compare, type Change } from '../../../src/integrity/check.ts';
import { StatCache } from '../../../src/integrity/statcache.ts';
import { walkRoots } from '../../../src/integrity/walk.ts';
import { createFilter } from '../../../src/integrity/filter.ts';
import { presets } from '../../../src/core/presets.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { memoryBaseline, tempDir, writeTree } from './helpers.ts';

const rules = loadCodeRules();
const later = Date.now() + 60_000;
const opts = (full = false) => ({ full, rules, maxScanBytes: 1 << 20, now: later, baselineTrustedBefore: later });

/** Changes ctime without changing anything else (chmod to the same mode), until it moved. */
function bumpCtime(p: string, before: number): void {
  for (let i = 0; i < 1000 && lstatSync(p).ctimeMs === before; i++) chmodSync(p, lstatSync(p).mode & 0o7777);
}

function kinds(changes: Change[]): Record<string, string[]> {
  return Object.fromEntries(changes.map((c) => [c.path, c.kinds]));
}

test('finds added, deleted, modified, mode, symlink and type changes', async () => {
  const root = tempDir();
  try {
    writeTree(root, {
      'index.php': '<?php echo 1;',
      'lib/a.php': 'a',
      'lib/b.php': 'b',
      'skin/app.js': 'x()',
      'gone.txt': 'bye',
    });
    symlinkSync('lib/a.php', join(root, 'link.php'));
    const base = await memoryBaseline([root]);
    writeFileSync(join(root, 'lib/a.php'), 'A');
    chmodSync(join(root, 'lib/b.php'), 0o777);
    unlinkSync(join(root, 'gone.txt'));
    unlinkSync(join(root, 'link.php'));
    symlinkSync('/etc/passwd', join(root, 'link.php'));
    rmSync(join(root, 'skin/app.js'));
    symlinkSync('x', join(root, 'skin/app.js'));
    writeFileSync(join(root, 'lib/new.php'), '<?php @eval($_POST["x"]);');
    const cache = new StatCache();
    const { changes } = compare(base.entries, await walkRoots([root], () => false), cache, opts());
    assert.deepEqual(kinds(changes), {
      'gone.txt': ['deleted'],
      'lib/a.php': ['modified'],
      'lib/b.php': ['mode'],
      'lib/new.php': ['added'],
      'link.php': ['symlink'],
      'skin/app.js': ['type'],
    });
    const added = changes.find((c) => c.path === 'lib/new.php');
    assert.deepEqual(
      added?.findings.map((f) => f.rule),
      ['php-exec-request'],
    );
    assert.equal(changes.find((c) => c.path === 'link.php')?.after?.target, '/etc/passwd');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('quick check catches a change whose mtime was reset (touch -r) through ctime', async () => {
  const root = tempDir();
  try {
    writeTree(root, { 'app/code/Payment.php': '<?php // pay', 'app/code/Other.php': '<?php // other' });
    const p = join(root, 'app/code/Payment.php');
    // Whole-second times, so setting one back below is exact (as `touch -r` is).
    utimesSync(p, 1_700_000_000, 1_700_000_000);
    const base = await memoryBaseline([root]);
    const cache = new StatCache();
    // First check fills the cache; nothing changed.
    assert.deepEqual(compare(base.entries, await walkRoots([root], () => false), cache, opts()).changes, []);
    const before = statSync(p);
    writeFileSync(p, '<?php // PAY'); // same size
    utimesSync(p, 1_700_000_000, 1_700_000_000); // mtime set back, as attackers do with touch -r
    bumpCtime(p, before.ctimeMs);
    const after = statSync(p);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(after.size, before.size);
    assert.notEqual(after.ctimeMs, before.ctimeMs);
    const r = compare(base.entries, await walkRoots([root], () => false), cache, opts());
    assert.deepEqual(kinds(r.changes), { 'app/code/Payment.php': ['modified'] });
    // Only the file whose stat moved was read again.
    assert.equal(r.stats.hashed, 1);
    assert.equal(r.stats.fromCache, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a stale cache entry with matching stat is trusted by the quick check but not by --full', async () => {
  const root = tempDir();
  try {
    writeTree(root, { 'a.php': '<?php // a' });
    const base = await memoryBaseline([root]);
    const cache = new StatCache();
    // ctime moves (same content): the file is hashed once and its new stat cached.
    bumpCtime(join(root, 'a.php'), lstatSync(join(root, 'a.php')).ctimeMs);
    compare(base.entries, await walkRoots([root], () => false), cache, opts());
    assert.equal(cache.rows.size, 1);
    // Forge the cache: claim a different hash for the unchanged stat.
    const [e] = (await walkRoots([root], () => false)).filter((x) => x.path === 'a.php');
    assert.ok(e);
    cache.set(e, '0'.repeat(64));
    assert.deepEqual(kinds(compare(base.entries, await walkRoots([root], () => false), cache, opts()).changes), {
      'a.php': ['modified'],
    });
    const full = compare(base.entries, await walkRoots([root], () => false), new StatCache(), opts(true));
    assert.deepEqual(full.changes, []);
    assert.equal(full.stats.hashed, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('files changed within the racy window are not cached', async () => {
  const root = tempDir();
  try {
    writeTree(root, { 'a.php': 'x' });
    const base = await memoryBaseline([root]);
    const cache = new StatCache();
    compare(base.entries, await walkRoots([root], () => false), cache, { ...opts(), now: Date.now() });
    assert.equal(cache.rows.size, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('presets leave caches out and keep PHP files in upload folders', async () => {
  const root = tempDir();
  try {
    writeTree(root, {
      'wp-content/cache/page.html': 'cached',
      'wp-content/uploads/2024/01/photo.jpg': 'JFIF',
      'wp-content/uploads/2024/01/shell.php': '<?php echo 1;',
      'wp-content/uploads/2024/01/x.php.jpg': '<?php echo 1;',
      'wp-content/plugins/p/p.php': '<?php',
      'wp-content/debug.log': 'log',
      '.git/HEAD': 'ref',
      'wp-config.php': '<?php',
    });
    const filter = createFilter({ preset: presets.wordpress });
    const paths = (await walkRoots([root], filter))
      .filter((e) => e.type === 'file')
      .map((e) => e.path)
      .sort();
    assert.deepEqual(paths, [
      'wp-config.php',
      'wp-content/plugins/p/p.php',
      'wp-content/uploads/2024/01/shell.php',
      'wp-content/uploads/2024/01/x.php.jpg',
    ]);
    const custom = createFilter({ preset: null, include: ['**/*.php'], exclude: ['wp-content/plugins/**'] });
    const paths2 = (await walkRoots([root], custom))
      .filter((e) => e.type === 'file')
      .map((e) => e.path)
      .sort();
    assert.deepEqual(paths2, ['wp-config.php', 'wp-content/uploads/2024/01/shell.php']);
    assert.equal(readFileSync(join(root, 'wp-config.php'), 'utf8'), '<?php');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

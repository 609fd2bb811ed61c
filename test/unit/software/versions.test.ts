// Version orderings and OSV range semantics: Debian by policy 5.6.12 (table from dpkg's own
// test cases), Composer normalisation by its documented rules, npm against the semver package
// (property), and ECOSYSTEM/SEMVER ranges with introduced/fixed/last_affected/limit events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import semver from 'semver';
import {
  compareComposer,
  compareDebian,
  compareSemver,
  isAffected,
  normalizeComposer,
  osvRecordSchema,
  type OsvRecord,
} from '../../../src/software/index.ts';

test('Debian ordering: epochs, revisions, tilde before everything', () => {
  const lt: [string, string][] = [
    ['1.0~rc1', '1.0'],
    ['1.0', '1.0+b1'],
    ['1.0-1', '1.0-2'],
    ['1.0-1', '1:0.1'],
    ['2.30-1', '2.30a-1'],
    ['1.2.3~~', '1.2.3~'],
    ['1.9', '1.10'],
    ['1.0-1~bpo1', '1.0-1'],
    ['0:1.0', '1.1'],
    ['3.0.11-1~deb12u2', '3.0.11-1~deb12u3'],
    ['1.2.13.dfsg-1', '1:1.2.13.dfsg-1'],
  ];
  for (const [a, b] of lt) {
    assert.equal(compareDebian(a, b), -1, `${a} < ${b}`);
    assert.equal(compareDebian(b, a), 1, `${b} > ${a}`);
  }
  assert.equal(compareDebian('0:1.0-1', '1.0-1'), 0);
  assert.equal(compareDebian('1.01', '1.1'), 0);
});

test('Composer normalisation follows VersionParser', () => {
  const table: [string, string | null][] = [
    ['1.2', '1.2.0.0'],
    ['v1.2.3', '1.2.3.0'],
    ['2.4.7-p1', '2.4.7.0-patch1'],
    ['1.0.0-RC2', '1.0.0.0-RC2'],
    ['1.0-beta.1', '1.0.0.0-beta1'],
    ['1.0.0-alpha', '1.0.0.0-alpha'],
    ['1.0.0-stable', '1.0.0.0'],
    ['1.0.0+build5', '1.0.0.0'],
    ['dev-main', 'dev-main'],
    ['not a version', null],
  ];
  for (const [v, n] of table) assert.equal(normalizeComposer(v), n, v);
});

test('Composer ordering: stabilities and patch releases', () => {
  const asc = ['2.4.6', '2.4.7-alpha1', '2.4.7-beta2', '2.4.7-RC1', '2.4.7', '2.4.7-p1', '2.4.7-p2', '2.4.8'];
  for (let i = 0; i + 1 < asc.length; i++)
    assert.equal(compareComposer(asc[i] as string, asc[i + 1] as string), -1, `${asc[i]} < ${asc[i + 1]}`);
  assert.equal(compareComposer('v1.2', '1.2.0'), 0);
});

const semverArb = fc
  .tuple(
    fc.nat(20),
    fc.nat(20),
    fc.nat(20),
    fc.option(fc.constantFrom('alpha', 'beta', 'rc', 'alpha.1', 'beta.2', 'rc.10', '0', '1'), { nil: undefined }),
  )
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? '' : `-${pre}`}`);

test('npm ordering agrees with the semver package (property)', () => {
  fc.assert(
    fc.property(semverArb, semverArb, (a, b) => {
      assert.equal(compareSemver(a, b), semver.compare(a, b));
    }),
    { numRuns: 500 },
  );
});

function record(over: Partial<OsvRecord>): OsvRecord {
  return osvRecordSchema.parse({ id: 'GHSA-test', modified: '2024-01-01T00:00:00Z', ...over });
}

test('ECOSYSTEM range: introduced/fixed, last_affected, versions list, limit (property against the definition)', () => {
  const r = record({
    affected: [
      {
        package: { ecosystem: 'Packagist', name: 'magento/product-community-edition' },
        ranges: [
          { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.4.6-p6' }] },
          { type: 'ECOSYSTEM', events: [{ introduced: '2.4.7' }, { fixed: '2.4.7-p1' }] },
        ],
        versions: ['2.4.9-beta1'],
      },
    ],
  });
  const name = 'magento/product-community-edition';
  const aff = (v: string) => isAffected(r, 'Packagist', name, v);
  assert.deepEqual(aff('2.4.6-p5'), { affected: true, fixed: ['2.4.6-p6'] });
  assert.equal(aff('2.4.6-p6').affected, false);
  assert.deepEqual(aff('2.4.7'), { affected: true, fixed: ['2.4.7-p1'] });
  assert.equal(aff('2.4.7-p1').affected, false);
  assert.equal(aff('2.4.9-beta1').affected, true);
  assert.equal(isAffected(r, 'npm', name, '2.4.6').affected, false);
  fc.assert(
    fc.property(fc.nat(3), fc.nat(12), fc.nat(12), (a, b, c) => {
      const v = `${a}.${b}.${c}`;
      const inFirst = compareComposer(v, '2.4.6-p6') < 0;
      const inSecond = compareComposer(v, '2.4.7') >= 0 && compareComposer(v, '2.4.7-p1') < 0;
      assert.equal(aff(v).affected, inFirst || inSecond, v);
    }),
  );

  const last = record({
    affected: [
      {
        package: { ecosystem: 'npm', name: 'jquery' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { last_affected: '3.4.1' }] }],
      },
    ],
  });
  fc.assert(
    fc.property(semverArb, (v) => {
      assert.equal(isAffected(last, 'npm', 'jquery', v).affected, semver.gte(v, '1.2.0') && semver.lte(v, '3.4.1'), v);
    }),
    { numRuns: 300 },
  );

  const limited = record({
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { limit: '3.0.0' }] }],
      },
    ],
  });
  assert.equal(isAffected(limited, 'Debian:12', 'openssl', '1.1.1n-0+deb11u5').affected, true);
  assert.equal(isAffected(limited, 'Debian:12', 'openssl', '3.0.11-1~deb12u2').affected, false);
  assert.equal(
    isAffected(record({ ...limited, withdrawn: '2024-02-01T00:00:00Z' }), 'Debian:12', 'openssl', '1.0').affected,
    false,
  );
});

test('an OSV record with a bad event is refused by the schema', () => {
  const bad = osvRecordSchema.safeParse({
    id: 'X',
    modified: '2024-01-01T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'a' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }],
      },
    ],
  });
  assert.equal(bad.success, false);
});

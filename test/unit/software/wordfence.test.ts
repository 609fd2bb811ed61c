// The Wordfence feed as OSV: ranges (all-before, inclusive and exclusive bounds, the patched
// version as the fix), core/plugin/theme names as the inventory gives them, the CVE as alias
// and the CVSS vector; a bad record refused by its key; any feed-shaped input converts or is
// refused, never throws (property).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAffected, isWordfenceFeed, readWordfenceFeed } from '../../../src/software/index.ts';

const range = (from: string, fromInc: boolean, to: string, toInc: boolean) => ({
  from_version: from,
  from_inclusive: fromInc,
  to_version: to,
  to_inclusive: toInc,
});

function record(id: string, software: object[], extra: object = {}) {
  return { id, title: `advisory ${id}`, software, ...extra };
}

test('Wordfence records become WordPress OSV records that match the right versions', () => {
  const feed = {
    a: record(
      'a',
      [
        {
          type: 'plugin',
          slug: 'Contact-Form',
          affected_versions: { x: range('*', true, '5.3.1', true) },
          patched_versions: ['5.3.2'],
        },
      ],
      { cve: 'CVE-2099-1', cvss: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 } },
    ),
    b: record('b', [
      {
        type: 'theme',
        slug: 'shop-theme',
        affected_versions: { one: range('2.0', true, '2.4', false), two: range('3.0', true, '3.1.5', true) },
      },
    ]),
    c: record('c', [{ type: 'core', slug: 'wordpress', affected_versions: { all: range('*', true, '*', true) } }]),
  };
  assert.ok(isWordfenceFeed(feed));
  const r = readWordfenceFeed(feed);
  assert.ok('records' in r);
  const [a, b, c] = r.records;
  assert.ok(a && b && c);
  assert.equal(a.id, 'WORDFENCE-a');
  assert.deepEqual(a.aliases, ['CVE-2099-1']);
  assert.equal(a.severity?.[0]?.type, 'CVSS_V3');
  assert.deepEqual(isAffected(a, 'WordPress', 'plugin:contact-form', '5.3.1'), { affected: true, fixed: ['5.3.2'] });
  assert.equal(isAffected(a, 'WordPress', 'plugin:contact-form', '5.3.2').affected, false);
  assert.equal(isAffected(a, 'WordPress', 'theme:contact-form', '1.0').affected, false, 'a theme is not the plugin');
  assert.equal(isAffected(b, 'WordPress', 'theme:shop-theme', '1.9').affected, false);
  assert.equal(isAffected(b, 'WordPress', 'theme:shop-theme', '2.3.9').affected, true);
  assert.equal(isAffected(b, 'WordPress', 'theme:shop-theme', '2.4').affected, false, 'exclusive upper bound');
  assert.equal(isAffected(b, 'WordPress', 'theme:shop-theme', '3.1.5').affected, true, 'inclusive upper bound');
  assert.equal(isAffected(b, 'WordPress', 'theme:shop-theme', '3.1.6').affected, false);
  assert.equal(isAffected(c, 'WordPress', 'wordpress', '6.4.3').affected, true);
});

test('a bad Wordfence record is refused by its key, with the field named', () => {
  const r = readWordfenceFeed({
    good: record('good', [{ type: 'plugin', slug: 'x', affected_versions: {} }]),
    'bad-key': record('bad', [{ type: 'widget', slug: 'x', affected_versions: {} }]),
  });
  assert.ok('problem' in r);
  assert.equal(r.problem.id, 'bad-key');
  assert.match(r.problem.details.join('\n'), /software\.0\.type/);
  assert.equal(isWordfenceFeed([{ software: [] }]), false);
  assert.equal(isWordfenceFeed({ id: 'GHSA-1', affected: [] }), false);
});

test('any feed-shaped input converts or is refused, never throws (property)', () => {
  const version = fc.oneof(
    fc.constant('*'),
    fc.stringMatching(/^[0-9]{1,2}(\.[0-9]{1,2}){0,2}$/),
    fc.string({ maxLength: 8 }),
  );
  const soft = fc.record({
    type: fc.constantFrom('core', 'plugin', 'theme', 'other'),
    slug: fc.string({ maxLength: 10 }),
    affected_versions: fc.dictionary(
      fc.string({ maxLength: 5 }),
      fc.record({
        from_version: version,
        from_inclusive: fc.boolean(),
        to_version: version,
        to_inclusive: fc.boolean(),
      }),
      { maxKeys: 3 },
    ),
    patched_versions: fc.option(fc.array(version, { maxLength: 2 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.string({ maxLength: 6 }),
        fc.record({ id: fc.string({ maxLength: 6 }), title: fc.string(), software: fc.array(soft, { maxLength: 3 }) }),
        { maxKeys: 4 },
      ),
      fc.string({ maxLength: 6 }),
      (feed, probe) => {
        const r = readWordfenceFeed(feed);
        if ('records' in r)
          for (const rec of r.records)
            for (const a of rec.affected ?? []) isAffected(rec, 'WordPress', a.package?.name ?? '', probe);
      },
    ),
    { numRuns: 300 },
  );
});

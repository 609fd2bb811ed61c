// The literal prefilter of the merged gates (detect/literals.ts): the strings read out of a
// regex are ones every match contains, and a LiteralGate answers exactly as its regex does, on
// the shipped rules' gates over values built from the rules' own text and from shop traffic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LiteralGate, requiredSets } from '../../../src/detect/literals.ts';
import { groupMask } from '../../../src/detect/compile.ts';
import { EventContext } from '../../../src/detect/fields.ts';
import { getRequest } from './requests.ts';
import { ruleSetFor } from '../../../src/detect/index.ts';

test('strings a match needs: runs of characters join, optional parts and lookarounds give none', () => {
  assert.deepEqual(requiredSets('etc[/\\\\]+passwd'), [
    ['/passwd', '\\passwd'],
    ['etc/', 'etc\\'],
  ]);
  assert.deepEqual(requiredSets('(?:^|[=/])\\.\\.'), [['..']]);
  assert.deepEqual(requiredSets('a|bc'), [['a', 'bc']]);
  assert.deepEqual(requiredSets('x?y*'), []);
  assert.deepEqual(requiredSets('(?<=foo)\\d+'), []);
  assert.deepEqual(requiredSets('\\bunion\\b\\s+select'), [['select'], ['union']]);
  // a class of many characters, or a negated one, is any character
  assert.deepEqual(requiredSets('[^a]b'), [['b']]);
  assert.deepEqual(requiredSets('[a-z]'), []);
  // what it cannot read gives nothing (that alternative always runs)
  assert.deepEqual(requiredSets('(?'), []);
});

test('a gate answers as its regex does', () => {
  const re = /(?:\.\.[\\/])|(?:etc[/\\]+passwd)|(?:<\s*script\b)|(?:[;|`])|(?:^|[=/])select\b/;
  const g = new LiteralGate(re);
  for (const v of ['/a/../b', '/etc//passwd', 'x=<  script>', 'a;b', '/product-1.html', '/select', 'xselect', ''])
    assert.equal(g.test(v), re.test(v), v);
});

test('the shipped gates: LiteralGate.test equals RegExp.test on rule text, encodings and traffic', () => {
  const { compiled } = ruleSetFor({ ruleFiles: [], disable: [], platform: 'custom' });
  const gates = compiled.gates.filter((g) => g.re.flags === '');
  assert.ok(gates.length > 0);
  // pieces of the gates' own sources (their literals), glued with traffic-like text
  const words = [
    ...new Set(gates.flatMap((g) => g.re.source.match(/[a-z0-9_./:-]{2,}/g) ?? []).filter((w) => w.length < 30)),
  ];
  const pieces = fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom('/', '?', '=', '&', ' ', '..', "'", '"', '<', '>', '(', ')', ';', '|', '$', '\\', '%2e', '*', '{'),
    fc.string({ maxLength: 6 }),
    fc.constantFrom('/catalog/product/view/id/', '/static/version1/frontend/', '.html', 'q=', 'p=2'),
  );
  const lits = gates.map((g) => ({ re: g.re, lg: new LiteralGate(g.re) }));
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
      const v = parts.join('');
      for (const { re, lg } of lits) assert.equal(lg.test(v), re.test(v), `${re.source.slice(0, 60)} on ${v}`);
    }),
    { numRuns: 3000 },
  );
});

test('the gates of a group scanned in one pass give the verdicts of each gate run on its own', () => {
  const fresh = () => ruleSetFor({ ruleFiles: [], disable: [], platform: 'custom' }).compiled;
  const scanned = fresh();
  const alone = fresh();
  assert.ok(
    scanned.groups.some((g) => g.scan !== null),
    'the target group is scanned in one pass',
  );
  for (const g of alone.groups) g.scan = null;
  const words = [
    ...new Set(
      scanned.gates.flatMap((g) => g.re.source.match(/[a-z0-9_./:-]{2,}/g) ?? []).filter((w) => w.length < 30),
    ),
  ];
  const piece = fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom(...words.map((w) => w.toUpperCase())),
    fc.constantFrom('/', '=', '&', '..', "'", '<', '(', ';', '|', '$', '\\', '%2e', '+', '-', '#', '*'),
    fc.string({ maxLength: 5 }),
    fc.constantFrom('catalog/product/view/id/', 'static/version1/frontend/', '.html', 'p=2', 'PD9waHA'),
  );
  const a = new EventContext(scanned);
  const b = new EventContext(alone);
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), fc.array(piece, { maxLength: 5 }), (p, q) => {
      const e = getRequest(`/${p.join('')}`, q.join(''));
      a.reset(e);
      b.reset(e);
      for (let gi = 0; gi < scanned.groups.length; gi++)
        assert.equal(groupMask(a, gi), groupMask(b, gi), `group ${gi} on ${e.path}?${e.query}`);
    }),
    { numRuns: 3000 },
  );
});

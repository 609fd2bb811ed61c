// The SQL reader on keywords written inside themselves (`OORR`, `UNIunionON SELselectECT`): a
// filter that strips a keyword once leaves the keyword, so the reader takes it as the keyword.
// Defanged samples written here, beside words that only look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectSqli, fingerprint } from '../../../src/detect/sqli.ts';

test('a keyword nested in itself reads as the keyword', () => {
  for (const [v, plain] of [
    ["' OORR 1<2 #", "' OR 1<2 #"],
    ['1 UNIunionON SELselectECT 1,2,3--', '1 UNION SELECT 1,2,3--'],
    ["' AANDND 1=1--", "' AND 1=1--"],
    ['1;DRdropOP TABLE t--', '1;DROP TABLE t--'],
  ] as const) {
    assert.ok(detectSqli(v) !== null, v);
    assert.equal(fingerprint(v, ''), fingerprint(plain, ''), v);
  }
});

test('words that only contain a keyword stay words', () => {
  for (const v of ['oorr', 'good food for all', 'bbyy', 'ororo', 'unionized select', 'Andand'])
    assert.equal(detectSqli(v), null, v);
  // any keyword nested at any place inside itself, in any case, reads as the keyword
  fc.assert(
    fc.property(fc.constantFrom('or', 'and', 'union', 'select', 'sleep'), fc.nat(), fc.boolean(), (k, at, upper) => {
      const cut = 1 + (at % (k.length - 1));
      const nested = k.slice(0, cut) + k + k.slice(cut);
      const w = upper ? nested.toUpperCase() : nested;
      assert.equal(fingerprint(`1 ${w} 2`, ''), fingerprint(`1 ${k} 2`, ''), w);
    }),
  );
});

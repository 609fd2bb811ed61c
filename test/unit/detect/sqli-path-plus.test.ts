// A routed path whose spaces a client wrote as `+` (`/id/-1)+as+t+where+2=2+or+3=4`): the SQL
// rules read that `+` as the space it means, as they do in a query. Defanged samples written
// here, beside shop paths with `+` between words and numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flagged } from './requests.ts';

test('property: a boolean condition after a number or bracket, with + for spaces in a routed path, is sqli', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9999 }),
      fc.integer({ min: 1, max: 9999 }),
      fc.constantFrom('or', 'and', 'OR', 'And'),
      fc.constantFrom(')', "'", '"', ''),
      fc.constantFrom('/catalog/product/view/id/', '/rest/V1/products/'),
      (a, b, op, close, route) => {
        const p = `${route}-${a}${close}+as+t+where+${a}=${a}+${op}+${b}=${b + 1}`;
        assert.ok(flagged('sqli', p, ''), p);
      },
    ),
    { numRuns: 200 },
  );
  for (const p of [
    '/catalog/product/view/id/(x)%2B0+AND+8%3D3',
    "/rest/V1/products/1'+in+boolean+mode)+rlike+(select+1)#",
  ])
    assert.ok(flagged('sqli', p, ''), p);
});

test('property: shop paths with + between words, sizes and numbers are not sqli', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('red', 'or', 'and', 'blue', '10', '2x1', 'size', 'x', 'union', 'jack', 'a+b'), {
        minLength: 1,
        maxLength: 6,
      }),
      (words) => {
        const p = `/catalog/category/${words.join('+')}.html`;
        assert.ok(!flagged('sqli', p, ''), p);
      },
    ),
    { numRuns: 300 },
  );
});

// A routed path whose spaces a client wrote as `+` (`/id/-1)+as+t+where+2=2+or+3=4`), and a value whose
// `+` reached the application as itself (%2B: `8-999.9+union+select+0`): the SQL
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

test('property: a value whose + reached the application as itself is read with + as a space', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(
        '8-999.9 union select 0',
        "x' or 'a'='a",
        'foo) and 4499=8923#',
        '1 order by 10--',
        "1 waitfor delay '0:0:5'--",
      ),
      fc.constantFrom('/catalogsearch/result/?q=', '/checkout/cart/add?data='),
      (payload, place) => {
        // the +-encoded payload encoded once more: %2B, which decodes to the + itself
        const v = payload.replace(/ /g, '+');
        const q = place.includes('data=')
          ? encodeURIComponent(JSON.stringify({ sku: v, qty: 1 }))
          : encodeURIComponent(v);
        const [path, query] = `${place}${q}`.split('?') as [string, string];
        assert.ok(flagged('sqli', path, query), `${path}?${query}`);
      },
    ),
    { numRuns: 60 },
  );
  // words joined by +, and a return address whose own query quotes a phrase
  for (const v of ['c++ and java', 'rock+and+roll', 'size+10+or+12', '/search?q="table+lamp"&page=2', 'a+b=c'])
    assert.ok(!flagged('sqli', '/catalogsearch/result/', `q=${encodeURIComponent(v)}`), v);
});

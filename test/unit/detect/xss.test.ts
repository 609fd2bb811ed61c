// The XSS rules (rules/xss.yml) by structure, through the shipped rule set: markup break-outs
// built from any tag, any on…= handler name, quotes and spacing are found in every encoding;
// shop query strings whose parameter names start with "on" or whose values hold CSS urls,
// arrows and fractions are not. Properties over generated requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createDetector, loadRules, splitRequest } from '../../../src/detect/index.ts';
import type { HttpEvent } from '../../../src/logs/index.ts';

const rules = loadRules();

function categories(target: string): string[] {
  const d = createDetector(rules.compiled);
  const event: HttpEvent = {
    kind: 'http',
    time: 0,
    ip: '198.18.0.1',
    status: 200,
    bytes: 100,
    referer: null,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    user: null,
    vhost: null,
    durationMs: null,
    ...splitRequest(`GET ${target}`),
  };
  return d.process(event).map((f) => f.category);
}

const pct = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

test('property: a quote break-out then any on…= handler is XSS, plain or %-encoded', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('"', "'", '`'),
      fc.stringMatching(/^[a-z]{3,20}$/),
      fc.constantFrom('', ' ', '/', '  '),
      fc.boolean(),
      (q, name, space, encode) => {
        const payload = `${q}${space}on${name}=alert(1)`;
        const target = `/catalogsearch/result/?q=${encode ? pct(payload) : payload.replace(/ /g, '+')}`;
        assert.ok(categories(target).includes('xss'), target);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: closing a raw-text element or a CSS url with a script scheme is XSS', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('style', 'xmp', 'template', 'noscript', 'script', 'textarea', 'title'),
      fc.constantFrom('javascript', 'vbscript', 'JaVaScRiPt'),
      fc.boolean(),
      (tag, scheme, encode) => {
        const a = `</${tag}>`;
        const b = `x:url(${scheme}`;
        for (const p of [a, b]) {
          const target = `/s?q=${encode ? pct(p) : p}`;
          assert.ok(categories(target).includes('xss'), target);
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('property: shop query strings with on… parameter names, css urls, arrows and sizes are clean', () => {
  const values = ['1', 'yes', 'red shoes', 'url(image.png)', 'size S --> M', '1/4x3/4 plywood', 'document holder'];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^on[a-z]{2,12}$/), fc.constantFrom(...values)), {
        minLength: 1,
        maxLength: 4,
      }),
      (pairs) => {
        const qs = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
        assert.deepEqual(categories(`/catalog/category/view?${qs}`), [], qs);
      },
    ),
    { numRuns: 300 },
  );
});

test('an on…= handler opening a routed path segment after spaces is XSS, as in a query value', () => {
  for (const t of ['/catalog/product/view/id/%20%20onload=%20', '/p/%20onabcdefgh=x', '/p?id=%20%20onfoo=%20'])
    assert.ok(categories(t).includes('xss'), t);
  for (const t of ['/category/onsale=1', '/blog/%20online%20shop', '/p/%20on%20sale', '/search?q=on+sale%3D50%25'])
    assert.ok(!categories(t).includes('xss'), t);
});

// Address checking and the dedupe key; property: nothing with CR/LF or control characters
// passes (header injection), and the key is the same for case variants of one address.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkAddress } from '../../../src/notices/address.ts';

test('valid addresses and their keys', () => {
  const a = checkAddress('  Ann.Lee+shop@Example.COM ');
  assert.deepEqual(a, { ok: true, address: 'Ann.Lee+shop@example.com', key: 'ann.lee+shop@example.com' });
  const idn = checkAddress('kunde@bücher.de');
  assert.ok(idn.ok);
  if (idn.ok) assert.equal(idn.key, 'kunde@xn--bcher-kva.de');
});

test('invalid addresses are refused with a reason', () => {
  for (const bad of [
    '',
    'plain',
    '@example.com',
    'a@',
    'a@@example.com',
    'a b@example.com',
    'a@example',
    'a..b@example.com',
    'a@-x.com',
  ])
    assert.equal(checkAddress(bad).ok, false, bad);
  assert.equal(checkAddress('a@example.com\r\nBcc: victim@example.org').ok, false);
});

test('property: an address with a control character never passes', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.constantFrom('\r', '\n', '\0', '\t', '\u2028', '\u0085', '\u200b'),
      fc.string(),
      (pre, ctl, post) => !checkAddress(`${pre}x${ctl}y@example.com${post}`).ok,
    ),
  );
});

test('property: case variants of one address have one key', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]@[a-z][a-z0-9-]{0,10}\.[a-z]{2,6}$/), (addr) => {
      const a = checkAddress(addr);
      const b = checkAddress(addr.toUpperCase());
      if (!a.ok) return !b.ok;
      return b.ok && a.key === b.key;
    }),
  );
});

// The IPv4 fast path of IP interning: only canonical dotted quads get a numeric key, so two
// spellings never share an id; everything else goes by its text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipv4Value } from '../../../src/adapters/db/address-key.ts';

test('canonical dotted quads map to their 32-bit value; other text to -1', () => {
  assert.equal(ipv4Value('0.0.0.0'), 0);
  assert.equal(ipv4Value('255.255.255.255'), 4294967295);
  assert.equal(ipv4Value('203.0.113.7'), ((203 << 24) >>> 0) + (0 << 16) + (113 << 8) + 7);
  for (const bad of [
    '010.1.1.1',
    '1.1.1',
    '1.1.1.1.1',
    '256.1.1.1',
    '1..1.1',
    '1.1.1.',
    '::1',
    'host.example',
    '1.1.1.1 ',
    '',
    '00.1.1.1',
  ]) {
    assert.equal(ipv4Value(bad), -1, bad);
  }
});

test('the value is a bijection with the canonical text (property)', () => {
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      const v = ipv4Value(ip);
      const back = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
      return v >= 0 && back === ip;
    }),
  );
});

// Networks for the `cidr` condition: IPv4, IPv6, IPv4-mapped IPv6, single addresses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inNetworks, parseIp, parseNetwork } from '../../../src/detect/cidr.ts';

test('IPv4 networks', () => {
  const nets = [parseNetwork('10.0.0.0/8'), parseNetwork('192.0.2.7')];
  assert.equal(inNetworks('10.200.3.4', nets), true);
  assert.equal(inNetworks('11.0.0.1', nets), false);
  assert.equal(inNetworks('192.0.2.7', nets), true);
  assert.equal(inNetworks('192.0.2.8', nets), false);
});

test('IPv6 networks and IPv4-mapped addresses', () => {
  const nets = [parseNetwork('2001:db8::/32'), parseNetwork('203.0.113.0/24')];
  assert.equal(inNetworks('2001:db8:1::5', nets), true);
  assert.equal(inNetworks('2001:db9::1', nets), false);
  assert.equal(inNetworks('::ffff:203.0.113.9', nets), true);
  assert.equal(parseIp('::1')?.n, 1n);
});

test('garbage is refused or never matches', () => {
  assert.throws(() => parseNetwork('10.0.0.0/33'));
  assert.throws(() => parseNetwork('not-an-ip'));
  assert.equal(inNetworks('999.1.1.1', [parseNetwork('0.0.0.0/0')]), false);
});

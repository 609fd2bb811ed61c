// The address filter of a request block: it never rules out a block that holds the address
// (a missed block would hide requests from a search), and it rules out most that do not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildAddressFilter, mayHoldAddress } from '../../../src/adapters/db/address-filter.ts';
import { ipKey } from '../../../src/adapters/db/address-key.ts';

test('every key put in a filter is found (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 3000 }), (keys) => {
      const f = buildAddressFilter(keys);
      for (const k of keys) assert.ok(mayHoldAddress(f, k), `key ${k} missed`);
    }),
    { numRuns: 200 },
  );
});

test('an empty block rules every address out; a busy one rules out ~99% of absent ones', () => {
  const empty = buildAddressFilter([]);
  assert.equal(mayHoldAddress(empty, ipKey('192.0.2.1')), false);
  const present = Array.from({ length: 5000 }, (_, i) => ipKey(`10.${i >> 8}.${i & 255}.7`));
  const f = buildAddressFilter(present);
  assert.ok(f.byteLength <= Math.ceil((5000 * 10) / 8), `filter of ${f.byteLength} bytes`);
  let hits = 0;
  const probes = 20_000;
  for (let i = 0; i < probes; i++) if (mayHoldAddress(f, ipKey(`172.16.${i >> 8}.${i & 255}`))) hits++;
  assert.ok(hits / probes < 0.03, `false positive rate ${(hits / probes).toFixed(4)}`);
  for (const k of present) assert.ok(mayHoldAddress(f, k));
});

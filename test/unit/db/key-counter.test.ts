// The typed-array counter behind `top --by ip`, and `top --by ip` itself over blocks mixing
// canonical IPv4 (counted by value), IPv6 and odd spellings (counted by text): the same counts
// as a plain count of the stored rows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyCounter } from '../../../src/adapters/db/key-counter.ts';
import { SqliteDb } from '../../../src/adapters/db/sqlite.ts';
import { createEventStore } from '../../../src/adapters/db/events-store.ts';
import type { HttpEvent } from '../../../src/logs/events.ts';

test('KeyCounter counts like a Map, through growth (property)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xffffffff)),
          fc.integer({ min: 1, max: 5 }),
        ),
        { maxLength: 5000 },
      ),
      (adds) => {
        const c = new KeyCounter();
        const m = new Map<number, number>();
        for (const [k, n] of adds) {
          c.add(k, n);
          m.set(k, (m.get(k) ?? 0) + n);
        }
        assert.equal(c.size, m.size);
        assert.deepEqual(new Map(c.entries()), m);
      },
    ),
    { numRuns: 100 },
  );
});

test('top --by ip over blocks counts IPv4, IPv6 and odd spellings apart, as the rows say', async () => {
  const store = createEventStore(new SqliteDb(':memory:'), () => 0, { blockRows: { max: 50, min: 10 } });
  await store.init();
  const ips = ['203.0.113.7', '0.0.0.0', '255.255.255.255', '2001:db8::1', '010.0.0.1', '10.0.0.1', 'unknown', ''];
  const events: HttpEvent[] = Array.from({ length: 400 }, (_, i) => ({
    kind: 'http',
    time: 1_000 + i,
    ip: ips[(i * 7 + (i >> 3)) % ips.length] as string,
    method: 'GET',
    path: `/p/${i}`,
    query: '',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 1,
    referer: null,
    userAgent: null,
    user: null,
    vhost: null,
    durationMs: null,
  }));
  await store.append({
    sourceId: 's',
    events,
    eventLines: events.map((_, i) => i + 1),
    rejects: [],
    findings: [],
    lines: events.length,
    skipped: 0,
    checkpoint: null,
  });
  const want = new Map<string, number>();
  for (const e of events.filter((e) => e.time >= 1_050 && e.time < 1_350)) want.set(e.ip, (want.get(e.ip) ?? 0) + 1);
  const got = await store.top('ip', 1_050, 1_350, 100);
  assert.deepEqual(new Map(got.map((r) => [r.value, r.count])), want);
  const counts = got.map((r) => r.count);
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => b - a),
    'most frequent first',
  );
  assert.equal((await store.top('ip', 1_050, 1_350, 2)).length, 2);
  await store.close();
});

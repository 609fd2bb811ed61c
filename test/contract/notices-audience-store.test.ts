// AudienceStore contract, run on SQLite and PostgreSQL: an address is in an audience once
// (duplicates within a batch and across batches are refused and recorded with their source),
// counts per jurisdiction, paging in import order, and a whole CSV import through the domain.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlAudienceStore } from '../../src/adapters/db/notices-audience-store.ts';
import { fromCsv, importAudience, readCsv, type Recipient } from '../../src/notices/index.ts';
import { AppError } from '../../src/core/errors.ts';
import { dbFactories, factoryOptions } from '../helpers/db.ts';

const r = (key: string, source: string, jurisdiction: string | null): Recipient => ({
  key,
  email: key,
  name: null,
  firstName: null,
  lastName: null,
  country: null,
  region: null,
  jurisdiction,
  source,
  extra: { note: 'x' },
});

for (const f of dbFactories) {
  test(`audience store on ${f.name}: one row per address, duplicates reported`, await factoryOptions(f), async () => {
    const t = await f.create();
    try {
      const s = new SqlAudienceStore(t.db, () => Date.parse('2026-11-02T10:00:00Z'));
      await s.init();
      const a = await s.createAudience('all', 'test');
      const b1 = await s.addBatch(
        a.id,
        [r('a@x.com', 'line 2', 'US-CA'), r('b@x.com', 'line 3', 'EU-DE'), r('a@x.com', 'line 4', 'US-CA')],
        [{ kind: 'invalid', source: 'line 5', message: 'no address' }],
      );
      assert.deepEqual(b1.duplicates, [2]);
      const b2 = await s.addBatch(a.id, [r('b@x.com', 'line 6', 'EU-DE'), r('c@x.com', 'line 7', null)], []);
      assert.deepEqual(b2.duplicates, [0]);
      const info = await s.audience('all');
      assert.deepEqual(
        {
          recipients: info?.recipients,
          invalid: info?.invalid,
          duplicates: info?.duplicates,
          createdAt: info?.createdAt,
        },
        { recipients: 3, invalid: 1, duplicates: 2, createdAt: '2026-11-02T10:00:00.000Z' },
      );
      const counts = new Map((await s.byJurisdiction(a.id)).map((j) => [j.jurisdiction, j.count]));
      assert.deepEqual([counts.get('US-CA'), counts.get('EU-DE'), counts.get(null)], [1, 1, 1]);
      const problems = await s.problems(a.id, 10);
      assert.deepEqual(
        problems.map((p) => `${p.kind} ${p.source}`),
        ['invalid line 5', 'duplicate line 4', 'duplicate line 6'],
      );
      const p1 = await s.recipients(a.id, 0, 2);
      assert.deepEqual(
        p1.map((x) => x.recipient.key),
        ['a@x.com', 'b@x.com'],
      );
      assert.deepEqual(p1[0]?.recipient.extra, { note: 'x' });
      const p2 = await s.recipients(a.id, p1[1]?.pos ?? 0, 2);
      assert.deepEqual(
        p2.map((x) => x.recipient.source),
        ['line 7'],
      );
      await assert.rejects(
        s.createAudience('all', 'again'),
        (e: unknown) => e instanceof AppError && e.code === 'conflict',
      );
      // the same address may be in another audience
      const other = await s.createAudience('other', 'test');
      assert.deepEqual((await s.addBatch(other.id, [r('a@x.com', 'line 2', 'US-CA')], [])).duplicates, []);
    } finally {
      await t.cleanup();
    }
  });

  test(`CSV import of 5,000 rows in small batches on ${f.name}`, await factoryOptions(f), async () => {
    const t = await f.create();
    try {
      const s = new SqlAudienceStore(t.db);
      await s.init();
      let text = 'email,state,country\n';
      for (let i = 0; i < 5000; i++) {
        // every 100th repeats an earlier address in other case; every 250th is invalid
        const addr =
          i % 250 === 7 ? `bad ${i}` : i % 100 === 3 && i > 100 ? `USER${i % 100}@EXAMPLE.com` : `user${i}@example.com`;
        text += `${addr},${i % 2 === 0 ? 'Calif.' : 'Mass.'},US\n`;
      }
      async function* one(): AsyncIterable<Uint8Array> {
        yield new TextEncoder().encode(text);
      }
      const info = await importAudience(
        s,
        'big',
        'csv big.csv',
        fromCsv(readCsv(one(), { encoding: 'auto', map: {}, where: 'big.csv' })),
        { batchSize: 300 },
      );
      const invalid = Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 250 === 7).length;
      const dups = Array.from({ length: 5000 }, (_, i) => i).filter(
        (i) => i % 100 === 3 && i > 100 && i % 250 !== 7,
      ).length;
      assert.equal(info.invalid, invalid);
      assert.equal(info.duplicates, dups);
      assert.equal(info.recipients, 5000 - invalid - dups);
      const problems = await s.problems(info.id, 10_000);
      assert.ok(
        problems.some((p) => p.kind === 'invalid' && p.source === 'line 9'),
        'row 7 is on line 9',
      );
      assert.ok(problems.some((p) => p.kind === 'duplicate' && p.source === 'line 105'));
      const counts = new Map((await s.byJurisdiction(info.id)).map((j) => [j.jurisdiction, j.count]));
      assert.equal((counts.get('US-CA') ?? 0) + (counts.get('US-MA') ?? 0), info.recipients);
    } finally {
      await t.cleanup();
    }
  });
}

// Contract of incident's IncidentStore (src/incident/ports.ts), run against the memory store
// and the SQL store on SQLite and PostgreSQL: numbering in declaration order, facts and
// evidence kept, a tick is idempotent (the first tick stays), closing twice is refused, and
// the log of notes and custody records keeps its order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { SqlIncidentStore } from '../../src/adapters/db/incident-store.ts';
import { MemoryIncidentStore, type IncidentStore } from '../../src/incident/index.ts';
import { isAppError } from '../../src/core/errors.ts';

const T = Date.UTC(2026, 10, 25, 14, 30);

async function contract(s: IncidentStore): Promise<void> {
  await s.init();
  await s.init();
  const a = await s.create({
    title: 'Skimmer on checkout',
    severity: 'high',
    discoveredAt: T,
    declaredAt: T + 1000,
    declaredBy: 'ada',
    facts: null,
  });
  const b = await s.create({
    title: 'Second',
    severity: 'low',
    discoveredAt: T,
    declaredAt: T + 2000,
    declaredBy: 'bob',
    facts: null,
  });
  assert.equal(a.id, 'INC-1');
  assert.equal(b.id, 'INC-2');
  assert.equal(a.status, 'open');
  assert.deepEqual(
    (await s.list()).map((i) => i.id),
    ['INC-2', 'INC-1'],
    'newest first',
  );
  assert.equal(await s.get('INC-9'), null);

  await s.setFacts('INC-1', {
    discovered: '2026-11-25T09:30:00-05:00',
    elements: ['email'],
    encrypted: false,
    keyCompromised: false,
    redacted: false,
    affected: { 'US-CA': 3 },
  });
  await s.setEvidence('INC-1', {
    frozenAt: T + 1000,
    from: T - 86_400_000,
    snapshot: 'abc',
    files: [{ name: 'requests.jsonl', bytes: 10, sha256: 'f'.repeat(64) }],
    manifestSha256: 'e'.repeat(64),
    counts: { requests: 1, logins: 0, findings: 0, fileChanges: 0 },
    gaps: [],
  });
  const got = await s.get('INC-1');
  assert.deepEqual(got?.facts?.affected, { 'US-CA': 3 });
  assert.equal(got?.evidence?.manifestSha256, 'e'.repeat(64));

  assert.equal(await s.tick('INC-1', { key: 'find:1', time: T + 5000, by: 'ada' }), true);
  assert.equal(await s.tick('INC-1', { key: 'find:1', time: T + 9000, by: 'bob' }), false, 'ticked once only');
  assert.equal(await s.tick('INC-2', { key: 'find:1', time: T + 9000, by: 'bob' }), true, 'keys are per incident');
  assert.deepEqual(await s.ticks('INC-1'), [{ key: 'find:1', time: T + 5000, by: 'ada' }]);

  await s.addNote('INC-1', { time: T + 6000, by: 'ada', text: 'host says: <script>' });
  await s.addNote('INC-1', { time: T + 7000, by: 'ada', text: 'second' });
  assert.deepEqual(
    (await s.notes('INC-1')).map((n) => n.text),
    ['host says: <script>', 'second'],
  );
  await s.addCustody('INC-1', { time: T + 8000, zone: 'UTC', by: 'ada', action: 'exported', detail: '/tmp/x.tar.gz' });
  assert.equal((await s.custody('INC-1'))[0]?.action, 'exported');
  assert.deepEqual(await s.custody('INC-2'), []);

  const closed = await s.close('INC-1', { at: T + 10_000, by: 'ada', lessons: ['patch monthly'], summary: 'done' });
  assert.equal(closed.status, 'closed');
  const again = await s.get('INC-1');
  assert.ok(again?.status === 'closed' && again.lessons[0] === 'patch monthly');
  await assert.rejects(
    s.close('INC-1', { at: T, by: 'x', lessons: [], summary: null }),
    (e) => isAppError(e) && e.code === 'conflict',
  );
  await assert.rejects(
    s.addNote('INC-7', { time: T, by: 'x', text: 'y' }),
    (e) => isAppError(e) && e.code === 'not_found',
  );
}

test('incident store contract: memory', () => contract(new MemoryIncidentStore()));

for (const f of dbFactories) {
  test(`incident store contract: ${f.name}`, await factoryOptions(f), async () => {
    const { db, cleanup } = await f.create();
    try {
      await contract(new SqlIncidentStore(db));
    } finally {
      await cleanup();
    }
  });
}

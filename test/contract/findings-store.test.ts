// Contract of the findings store (logs' FindingStore port, served by each database's traffic
// record), run against SQLite and PostgreSQL: findings added alone and findings stored with
// their events are one list, read newest first and in id order for the alert dispatcher.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import type { FindingStore, StoredFinding } from '../../src/logs/index.ts';
import type { Finding } from '../../src/core/finding.ts';
import type { HttpEvent } from '../../src/core/events.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');

function http(over: Partial<HttpEvent> = {}): HttpEvent {
  return {
    kind: 'http',
    time: T0,
    ip: '192.0.2.66',
    method: 'GET',
    path: '/index.php',
    query: "id=1'+UNION+SELECT+1",
    protocol: 'HTTP/1.1',
    status: 500,
    bytes: 10,
    referer: null,
    userAgent: 'sqlmap/1.7',
    user: null,
    vhost: null,
    durationMs: null,
    ...over,
  };
}

function finding(over: Partial<Finding> = {}): Finding {
  return {
    rule: 'ssh-brute-force',
    category: 'brute-force',
    severity: 'high',
    time: T0,
    ip: '203.0.113.9',
    user: 'root',
    service: 'ssh',
    field: 'user',
    match: 'root',
    message: 'many failed logins',
    groupKey: 'ssh-brute-force|203.0.113.9',
    evidence: ['Failed password for root'],
    ...over,
  };
}

for (const f of dbFactories) {
  test(`findings store contract: ${f.name}`, await factoryOptions(f), async (t) => {
    const { db, cleanup } = await f.create();
    const events = createEventStore(db, () => T0 + 5000, { host: 'web1' });
    const store: FindingStore = events;
    /** One finding by id, through the dispatcher's cursor read. */
    const byId = async (id: number): Promise<StoredFinding | null> =>
      (await store.findingsAfter(id - 1, 1)).find((x) => x.id === id) ?? null;
    try {
      await events.init();

      await t.test('added findings come back whole, by id and in id order', async () => {
        assert.equal(await store.lastFindingId(), 0, 'none yet');
        const ids = await store.addFindings([
          finding(),
          finding({ rule: 'login-success', category: 'login', severity: 'info', time: T0 + 10, match: 'a\u0000b' }),
        ]);
        assert.equal(ids.length, 2);
        assert.ok((ids[1] ?? 0) > (ids[0] ?? 0), 'ids grow');
        const one = await byId(ids[0] ?? 0);
        assert.deepEqual(one, { ...finding(), id: ids[0], source: null, host: 'web1', eventKind: null, eventId: null });
        assert.equal(await byId(999_999), null);
        const after = await store.findingsAfter(0, 10);
        assert.deepEqual(
          after.map((x) => x.id),
          ids,
        );
        assert.deepEqual(
          (await store.findingsAfter(ids[0] ?? 0, 10)).map((x) => x.rule),
          ['login-success'],
        );
        assert.equal((await store.findingsAfter(0, 1)).length, 1, 'limit');
        assert.equal((await events.counts()).findings, 2);
        assert.equal(await store.lastFindingId(), ids[1], 'the newest id');
      });

      await t.test('findings stored with their events name the source and the event', async () => {
        const { findingIds } = await events.append({
          sourceId: 'access',
          events: [http({ time: T0 + 20 })],
          eventLines: [1],
          rejects: [],
          findings: [{ finding: finding({ rule: 'sqli-union', category: 'sqli', time: T0 + 20 }), event: 0 }],
          lines: 1,
          skipped: 0,
          checkpoint: { offset: 1 },
        });
        const stored = await byId(findingIds[0] ?? 0);
        assert.equal(stored?.source, 'access');
        assert.equal(stored?.eventKind, 'http');
        const [req] = await events.searchHttp({ limit: 1 });
        assert.equal(stored?.eventId, req?.id);
        assert.equal((await events.counts()).findings, 3, 'one list with the findings added alone');
      });

      await t.test('the list is newest first and filters by time, address, rule, category and severity', async () => {
        const all = await store.listFindings({ limit: 10 });
        assert.deepEqual(
          all.map((x) => x.rule),
          ['sqli-union', 'login-success', 'ssh-brute-force'],
        );
        assert.equal(
          (await store.listFindings({ since: T0 + 10, until: T0 + 20, limit: 10 }))[0]?.rule,
          'login-success',
        );
        assert.equal((await store.listFindings({ ip: '198.51.100.1', limit: 10 })).length, 0);
        assert.equal((await store.listFindings({ rule: 'sqli-union', limit: 10 })).length, 1);
        assert.equal((await store.listFindings({ category: 'login', limit: 10 })).length, 1);
        assert.equal((await store.listFindings({ minSeverity: 'high', limit: 10 })).length, 2);
        assert.equal((await store.listFindings({ limit: 1 })).length, 1);
        await assert.rejects(store.listFindings({ minSeverity: 'urgent', limit: 1 }), /unknown severity urgent/);
      });
    } finally {
      await cleanup();
    }
  });
}

// Contract of the alerts OutboxStore (src/alerts/ports.ts), run on SQLite and PostgreSQL:
// the dispatch commit is atomic and refuses a stale cursor; claims lease rows, expired leases
// are claimed again, only the claimer settles a row; retries, failures, channel health,
// silences and acknowledgements behave the same on both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { SqlOutboxStore } from '../../src/adapters/db/alerts-store.ts';
import type { AlertMessage, AlertRecord, NewOutbox } from '../../src/alerts/index.ts';

const T0 = 1_800_000_000_000;

function alert(uid: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id: 0,
    uid,
    route: 'logins',
    groupKey: `["${uid}"]`,
    status: 'open',
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    ip: '203.0.113.9',
    user: 'root\u0000x',
    service: 'ssh',
    message: 'ssh login',
    evidence: ['line <1>'],
    count: 1,
    notifiedCount: 1,
    seq: 1,
    firstFindingId: 1,
    lastFindingId: 1,
    firstAt: T0,
    lastAt: T0,
    openedAt: T0,
    updatedAt: T0,
    nextAt: null,
    lastNotifiedAt: T0,
    ackedAt: null,
    ...over,
  };
}

function msg(key: string): AlertMessage {
  return {
    kind: 'alert',
    key,
    alertId: null,
    seq: 1,
    site: 's',
    host: 'h',
    route: 'logins',
    title: 't',
    summary: 's',
    severity: 'info',
    rule: 'r',
    category: 'login',
    service: 'ssh',
    ip: null,
    user: null,
    count: 1,
    newCount: 1,
    firstAt: '',
    lastAt: '',
    evidence: [],
    commands: [],
  };
}

const out = (uid: string, channel: string, nextAt = T0): NewOutbox => ({
  alertUid: uid,
  channel,
  message: msg(`${uid}.1`),
  nextAt,
});

for (const f of dbFactories) {
  test(`alerts outbox contract: ${f.name}`, await factoryOptions(f), async (t) => {
    const { db, cleanup } = await f.create();
    const s = new SqlOutboxStore(db, () => T0);
    try {
      await s.init();
      await s.init();

      await t.test('dispatch commit: alerts, outbox and cursor together; a stale version is refused', async () => {
        const c0 = await s.cursor();
        assert.deepEqual(c0, { afterId: 0, seen: [], version: 0 });
        const ok = await s.commitDispatch({
          version: 0,
          cursor: { afterId: 3, seen: [5] },
          alerts: [alert('a1'), alert('a2')],
          outbox: [out('a1', 'mail'), out('a1', 'hook'), out('a2', 'mail')],
          silenced: [],
        });
        assert.equal(ok, true);
        const stale = await s.commitDispatch({
          version: 0,
          cursor: { afterId: 9, seen: [] },
          alerts: [alert('a3')],
          outbox: [out('a3', 'mail')],
          silenced: [],
        });
        assert.equal(stale, false);
        assert.deepEqual(await s.cursor(), { afterId: 3, seen: [5], version: 1 });
        const alerts = await s.listAlerts({ limit: 10 });
        assert.deepEqual(alerts.map((a) => a.uid).sort(), ['a1', 'a2']);
        assert.equal(alerts.find((a) => a.uid === 'a1')?.evidence[0], 'line <1>');
        const a1 = alerts.find((a) => a.uid === 'a1')!;
        const rows = await s.outboxOf(a1.id);
        assert.deepEqual(
          rows.map((r) => [r.channel, r.status, r.key, r.message.alertId]),
          [
            ['mail', 'pending', 'a1.1', a1.id],
            ['hook', 'pending', 'a1.1', a1.id],
          ],
        );
        // Open alerts by group key, and due ones.
        assert.equal((await s.openAlerts('logins', ['["a1"]', '["zz"]'], T0 - 1)).length, 1);
        assert.equal(
          (await s.openAlerts('logins', ['["a1"]'], T0 + 1)).length,
          0,
          'quiet alerts are not open for grouping',
        );
        await s.commitDispatch({
          version: 1,
          cursor: { afterId: 5, seen: [] },
          alerts: [{ ...a1, nextAt: T0 + 10, count: 4 }],
          outbox: [],
          silenced: [],
        });
        assert.equal((await s.dueAlerts(T0 + 9, 10)).length, 0);
        assert.deepEqual(
          (await s.dueAlerts(T0 + 10, 10)).map((a) => [a.uid, a.count]),
          [['a1', 4]],
        );
      });

      await t.test('claims lease rows; an expired lease is claimed again; only the claimer settles', async () => {
        const first = await s.claim(T0, 1000, 2);
        assert.equal(first.length, 2);
        assert.ok(first.every((r) => r.status === 'sending' && r.attempts === 1 && r.leaseUntil === T0 + 1000));
        const second = await s.claim(T0 + 500, 1000, 10);
        assert.equal(second.length, 1, 'leased rows are not claimed twice');
        assert.equal(await s.nextDue(), T0 + 1000);
        const again = await s.claim(T0 + 1000, 1000, 10);
        assert.deepEqual(again.map((r) => r.id).sort(), first.map((r) => r.id).sort(), 'expired leases come back');
        const old = first[0]!;
        assert.equal(await s.markSent(old.id, old.token!, T0), false, 'the old claimer may not settle');
        const now = again.find((r) => r.id === old.id)!;
        assert.equal(await s.markSent(now.id, now.token!, T0 + 1001), true);
        assert.equal(await s.markSent(now.id, now.token!, T0 + 1002), false, 'sent once');
        const other = again.find((r) => r.id !== old.id)!;
        await s.markRetry(other.id, other.token!, T0 + 5000, 'HTTP 503');
        await s.markFailed(second[0]!.id, second[0]!.token!, T0, 'HTTP 404');
        assert.equal((await s.claim(T0 + 4999, 1000, 10)).length, 0);
        const retried = await s.claim(T0 + 5000, 1000, 10);
        assert.deepEqual(
          retried.map((r) => [r.id, r.attempts, r.lastError]),
          [[other.id, 3, 'HTTP 503']],
        );
        await s.markSent(retried[0]!.id, retried[0]!.token!, T0 + 5001);
        assert.deepEqual(await s.outboxCounts(), { pending: 0, sending: 0, sent: 2, failed: 1 });
        assert.equal(await s.nextDue(), null);
      });

      await t.test('channel health counts consecutive failures and resets on success', async () => {
        await s.recordAttempt('hook', false, T0, 'HTTP 503');
        const h = await s.recordAttempt('hook', false, T0 + 5, 'timeout');
        assert.deepEqual([h.consecutiveFailures, h.failingSince, h.lastError, h.reported], [2, T0, 'timeout', false]);
        await s.setReported('hook', true);
        const ok = await s.recordAttempt('hook', true, T0 + 9, null);
        assert.deepEqual(
          [ok.consecutiveFailures, ok.failingSince, ok.lastSuccessAt, ok.reported],
          [0, null, T0 + 9, true],
        );
        const id = await s.addAlert(alert('c1', { route: '_channels' }), [out('c1', 'mail')]);
        assert.equal((await s.outboxOf(id)).length, 1);
        assert.deepEqual(await s.oldestUndelivered(), [{ channel: 'mail', createdAt: T0 }]);
      });

      await t.test('silences expire; acknowledgement is one-way', async () => {
        const id = await s.addSilence({
          match: { rule: 'x', ip: '1.2.3.*' },
          startsAt: T0,
          endsAt: T0 + 100,
          comment: 'test',
          createdAt: T0,
        });
        assert.deepEqual(
          (await s.activeSilences(T0 + 50)).map((x) => [x.id, x.match]),
          [[id, { rule: 'x', ip: '1.2.3.*' }]],
        );
        assert.equal((await s.activeSilences(T0 + 100)).length, 0);
        assert.equal(await s.expireSilence(id, T0 + 10), true);
        assert.equal((await s.activeSilences(T0 + 50)).length, 0);
        assert.equal((await s.listSilences(T0 + 50, true)).length, 1);
        const [a] = await s.listAlerts({ status: 'open', limit: 1 });
        assert.ok(a);
        assert.equal(await s.ack(a.id, T0), true);
        assert.equal(await s.ack(a.id, T0), false);
        assert.equal((await s.getAlert(a.id))?.status, 'acked');
        // The dispatcher never reopens an acknowledged alert.
        const cur = await s.cursor();
        await s.commitDispatch({
          version: cur.version,
          cursor: { afterId: cur.afterId, seen: [] },
          alerts: [{ ...a, count: 99 }],
          outbox: [],
          silenced: [],
        });
        assert.equal((await s.getAlert(a.id))?.count, a.count);
      });
    } finally {
      await cleanup();
    }
  });
}

// Routing, grouping, throttling and silences of the dispatcher, on a ManualClock, over the
// real outbox store on an in-memory SQLite database.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { alertsSchemaOf, effectiveRoutes, routeSchema } from '../../../src/core/config/alerts.ts';
import { channels } from '../../../src/adapters/channels/index.ts';
import { SqliteDb } from '../../../src/adapters/db/sqlite.ts';
import { SqlOutboxStore } from '../../../src/adapters/db/alerts-store.ts';
import {
  Dispatcher,
  advance,
  groupKeyOf,
  parseSilenceMatch,
  routesFor,
  silenceMatches,
  type StoredFindingLike,
} from '../../../src/alerts/index.ts';
import type { Finding } from '../../../src/detect/index.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');

function login(id: number, time: number, user = 'root', ip = '203.0.113.9'): StoredFindingLike {
  return {
    id,
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    time,
    ip,
    user,
    service: 'ssh',
    field: 'user',
    match: user,
    message: `ssh login: ${user} from ${ip}`,
    groupKey: `login|${id}`,
    evidence: [`Accepted password for ${user} from ${ip} port 22 ssh2`],
  };
}

function brute(id: number, time: number, ip = '198.51.100.7'): StoredFindingLike {
  return {
    id,
    rule: 'ssh-brute-force',
    category: 'brute-force',
    severity: 'high',
    time,
    ip,
    user: 'admin',
    service: 'ssh',
    field: 'user',
    match: 'admin',
    message: `failed SSH logins from ${ip}`,
    groupKey: `ssh-brute-force|${ip}`,
    evidence: [`Failed password for admin from ${ip} port 4242 ssh2 #${id}`],
  };
}

class Findings {
  rows: StoredFindingLike[] = [];
  async findingsAfter(after: number, limit: number): Promise<StoredFindingLike[]> {
    return this.rows
      .filter((r) => r.id > after)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
  }
}

const alertsSchema = alertsSchemaOf(channels.schema);

const twoChannels = { mail: { type: 'command', argv: ['true'] }, hook: { type: 'command', argv: ['true'] } };

async function setup(alerts: Record<string, unknown> = {}) {
  const db = new SqliteDb(':memory:');
  const store = new SqlOutboxStore(db, () => clock.now());
  await store.init();
  const clock = new ManualClock(T0);
  const findings = new Findings();
  const config = alertsSchema.parse({ channels: twoChannels, ...alerts });
  let n = 0;
  const dispatcher = new Dispatcher({
    store,
    findings,
    routes: effectiveRoutes(config),
    channels: ['mail', 'hook'],
    clock,
    logger: silentLogger,
    context: { site: 'Shop', host: 'web1' },
    maxAgeMs: config.maxAge,
    resolveTimeoutMs: config.resolveTimeout,
    gapGraceMs: 0,
    newUid: () => `uid${++n}`,
  });
  const outbox = async () =>
    await db.query<{ channel: string; idem_key: string; message: string }>(
      'SELECT channel, idem_key, message FROM alert_outbox ORDER BY id',
    );
  return { db, store, clock, findings, dispatcher, outbox, close: () => db.close() };
}

test('routing: first match wins, continue goes on, default routes send logins and high findings', () => {
  const routes = [
    routeSchema.parse({ name: 'a', match: { rule: ['ssh-*'] }, continue: true }),
    routeSchema.parse({ name: 'b', match: { minSeverity: 'high', ip: ['198.51.100.*'] } }),
    routeSchema.parse({ name: 'c', match: {} }),
  ];
  assert.deepEqual(
    routesFor(routes, brute(1, T0)).map((r) => r.name),
    ['a', 'b'],
  );
  assert.deepEqual(
    routesFor(routes, login(2, T0)).map((r) => r.name),
    ['c'],
  );
  const defaults = effectiveRoutes(alertsSchema.parse({}));
  assert.deepEqual(
    routesFor(defaults, login(3, T0)).map((r) => r.name),
    ['logins'],
  );
  assert.deepEqual(
    routesFor(defaults, brute(4, T0)).map((r) => r.name),
    ['serious'],
  );
  assert.deepEqual(routesFor(defaults, { ...brute(5, T0), severity: 'medium' }), []);
  // Group keys: every login alone; brute force by the rule's key.
  assert.notEqual(groupKeyOf(defaults[0]!, login(6, T0)), groupKeyOf(defaults[0]!, login(7, T0)));
  assert.equal(groupKeyOf(defaults[1]!, brute(8, T0)), groupKeyOf(defaults[1]!, brute(9, T0)));
});

test('silence matchers parse, match with globs, and refuse junk', () => {
  const m = parseSilenceMatch('rule=ssh-brute-force, ip=198.51.100.*');
  assert.deepEqual(m, { rule: 'ssh-brute-force', ip: '198.51.100.*' });
  assert.equal(silenceMatches(m, brute(1, T0)), true);
  assert.equal(silenceMatches(m, brute(1, T0, '192.0.2.1')), false);
  assert.throws(() => parseSilenceMatch('colour=red'), /unknown field/);
  assert.throws(() => parseSilenceMatch('rule'), /field=value/);
  assert.throws(() => parseSilenceMatch(''), /at least one/);
});

test('a login is queued at once, alone, on every channel, with the commands to look further', async () => {
  const s = await setup();
  try {
    s.findings.rows.push(login(1, T0 - 1000), login(2, T0 - 500, 'deploy', '192.0.2.44'));
    const r = await s.dispatcher.tick();
    assert.equal(r.findings, 2);
    const rows = await s.outbox();
    assert.equal(rows.length, 4, 'two logins x two channels');
    assert.deepEqual(new Set(rows.map((x) => x.idem_key)).size, 2);
    const m = JSON.parse(rows[0]!.message) as {
      user: string;
      ip: string;
      service: string;
      commands: string[];
      evidence: string[];
      alertId: number;
    };
    assert.equal(m.user, 'root');
    assert.equal(m.ip, '203.0.113.9');
    assert.equal(m.service, 'ssh');
    assert.match(
      m.commands[0]!,
      /^ripcord logs timeline --ip 203\.0\.113\.9 --from 2026-11-02T08:59:59Z --to 2026-11-02T10:59:59Z$/,
    );
    assert.ok(m.commands.includes('ripcord logs who --user root'));
    assert.ok(m.alertId > 0);
    // Nothing new: nothing queued, nothing written.
    assert.deepEqual(await s.dispatcher.tick(), { findings: 0, queued: 0, conflict: false });
    assert.equal((await s.store.cursor()).afterId, 2);
  } finally {
    await s.close();
  }
});

test('a storm of 10,000 brute-force findings makes one message; more news waits for groupInterval', async () => {
  const s = await setup({
    routes: [
      {
        name: 'bf',
        match: { category: ['brute-force'] },
        groupBy: ['groupKey'],
        groupWait: '30s',
        groupInterval: '5m',
        channels: ['mail'],
      },
    ],
  });
  try {
    for (let i = 1; i <= 10_000; i++) s.findings.rows.push(brute(i, T0));
    await s.dispatcher.tick();
    assert.equal((await s.outbox()).length, 0, 'nothing before groupWait');
    s.clock.advance(30_000);
    await s.dispatcher.tick();
    let rows = await s.outbox();
    assert.equal(rows.length, 1);
    const m = JSON.parse(rows[0]!.message) as { count: number; evidence: string[]; title: string };
    assert.equal(m.count, 10_000);
    assert.ok(m.evidence.length <= 10 && m.evidence.length > 0);
    const [alert] = await s.store.listAlerts({ limit: 10 });
    assert.equal(alert?.count, 10_000);
    // 500 more a minute later: no message until 5 minutes after the first.
    s.clock.advance(60_000);
    for (let i = 10_001; i <= 10_500; i++) s.findings.rows.push(brute(i, s.clock.now()));
    await s.dispatcher.tick();
    assert.equal((await s.outbox()).length, 1);
    s.clock.advance(4 * 60_000);
    await s.dispatcher.tick();
    rows = await s.outbox();
    assert.equal(rows.length, 2);
    const u = JSON.parse(rows[1]!.message) as { kind: string; count: number; newCount: number };
    assert.deepEqual([u.kind, u.count, u.newCount], ['update', 10_500, 500]);
    // No news, no reminder configured: silence.
    s.clock.advance(3_600_000);
    await s.dispatcher.tick();
    assert.equal((await s.outbox()).length, 2);
  } finally {
    await s.close();
  }
});

test('reminders repeat until the alert is acknowledged; a new finding after ack opens a new alert', async () => {
  const s = await setup({
    routes: [{ name: 'bf', match: {}, groupWait: '0s', repeatInterval: '1h', channels: ['mail'] }],
  });
  try {
    s.findings.rows.push(brute(1, T0));
    await s.dispatcher.tick();
    s.clock.advance(3_600_000);
    await s.dispatcher.tick();
    const rows = await s.outbox();
    assert.deepEqual(
      rows.map((r) => (JSON.parse(r.message) as { kind: string }).kind),
      ['alert', 'reminder'],
    );
    const [a] = await s.store.listAlerts({ limit: 1 });
    assert.ok(a && (await s.store.ack(a.id, s.clock.now())));
    s.clock.advance(3_600_000);
    await s.dispatcher.tick();
    assert.equal((await s.outbox()).length, 2, 'no reminder after ack');
    s.findings.rows.push(brute(2, s.clock.now()));
    await s.dispatcher.tick();
    assert.equal((await s.store.listAlerts({ limit: 10 })).length, 2);
    assert.equal((await s.outbox()).length, 3);
  } finally {
    await s.close();
  }
});

test('silenced and too-old findings are recorded as handled but not sent', async () => {
  const s = await setup();
  try {
    await s.store.addSilence({
      match: { rule: 'login-success', user: 'deploy' },
      startsAt: T0 - 1,
      endsAt: T0 + 3_600_000,
      comment: 'ci',
      createdAt: T0,
    });
    s.findings.rows.push(login(1, T0, 'deploy'), login(2, T0 - 2 * 86_400_000, 'root'), login(3, T0, 'root'));
    await s.dispatcher.tick();
    const rows = await s.outbox();
    assert.equal(rows.length, 2, 'only the fresh root login, on two channels');
    assert.equal((JSON.parse(rows[0]!.message) as { user: string }).user, 'root');
    const [sil] = await s.store.listSilences(s.clock.now(), false);
    assert.equal(sil?.muted, 1);
    assert.equal((await s.store.cursor()).afterId, 3);
    // After the silence ends, the same kind of login is sent again.
    s.clock.advance(2 * 3_600_000);
    s.findings.rows.push(login(4, s.clock.now(), 'deploy'));
    await s.dispatcher.tick();
    assert.equal((await s.outbox()).length, 4);
  } finally {
    await s.close();
  }
});

test('two dispatchers on one store never queue a finding twice', async () => {
  const s = await setup();
  try {
    const other = new Dispatcher({
      store: s.store,
      findings: s.findings,
      routes: effectiveRoutes(alertsSchema.parse({})),
      channels: ['mail'],
      clock: s.clock,
      logger: silentLogger,
      context: { site: 'Shop', host: 'web2' },
      maxAgeMs: 86_400_000,
      resolveTimeoutMs: 86_400_000,
      gapGraceMs: 0,
    });
    for (let i = 1; i <= 50; i++) s.findings.rows.push(login(i, T0));
    await Promise.all([s.dispatcher.tick(), other.tick(), s.dispatcher.tick(), other.tick()]);
    await s.dispatcher.tick();
    const alerts = await s.store.listAlerts({ limit: 100 });
    assert.equal(alerts.length, 50);
    const rows = await s.outbox();
    assert.equal(new Set(rows.map((r) => `${r.idem_key}/${r.channel}`)).size, rows.length);
  } finally {
    await s.close();
  }
});

test('cursor: waits for a missing id within the grace time, never hands an id out twice (property)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
      fc.integer({ min: 0, max: 3 }),
      (ids, graceSteps) => {
        const gaps = { firstSeen: new Map<number, number>() };
        let cur = { afterId: 0, seen: [] as number[] };
        const handed = new Set<number>();
        const visible = new Set<number>();
        let t = 0;
        for (const id of ids) {
          visible.add(id);
          // What a dispatcher would read: visible ids above the cursor not yet seen.
          const fresh = [...visible].filter((v) => v > cur.afterId && !cur.seen.includes(v));
          for (const f of fresh) {
            assert.ok(!handed.has(f), `id ${f} handed out twice`);
            handed.add(f);
          }
          cur = advance(cur, fresh, gaps, t, graceSteps * 10);
          t += 10;
          assert.ok(cur.seen.every((v) => v > cur.afterId));
        }
        // With no grace, the cursor sits on the highest id handed out.
        if (graceSteps === 0 && handed.size > 0) assert.equal(cur.afterId, Math.max(...handed));
      },
    ),
  );
});

test('the config refuses routes naming unknown channels and bad durations', () => {
  const r = alertsSchema.safeParse({ channels: {}, routes: [{ name: 'x', channels: ['nope'], groupWait: 'soon' }] });
  assert.equal(r.success, false);
  const paths = r.error?.issues.map((i) => i.path.join('.')) ?? [];
  assert.ok(paths.includes('routes.0.channels.0'));
  assert.ok(paths.includes('routes.0.groupWait'));
  const f: Finding = login(1, T0);
  assert.equal(f.rule, 'login-success');
});

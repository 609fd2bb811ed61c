// Contract of the traffic store (logs' EventStore port), run against SQLite and PostgreSQL:
// batches are atomic with their checkpoint, and the questions of an emergency are answered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import type { AuthEvent, HttpEvent } from '../../src/logs/events.ts';
import type { Finding } from '../../src/detect/index.ts';
import { AppError } from '../../src/core/errors.ts';
import { SourceChannel, type EventStore } from '../../src/logs/index.ts';
import { createDetector, loadRules } from '../../src/detect/index.ts';

const T0 = Date.parse('2026-11-02T10:00:00Z');

export function http(over: Partial<HttpEvent> = {}): HttpEvent {
  return {
    kind: 'http',
    time: T0,
    ip: '198.51.100.7',
    method: 'GET',
    path: '/catalog/product/view/id/12',
    query: '',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 5120,
    referer: 'https://shop.example/',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    user: null,
    vhost: null,
    durationMs: null,
    ...over,
  };
}

export function auth(over: Partial<AuthEvent> = {}): AuthEvent {
  return {
    kind: 'auth',
    time: T0,
    service: 'ssh',
    action: 'login',
    outcome: 'success',
    user: 'deploy',
    ip: '203.0.113.9',
    port: 52100,
    method: 'publickey',
    invalidUser: false,
    targetUser: null,
    command: null,
    host: 'web1',
    program: 'sshd',
    message: 'Accepted publickey for deploy from 203.0.113.9 port 52100 ssh2',
    ...over,
  };
}

function finding(over: Partial<Finding> = {}): Finding {
  return {
    rule: 'sqli-union',
    category: 'sqli',
    severity: 'high',
    time: T0,
    ip: '192.0.2.66',
    user: null,
    service: 'web',
    field: 'query',
    match: "1' UNION SELECT",
    message: 'SQL injection attempt',
    groupKey: 'sqli-union|192.0.2.66',
    evidence: ['GET /?id=1%27+UNION+SELECT'],
    ...over,
  };
}

for (const f of dbFactories) {
  test(`event store contract: ${f.name}`, await factoryOptions(f), async (t) => {
    const { db, cleanup } = await f.create();
    const store = createEventStore(db, () => T0 + 1000);
    try {
      await store.init();
      await store.init(); // idempotent

      await t.test('a batch stores events, rejections, findings and the checkpoint together', async () => {
        const events = [
          http(),
          http({ time: T0 + 1000, ip: '192.0.2.66', path: '/index.php', query: "id=1'+UNION+SELECT+1", status: 500 }),
          auth(),
          http({
            time: T0 + 2000,
            ip: '2001:db8::1',
            path: '/admin/login.php',
            status: 404,
            userAgent: 'sqlmap/1.7',
            referer: null,
          }),
        ];
        const r = await store.append({
          sourceId: 'access',
          events,
          eventLines: [1, 2, 3, 5],
          rejects: [{ line: 4, text: 'garbage \u0000 line', reason: 'no request line' }],
          findings: [{ finding: finding({ time: T0 + 1000 }), event: 1 }],
          lines: 6,
          skipped: 1,
          checkpoint: { path: '/var/log/x', ino: 1, dev: 2, offset: 600, line: 6, fp: 'ab', fpLen: 10 },
        });
        assert.equal(r.findingIds.length, 1);
        const st = await store.sourceState('access');
        assert.deepEqual(st?.checkpoint, {
          path: '/var/log/x',
          ino: 1,
          dev: 2,
          offset: 600,
          line: 6,
          fp: 'ab',
          fpLen: 10,
        });
        assert.equal(st?.lines, 6);
        assert.equal(st?.events, 4);
        assert.equal(st?.rejected, 1);
        assert.equal(st?.skipped, 1);
        const c = await store.counts();
        assert.deepEqual(c, { http: 3, auth: 1, rejects: 1, findings: 1 });
        const [rej] = await store.rejects({ limit: 10 });
        assert.equal(rej?.line, 4);
        assert.match(rej?.text ?? '', /^garbage . line$/);
        const [fd] = await store.findingsAfter(0, 10);
        assert.equal(fd?.eventKind, 'http');
        assert.equal(fd?.source, 'access');
        assert.deepEqual(fd?.evidence, ['GET /?id=1%27+UNION+SELECT']);
      });

      await t.test('search by IP and time range, newest first, with interned strings restored', async () => {
        const rows = await store.searchHttp({ ip: '2001:db8::1', since: T0, until: T0 + 10_000, limit: 10 });
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.userAgent, 'sqlmap/1.7');
        assert.equal(rows[0]?.referer, null);
        assert.equal(rows[0]?.line, 5);
        const all = await store.searchHttp({ limit: 10 });
        assert.deepEqual(
          all.map((r) => r.time),
          [T0 + 2000, T0 + 1000, T0],
        );
        assert.equal((await store.searchHttp({ since: T0 + 1500, limit: 10 })).length, 1);
      });

      await t.test('path glob with status, and path regex', async () => {
        const php = await store.searchHttp({ pathGlob: '*.php', status: [404], limit: 10 });
        assert.deepEqual(
          php.map((r) => r.path),
          ['/admin/login.php'],
        );
        const admin = await store.searchHttp({ pathGlob: '/admin*', limit: 10 });
        assert.equal(admin.length, 1);
        const re = await store.searchHttp({ pathRe: '^/index\\.php$', limit: 10 });
        assert.equal(re.length, 1);
        // LIKE wildcards in a glob are literal
        assert.equal((await store.searchHttp({ pathGlob: '/index_php', limit: 10 })).length, 0);
      });

      await t.test('logins: search, seen-before, top', async () => {
        await store.append({
          sourceId: 'auth',
          events: [
            auth({ time: T0 + 60_000 }),
            auth({ time: T0 + 120_000, ip: '192.0.2.200' }),
            auth({ time: T0 + 130_000, outcome: 'failure', user: 'root', ip: '192.0.2.201' }),
          ],
          eventLines: [1, 2, 3],
          rejects: [],
          findings: [],
          lines: 3,
          skipped: 0,
          checkpoint: null,
        });
        const logins = await store.searchAuth({ loginsOnly: true, outcome: 'success', limit: 10 });
        assert.deepEqual(
          logins.map((l) => l.ip),
          ['192.0.2.200', '203.0.113.9', '203.0.113.9'],
        );
        assert.equal(await store.seenBefore('deploy', '203.0.113.9', T0 + 60_000), true);
        assert.equal(await store.seenBefore('deploy', '203.0.113.9', T0), false);
        assert.equal(await store.seenBefore('deploy', '192.0.2.200', T0 + 120_000), false);
        const byUser = await store.top('user', undefined, undefined, 5);
        assert.deepEqual(byUser[0], { value: 'deploy', count: 3 });
        const byIp = await store.top('ip', T0, undefined, 5);
        assert.equal(byIp.length, 3);
        const byUa = await store.top('user-agent', undefined, undefined, 5);
        assert.equal(byUa.find((r) => r.value === 'sqlmap/1.7')?.count, 1);
      });

      await t.test('findings list filters by severity and rule', async () => {
        await store.addFindings([
          finding({ rule: 'login-success', category: 'login', severity: 'info', time: T0 + 5 }),
        ]);
        assert.equal((await store.listFindings({ minSeverity: 'high', limit: 10 })).length, 1);
        assert.equal((await store.listFindings({ rule: 'login-success', limit: 10 })).length, 1);
        const after = await store.findingsAfter(1, 10);
        assert.equal(after.length, 1);
        assert.equal(after[0]?.source, null);
      });

      await t.test('a failed batch leaves nothing, not even its checkpoint', async () => {
        const before = await store.counts();
        const bad = http({ time: Number.NaN as unknown as number });
        await assert.rejects(
          store.append({
            sourceId: 'access',
            events: [http({ time: T0 + 9 }), { ...bad, status: null as unknown as number }],
            eventLines: [7, 8],
            rejects: [],
            findings: [],
            lines: 2,
            skipped: 0,
            checkpoint: { offset: 999 },
          }),
        );
        assert.deepEqual(await store.counts(), before);
        assert.equal((await store.sourceState('access'))?.checkpoint?.['offset'], 600);
        // and the store still works afterwards
        await store.append({
          sourceId: 'access',
          events: [http({ time: T0 + 9, userAgent: 'after-failure' })],
          eventLines: [7],
          rejects: [],
          findings: [],
          lines: 1,
          skipped: 0,
          checkpoint: { offset: 700 },
        });
        assert.equal(
          (await store.searchHttp({ since: T0 + 9, until: T0 + 10, limit: 5 }))[0]?.userAgent,
          'after-failure',
        );
      });

      await t.test('requests spread over many blocks are searched, counted and pruned as one', async () => {
        const small = createEventStore(db, () => T0, { blockRows: { max: 7, min: 3 } });
        await small.init();
        const base = T0 + 10 * 86_400_000;
        const evs = Array.from({ length: 40 }, (_, i) =>
          http({
            time: base + i * 1000,
            ip: i % 2 ? '192.0.2.1' : '192.0.2.2',
            path: `/p/${i}`,
            status: i % 5 === 0 ? 404 : 200,
          }),
        );
        for (let i = 0; i < 40; i += 9) {
          const chunk = evs.slice(i, i + 9);
          await small.append({
            sourceId: 'parts',
            events: chunk,
            eventLines: chunk.map((_, k) => i + k + 1),
            rejects: [],
            findings: [],
            lines: chunk.length,
            skipped: 0,
            checkpoint: null,
          });
        }
        const newest = await small.searchHttp({ since: base, limit: 5 });
        assert.deepEqual(
          newest.map((r) => r.path),
          ['/p/39', '/p/38', '/p/37', '/p/36', '/p/35'],
        );
        const ipRows = await small.searchHttp({ ip: '192.0.2.1', since: base, limit: 100 });
        assert.equal(ipRows.length, 20);
        assert.equal(new Set(ipRows.map((r) => r.id)).size, 20, 'ids unique across blocks');
        const nf = await small.searchHttp({ status: [404], since: base, limit: 100 });
        assert.equal(nf.length, 8);
        const top = await small.top('ip', base, undefined, 5);
        assert.deepEqual(
          top.map((r) => r.count),
          [20, 20],
        );
        // Over time, by status class: 10-second buckets from base+5 s (a window cutting blocks).
        const buckets = await small.requestsOverTime(base + 5000, base + 35_000, 10_000);
        assert.deepEqual(
          buckets.map((b) => [b.time - base, b.s2xx, b.s4xx, b.s3xx + b.s5xx + b.other]),
          [
            [5000, 8, 2, 0],
            [15_000, 8, 2, 0],
            [25_000, 8, 2, 0],
          ],
        );
        // Sparse matches spread over many blocks: the same answer as filtering everything.
        const all = await small.searchHttp({ since: base, limit: 1000 });
        for (const [glob, status, method] of [
          ['/p/3*', 200, undefined],
          ['/p/1?', 404, undefined],
          ['/p/*', 200, 'GET'],
          ['/nothing*', 200, undefined],
        ] as const) {
          const re = new RegExp(`^${glob.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
          const want = all
            .filter((r) => re.test(r.path) && r.status === status && (method === undefined || r.method === method))
            .slice(0, 3)
            .map((r) => r.id);
          const got = await small.searchHttp({
            since: base,
            pathGlob: glob,
            status: [status],
            ...(method ? { method } : {}),
            limit: 3,
          });
          assert.deepEqual(
            got.map((r) => r.id),
            want,
            `${glob} ${status}`,
          );
        }
      });

      await t.test(
        'several hosts on one store: each source and finding keeps its host, searches filter by it',
        async () => {
          const base = T0 + 20 * 86_400_000;
          for (const host of ['web1', 'web2']) {
            const s = createEventStore(db, () => base, { host });
            await s.init();
            const evs = [http({ time: base, ip: '192.0.2.50', path: `/${host}` }), auth({ time: base, user: host })];
            await s.append({
              sourceId: `${host}/nginx`,
              events: evs,
              eventLines: [1, 2],
              rejects: [],
              findings: [{ finding: finding({ time: base, match: host }), event: 0 }],
              lines: 2,
              skipped: 0,
              checkpoint: null,
            });
            await s.addFindings([finding({ time: base, rule: 'integrity-modified', match: `${host}-file` })]);
          }
          const reader = createEventStore(db, () => base);
          await reader.init();
          const paths = await reader.searchHttp({ since: base, host: 'web2', limit: 10 });
          assert.deepEqual(
            paths.map((r) => [r.path, r.source]),
            [['/web2', 'web2/nginx']],
          );
          assert.deepEqual(await reader.searchHttp({ since: base, host: 'nohost', limit: 10 }), []);
          assert.deepEqual(await reader.searchHttp({ since: base, host: 'web1', source: 'web2/nginx', limit: 10 }), []);
          const users = await reader.searchAuth({ since: base, host: 'web1', limit: 10 });
          assert.deepEqual(
            users.map((r) => r.user),
            ['web1'],
          );
          const f2 = await reader.listFindings({ since: base, host: 'web2', limit: 10 });
          assert.deepEqual(f2.map((f) => f.match).sort(), ['web2', 'web2-file']);
          assert.ok(f2.every((f) => f.host === 'web2'));
          const after = await reader.findingsAfter(0, 1000, 'web1');
          assert.deepEqual(
            after.filter((f) => f.time === base).map((f) => f.match),
            ['web1', 'web1-file'],
          );
        },
      );

      await t.test('retention prunes old rows', async () => {
        const removed = await store.prune(T0 + 1500);
        assert.ok(removed >= 3, `removed ${removed}`);
        assert.equal((await store.searchHttp({ until: T0 + 1500, limit: 10 })).length, 0);
      });
    } finally {
      await cleanup();
    }
  });
}

for (const f of dbFactories) {
  test(`event store contract, claims and findings: ${f.name}`, await factoryOptions(f), async (t) => {
    const { db, cleanup } = await f.create();
    const store = createEventStore(db, () => T0 + 1000);
    try {
      await store.init();
      await t.test('the checkpoint is claimed: a second writer of a source is refused whole', async () => {
        const a = createEventStore(db, () => T0);
        const b = createEventStore(db, () => T0);
        await a.init();
        await b.init();
        const batch = (offset: number, from: number) => ({
          sourceId: 'claimed',
          events: [http({ time: T0 + from, path: `/p${offset}` })],
          eventLines: [from],
          rejects: [],
          findings: [{ finding: finding({ rule: `claim-${offset}` }), event: 0 }],
          lines: 1,
          skipped: 0,
          checkpoint: { offset },
        });
        // Both writers resume from the same (empty) checkpoint, as two `ripcord ingest` of one file do.
        assert.equal(await a.sourceState('claimed'), null);
        assert.equal(await b.sourceState('claimed'), null);
        await a.append(batch(10, 1));
        await assert.rejects(b.append(batch(10, 1)), (e: unknown) => {
          assert.ok(e instanceof AppError);
          assert.equal(e.code, 'conflict');
          assert.match(e.describe(), /source claimed: another writer/);
          return true;
        });
        // Nothing of the refused batch is stored: not its request, not its finding, not its counters.
        assert.equal((await a.searchHttp({ source: 'claimed', limit: 10 })).length, 1);
        assert.equal((await a.listFindings({ rule: 'claim-10', limit: 10 })).length, 1);
        assert.deepEqual((await a.sourceState('claimed'))?.checkpoint, { offset: 10 });
        assert.equal((await a.sourceState('claimed'))?.lines, 1);
        // The first writer goes on from its own checkpoint; the second, after reading the stored one.
        await a.append(batch(20, 2));
        assert.deepEqual((await b.sourceState('claimed'))?.checkpoint, { offset: 20 });
        await b.append(batch(30, 3));
        assert.equal((await a.searchHttp({ source: 'claimed', limit: 10 })).length, 3);
      });

      await t.test('the finding store: findings not tied to a line, listed and read after a cursor', async () => {
        const before = await store.findingsAfter(0, 100_000);
        const last = before.at(-1)?.id ?? 0;
        const ids = await store.addFindings([
          finding({ rule: 'integrity-modified', category: 'integrity', severity: 'critical', ip: null }),
          finding({ rule: 'login-success', category: 'login', severity: 'info', time: T0 + 5 }),
        ]);
        assert.equal(ids.length, 2);
        assert.ok((ids[0] as number) > last && (ids[1] as number) > (ids[0] as number), 'ids only grow');
        const after = await store.findingsAfter(last, 10);
        assert.deepEqual(
          after.map((x) => [x.id, x.rule, x.source, x.eventId]),
          [
            [ids[0], 'integrity-modified', null, null],
            [ids[1], 'login-success', null, null],
          ],
        );
        assert.deepEqual(
          (await store.listFindings({ minSeverity: 'critical', rule: 'integrity-modified', limit: 10 })).map(
            (x) => x.id,
          ),
          [ids[0]],
        );
        await assert.rejects(store.listFindings({ minSeverity: 'urgent', limit: 1 }), /unknown severity/);
      });
    } finally {
      await cleanup();
    }
  });
}

/** Access-log lines with many user agents and referers, some new in each batch, and hostile bytes. */
function shopLines(from: number, n: number, batch: number): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    const ua = i % 7 === 0 ? `new-agent-${batch}-${i % 13}` : `Mozilla/5.0 (agent ${i % 40})`;
    const ref = i % 5 === 0 ? '-' : `https://shop.example/c/${i % 30}`;
    const path =
      i % 211 === 0 ? '/s?q=1%27%20union%20select%201,2--' : i % 17 === 0 ? `/odd\\\\path\\t${i}` : `/p/${i}?a=${i}`;
    out.push(`198.51.100.${i % 250} - - [02/Nov/2026:10:00:00 +0000] "GET ${path} HTTP/1.1" 200 ${i} "${ref}" "${ua}"`);
  }
  return out;
}

for (const f of dbFactories) {
  test(`event store contract, through the pipeline: ${f.name}`, await factoryOptions(f), async () => {
    const { db, cleanup } = await f.create();
    const store = createEventStore(db, () => T0 + 1000);
    try {
      await store.init();
      // A store that packs (PostgreSQL) encodes most requests as they are parsed; count them.
      let packed = 0;
      const es: EventStore = store;
      const pack = es.pack?.bind(store);
      if (pack !== undefined)
        es.pack = (...a: Parameters<typeof pack>) => {
          const r = pack(...a);
          packed += r?.packed.count ?? 0;
          return r;
        };
      const detector = createDetector(loadRules().compiled);
      const channel = new SourceChannel({ store: es, detector }, 'piped', 'nginx');
      // The reference: the same lines parsed by a channel whose store packs nothing.
      const plain = { append: () => Promise.reject(new Error('not stored')) } as unknown as EventStore;
      const ref = new SourceChannel({ store: plain, detector: createDetector(loadRules().compiled) }, 'ref', 'nginx');
      const want: HttpEvent[] = [];
      for (let k = 0; k < 6; k++) {
        const batch = {
          lines: shopLines(k * 3000 + 1, 3000, k),
          firstLine: k * 3000 + 1,
          checkpoint: null,
          origin: 'test',
        };
        for (const e of ref.prepare(batch).events) if (e.kind === 'http') want.push(e);
        await channel.handle(batch);
      }
      await channel.flush();
      if (pack !== undefined) assert.ok(packed > 6000, `the later batches were packed (${packed})`);
      const got = await store.searchHttp({ source: 'piped', limit: 20_000 });
      assert.equal(got.length, want.length);
      const byLine = [...got].sort((a, b) => a.line - b.line);
      assert.deepEqual(
        byLine.map((r) => [r.line, r.ip, r.path, r.query, r.bytes, r.referer, r.userAgent]),
        want.map((e, i) => [byLine[i]?.line, e.ip, e.path, e.query, e.bytes, e.referer, e.userAgent]),
      );
      // Each finding points at the request that caused it.
      const findings = await store.listFindings({ limit: 1000 });
      assert.ok(findings.length > 0, 'the injections were found');
      const byId = new Map(got.map((r) => [r.id, r]));
      for (const x of findings) {
        if (x.eventId === null) continue;
        assert.match(byId.get(x.eventId)?.path ?? '(none)', /^\/s$/, `finding ${x.rule} points at its request`);
      }
      const state = await store.sourceState('piped');
      assert.equal(state?.events, want.length);
      assert.equal(channel.stats.events, want.length);
    } finally {
      await cleanup();
    }
  });
}

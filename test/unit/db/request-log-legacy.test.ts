// Opening a SQLite store written before column blocks (schema version 1: requests as rows in
// partitions http_p0, http_p1, … listed in http_parts, addresses interned in log_ips, referers
// and user agents in log_strings, the view http_events) converts it: every request comes back
// from searchHttp with its id and every field, searches by address, status, path, user, method,
// source and time find what they found before, the old tables and view are gone, new requests
// get ids after every old one, opening again changes nothing, and a conversion that fails
// half-way leaves the old layout to convert again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDb } from '../../../src/adapters/db/sqlite.ts';
import { createEventStore } from '../../../src/adapters/db/events-store.ts';
import { eventsMigrations } from '../../../src/adapters/db/events-schema.ts';
import { migrationsTable, type Migration } from '../../../src/adapters/db/db.ts';
import { seededRandom } from '../../../src/core/random.ts';
import type { HttpEvent } from '../../../src/logs/events.ts';
import type { HttpQuery, StoredHttp } from '../../../src/logs/ports.ts';

// --- the version-1 layout: its migration (kept in the store's migrations as history) plus the
// partitions the old store created at run time (git show ff1679a~1:src/adapters/db/events-schema.ts)

const v1 = (eventsMigrations.find((m) => m.version === 1) as Migration).sqlite;

const partitionColumns = `id INTEGER PRIMARY KEY, src INTEGER NOT NULL, line INTEGER NOT NULL, time INTEGER NOT NULL,
  ipid INTEGER NOT NULL, ip TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, protocol TEXT NOT NULL,
  status INTEGER NOT NULL, bytes INTEGER, referer INTEGER, ua INTEGER, user TEXT, vhost TEXT, dur INTEGER`;

const partitionDdl = (n: number): string => `CREATE TABLE http_p${n} (${partitionColumns});
CREATE INDEX http_p${n}_time ON http_p${n} (time);
CREATE INDEX http_p${n}_status ON http_p${n} (status, time);`;
const sealDdl = (n: number): string => `CREATE INDEX IF NOT EXISTS http_p${n}_ip ON http_p${n} (ipid, time);`;
const viewDdl = (parts: number[]): string =>
  `DROP VIEW IF EXISTS http_events; CREATE VIEW http_events AS ${parts.map((n) => `SELECT * FROM http_p${n}`).join(' UNION ALL ')};`;

/** Event ids of partition n started at n * ID_STRIDE. */
const ID_STRIDE = 1_000_000_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

const sources = ['nginx:/var/log/nginx/access.log', 'apache:/var/log/apache2/other_vhosts_access.log'];
const ips = [
  '203.0.113.7',
  '198.51.100.23',
  '192.0.2.1',
  '2001:db8::1',
  '2001:db8:0:0:1::a',
  '::1',
  '010.0.0.1',
  'unknown',
  '10.0.0.1',
  '172.16.5.4',
];
const methods = ['GET', 'GET', 'GET', 'POST', 'HEAD', 'PROPFIND'];
const paths = [
  '/',
  '/checkout/cart',
  '/admin',
  '/catalog/product/view/id/12',
  '/wp-login.php',
  '/search/é',
  '/p/😀',
  '/a b',
  '/x\u0000y',
];
const referers = [
  'https://shop.example/',
  'https://shop.example/checkout',
  'android-app://com.google/',
  'https://bücher.example/',
];
const agents = [
  'Mozilla/5.0 (X11; Linux x86_64)',
  'curl/8.5.0',
  'sqlmap/1.7',
  'Googlebot/2.1 😀',
  'ua with \u0000 inside',
];

interface Legacy {
  rows: StoredHttp[];
  maxId: number;
}

/** Writes the version-1 layout with `counts[n]` requests in partition n, as the old store did. */
function writeLegacy(db: SqliteDb, counts: number[], seed: number): Legacy {
  const raw = db.raw;
  raw.exec(`${migrationsTable};${v1}`);
  raw
    .prepare("INSERT INTO schema_migrations (scope, version, applied_at) VALUES ('logs', 1, '2026-01-01T00:00:00Z')")
    .run();
  sources.forEach((s, i) => {
    raw.prepare('INSERT INTO log_sources (num, id, lines, events) VALUES (?, ?, 0, 0)').run(i + 1, s);
  });
  ips.forEach((ip, i) => {
    raw.prepare('INSERT INTO log_ips (id, ip) VALUES (?, ?)').run(i + 1, ip);
  });
  const strings = [...referers, ...agents];
  strings.forEach((s, i) => {
    raw.prepare('INSERT INTO log_strings (id, s) VALUES (?, ?)').run(i + 1, s);
  });
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const rows: StoredHttp[] = [];
  raw.exec('BEGIN');
  counts.forEach((count, n) => {
    raw.exec(partitionDdl(n));
    const ins = raw.prepare(
      `INSERT INTO http_p${n} (id, src, line, time, ipid, ip, method, path, query, protocol, status, bytes, referer, ua, user, vhost, dur) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (let k = 1; k <= count; k++) {
      const id = n * ID_STRIDE + k;
      // Mostly forward in time, sometimes a few minutes back (lines from another worker).
      const time = T0 + n * 86_400_000 + k * 1000 + (rnd() < 0.1 ? -Math.floor(rnd() * 300_000) : 0);
      const src = rnd() < 0.7 ? 1 : 2;
      const ipIdx = Math.floor(rnd() * ips.length);
      const referer = rnd() < 0.3 ? null : pick(referers);
      const ua = rnd() < 0.1 ? null : pick(agents);
      const e: HttpEvent = {
        kind: 'http',
        time,
        ip: ips[ipIdx] as string,
        method: pick(methods),
        path: `${pick(paths)}${rnd() < 0.5 ? `/${k}` : ''}`,
        query: rnd() < 0.7 ? '' : `q=${k}&x=é`,
        protocol: rnd() < 0.9 ? 'HTTP/1.1' : 'HTTP/2.0',
        status: pick([200, 200, 200, 301, 304, 403, 404, 500]),
        bytes: rnd() < 0.1 ? null : Math.floor(rnd() * 100_000),
        referer,
        userAgent: ua,
        user: rnd() < 0.8 ? null : pick(['alice', 'bob', 'jürgen']),
        vhost: src === 2 ? pick(['shop.example', 'admin.shop.example']) : null,
        durationMs: rnd() < 0.2 ? null : Math.floor(rnd() * 5000),
      };
      const line = k * 2 + n;
      ins.run(
        id,
        src,
        line,
        time,
        ipIdx + 1,
        e.ip,
        e.method,
        e.path,
        e.query,
        e.protocol,
        e.status,
        e.bytes,
        referer === null ? null : strings.indexOf(referer) + 1,
        ua === null ? null : strings.indexOf(ua) + 1,
        e.user,
        e.vhost,
        e.durationMs,
      );
      rows.push({ ...e, id, source: sources[src - 1] as string, line });
      minTime = Math.min(minTime, time);
      maxTime = Math.max(maxTime, time);
    }
    raw
      .prepare('INSERT INTO http_parts (n, rows, min_time, max_time) VALUES (?, ?, ?, ?)')
      .run(n, count, minTime, maxTime);
    // Every partition but the open (newest) one was sealed with its address index.
    if (n < counts.length - 1) raw.exec(sealDdl(n));
  });
  raw.exec(viewDdl(counts.map((_, n) => n)));
  raw
    .prepare(
      "INSERT INTO auth_events (src, line, time, service, action, outcome, user, ip, invalid_user, message) VALUES (1, 1, ?, 'ssh', 'login', 'success', 'deploy', '203.0.113.7', 0, 'Accepted')",
    )
    .run(T0);
  raw
    .prepare(
      "INSERT INTO findings (time, rule, category, severity, ip, field, match, message, group_key, evidence, src, event_kind, event_id, created_at) VALUES (?, 'r', 'c', 'high', '203.0.113.7', 'path', '/admin', 'm', 'g', '{}', 1, 'http', ?, ?)",
    )
    .run(T0, ID_STRIDE + 5, T0);
  raw.exec('COMMIT');
  return { rows, maxId: Math.max(...rows.map((r) => r.id)) };
}

/** Newest first, as searchHttp orders. */
const newestFirst = (a: StoredHttp, b: StoredHttp): number => b.time - a.time || b.id - a.id;

/** What searchHttp must answer, from the rows as written (the old store's SQL, in JS). */
function expected(rows: StoredHttp[], q: HttpQuery): StoredHttp[] {
  const glob =
    q.pathGlob === undefined
      ? null
      : new RegExp(
          `^${q.pathGlob
            .replace(/[.+^${}()|\\/]/g, '\\$&')
            .replaceAll('*', '.*')
            .replaceAll('?', '.')}$`,
          'su',
        );
  return rows
    .filter(
      (r) =>
        (q.ip === undefined || r.ip === q.ip) &&
        (q.since === undefined || r.time >= q.since) &&
        (q.until === undefined || r.time < q.until) &&
        (q.method === undefined || r.method === q.method.toUpperCase()) &&
        (q.status === undefined || q.status.includes(r.status)) &&
        (q.user === undefined || r.user === q.user) &&
        (q.source === undefined || r.source === q.source) &&
        (glob === null || glob.test(r.path)),
    )
    .sort(newestFirst)
    .slice(0, q.limit);
}

const tables = (db: SqliteDb): string[] =>
  (
    db.raw.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-legacy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'ripcord.db');
}

test('a version-1 store with two partitions is converted on init(): every request keeps its id and fields', async (t) => {
  const path = tempDb(t);
  const db = new SqliteDb(path);
  const old = writeLegacy(db, [12_000, 8_000], 20260301);
  assert.equal(old.rows.length, 20_000);
  assert.equal((db.raw.prepare('SELECT COUNT(*) AS n FROM http_events').get() as { n: number }).n, 20_000);

  const store = createEventStore(db);
  await store.init();
  assert.deepEqual(await store.counts(), { http: 20_000, auth: 1, rejects: 0, findings: 1 });

  // Every request, every field, in searchHttp's order.
  const all = await store.searchHttp({ limit: 1_000_000 });
  assert.equal(all.length, 20_000);
  assert.deepEqual(new Set(all.map((r) => r.id)), new Set(old.rows.map((r) => r.id)));
  assert.deepEqual(all, [...old.rows].sort(newestFirst));
  // A spot check that does not rely on the helper above: the first row of partition 1.
  const p1 = all.find((r) => r.id === ID_STRIDE + 1);
  const w1 = old.rows.find((r) => r.id === ID_STRIDE + 1);
  assert.ok(p1 !== undefined && w1 !== undefined);
  for (const k of [
    'time',
    'ip',
    'method',
    'path',
    'query',
    'protocol',
    'status',
    'bytes',
    'referer',
    'userAgent',
    'user',
    'vhost',
    'durationMs',
    'source',
    'line',
  ] as const)
    assert.equal(p1[k], w1[k], k);
  assert.ok(
    all.some((r) => r.referer === null) &&
      all.some((r) => r.userAgent === null) &&
      all.some((r) => r.bytes === null) &&
      all.some((r) => r.durationMs === null) &&
      all.some((r) => r.user !== null),
  );

  // Searches narrowed by the converted catalog, address keys and columns find what the old SQL did.
  const mid = T0 + 86_400_000 + 2_000_000;
  const queries: HttpQuery[] = [
    { ip: '203.0.113.7', limit: 100_000 },
    { ip: '2001:db8::1', limit: 50 },
    { ip: '010.0.0.1', limit: 100_000 },
    { ip: '203.0.113.8', limit: 10 },
    { status: [404, 500], limit: 100_000 },
    { pathGlob: '/admin*', limit: 100_000 },
    { pathGlob: '/search/é/1?', limit: 100_000 },
    { pathGlob: '/p/😀*', limit: 25 },
    { user: 'jürgen', limit: 100_000 },
    { method: 'post', limit: 100_000 },
    { source: sources[1] as string, since: mid - 3_600_000, until: mid, limit: 100_000 },
    { since: T0 + 5_000_000, until: T0 + 5_100_000, limit: 100_000 },
    { ip: '198.51.100.23', status: [200], since: T0 + 86_400_000, limit: 20 },
  ];
  for (const q of queries) {
    const want = expected(old.rows, q);
    const got = await store.searchHttp(q);
    assert.deepEqual(got, want, JSON.stringify(q));
  }
  assert.ok(
    expected(old.rows, { ip: '203.0.113.7', limit: 100_000 }).length > 1000,
    'the address search has something to find',
  );

  const statusCounts = new Map<string, number>();
  for (const r of old.rows) statusCounts.set(String(r.status), (statusCounts.get(String(r.status)) ?? 0) + 1);
  assert.deepEqual(
    (await store.top('status', undefined, undefined, 100)).sort(
      (a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)),
    ),
    [...statusCounts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
  );

  // The old layout is gone; version 2 is recorded.
  const left = tables(db);
  for (const gone of [
    'http_parts',
    'http_p0',
    'http_p1',
    'log_ips',
    'http_events',
    'http_p0_time',
    'http_p0_status',
    'http_p0_ip',
    'http_p1_time',
  ])
    assert.ok(!left.includes(gone), `${gone} still exists`);
  for (const kept of [
    'http_blocks',
    'http_block_ips',
    'http_block_data',
    'http_ids',
    'auth_events',
    'findings',
    'log_sources',
  ])
    assert.ok(left.includes(kept), `${kept} is missing`);
  assert.deepEqual(
    (
      db.raw.prepare("SELECT version FROM schema_migrations WHERE scope = 'logs' ORDER BY version").all() as {
        version: number;
      }[]
    ).map((r) => r.version),
    eventsMigrations.map((m) => m.version),
  );

  // New requests get ids after every old one.
  const fresh = ['/new/1', '/new/2', '/new/3'].map(
    (p, i): HttpEvent => ({ ...(old.rows[0] as StoredHttp), path: p, time: T0 + 10 * 86_400_000 + i }),
  );
  await store.append({
    sourceId: 'fresh',
    events: fresh,
    eventLines: [1, 2, 3],
    rejects: [],
    findings: [],
    lines: 3,
    skipped: 0,
    checkpoint: null,
  });
  const added = await store.searchHttp({ source: 'fresh', limit: 10 });
  assert.deepEqual(
    added.map((r) => r.path),
    ['/new/3', '/new/2', '/new/1'],
  );
  const newIds = added.map((r) => r.id).reverse();
  assert.ok((newIds[0] as number) > old.maxId, `new id ${newIds[0]} after old ${old.maxId}`);
  assert.deepEqual(
    newIds,
    [0, 1, 2].map((i) => (newIds[0] as number) + i),
  );

  // init() again, on the same store and after reopening the file: nothing moves.
  await store.init();
  assert.deepEqual(await store.counts(), { http: 20_003, auth: 1, rejects: 0, findings: 1 });
  const before = await store.searchHttp({ limit: 1_000_000 });
  await store.close();
  const db2 = new SqliteDb(path);
  const again = createEventStore(db2);
  await again.init();
  await again.init();
  assert.deepEqual(await again.counts(), { http: 20_003, auth: 1, rejects: 0, findings: 1 });
  assert.deepEqual(await again.searchHttp({ limit: 1_000_000 }), before);
  await again.append({
    sourceId: 'fresh',
    events: [{ ...(fresh[0] as HttpEvent), path: '/new/4', time: T0 + 11 * 86_400_000 }],
    eventLines: [4],
    rejects: [],
    findings: [],
    lines: 1,
    skipped: 0,
    checkpoint: null,
  });
  const [last] = await again.searchHttp({ source: 'fresh', limit: 1 });
  assert.equal(last?.path, '/new/4');
  assert.ok(last.id > (newIds[2] as number), 'ids keep growing after reopening');
  await again.close();
});

test('a conversion that fails half-way leaves the version-1 layout in place, to be converted once the cause is gone', async (t) => {
  const db = new SqliteDb(tempDb(t));
  const old = writeLegacy(db, [3_000, 10_000], 7);
  // A row the block format refuses (its status is text), near the end of the last partition.
  db.raw.prepare("UPDATE http_p1 SET status = 'oops' WHERE id = ?").run(ID_STRIDE + 9_999);
  const store = createEventStore(db);
  await assert.rejects(store.init(), /request block: event 1000009999/);
  const left = tables(db);
  for (const kept of ['http_parts', 'http_p0', 'http_p1', 'log_ips', 'http_events'])
    assert.ok(left.includes(kept), `${kept} was dropped by a failed conversion`);
  assert.equal((db.raw.prepare('SELECT COUNT(*) AS n FROM http_blocks').get() as { n: number }).n, 0);
  assert.equal((db.raw.prepare('SELECT COUNT(*) AS n FROM http_events').get() as { n: number }).n, 13_000);

  db.raw.prepare('UPDATE http_p1 SET status = 200 WHERE id = ?').run(ID_STRIDE + 9_999);
  const fixed = old.rows.map((r) => (r.id === ID_STRIDE + 9_999 ? { ...r, status: 200 } : r));
  await store.init();
  assert.equal((await store.counts()).http, 13_000);
  assert.deepEqual(await store.searchHttp({ limit: 100_000 }), fixed.sort(newestFirst));
  assert.ok(!tables(db).includes('http_parts'));
  await store.close();
});

test('a version-1 store whose partitions were all pruned (no request left) converts to an empty record', async (t) => {
  const db = new SqliteDb(tempDb(t));
  writeLegacy(db, [1], 3);
  // The old retention dropped partitions whole and rewrote the view over what was left.
  db.raw.exec('DROP VIEW http_events; DROP TABLE http_p0; DELETE FROM http_parts;');
  const store = createEventStore(db);
  await store.init();
  assert.equal((await store.counts()).http, 0);
  assert.deepEqual(await store.searchHttp({ limit: 10 }), []);
  assert.ok(!tables(db).includes('http_parts'));
  await store.append({
    sourceId: 's',
    events: [
      {
        kind: 'http',
        time: T0,
        ip: '192.0.2.9',
        method: 'GET',
        path: '/',
        query: '',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 1,
        referer: null,
        userAgent: null,
        user: null,
        vhost: null,
        durationMs: null,
      },
    ],
    eventLines: [1],
    rejects: [],
    findings: [],
    lines: 1,
    skipped: 0,
    checkpoint: null,
  });
  assert.deepEqual(
    (await store.searchHttp({ limit: 10 })).map((r) => r.ip),
    ['192.0.2.9'],
  );
  await store.close();
});

// The running detector: grouping keys, one finding per attack class, threshold windows driven
// by event time, bounded memory, and the login history port behind first-seen rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createDetector,
  loadRules,
  MemoryLoginHistory,
  splitRequest,
  type Finding,
  type LoginHistory,
} from '../../../src/detect/index.ts';
import type { AuthEvent, HttpEvent } from '../../../src/logs/index.ts';
import { authEvent, getRequest } from './requests.ts';

const rules = loadRules();
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);

function http(request: string, over: Partial<HttpEvent> = {}): HttpEvent {
  const { path, query, method, protocol } = splitRequest(request);
  return getRequest(path, query, { time: T0, ip: '203.0.113.7', method, protocol, bytes: 10, ...over });
}

const auth = (over: Partial<AuthEvent>): AuthEvent => authEvent({ time: T0, ...over });

test('an attack finding carries rule, field, excerpt, evidence and a rule+ip group key', () => {
  const d = createDetector(rules.compiled);
  const [f, ...rest] = d.process(
    http('GET /p?id=1%27%20UNION%20SELECT%20password%20FROM%20admin_user--', { ip: '192.0.2.50' }),
  );
  assert.equal(rest.length, 0, 'one finding per attack class');
  assert.ok(f);
  assert.equal(f.rule, 'sqli-union');
  assert.equal(f.category, 'sqli');
  assert.equal(f.severity, 'high');
  assert.equal(f.field, 'target');
  assert.equal(f.match, 'union select');
  assert.equal(f.groupKey, 'sqli-union|192.0.2.50');
  assert.equal(f.service, 'web');
  assert.equal(f.time, T0);
  assert.match(f.evidence[0] ?? '', /^192\.0\.2\.50 "GET \/p\?id=1%27/);
  assert.match(f.message, /192\.0\.2\.50/);
});

test('each successful login is its own group; a failed one is not reported alone', () => {
  const d = createDetector(rules.compiled);
  const a = d.process(auth({ outcome: 'success', user: 'alice', ip: '198.51.100.8', time: T0 }));
  const b = d.process(auth({ outcome: 'success', user: 'alice', ip: '198.51.100.8', time: T0 + 60_000 }));
  assert.deepEqual(
    a.map((f) => f.rule),
    ['login-success'],
  );
  assert.deepEqual(
    b.map((f) => f.rule),
    ['login-success'],
  );
  assert.notEqual(a[0]?.groupKey, b[0]?.groupKey);
  assert.equal(a[0]?.severity, 'info');
  assert.equal(a[0]?.message, 'ssh login as alice from 198.51.100.8');
  assert.deepEqual(d.process(auth({})), []);
});

test('threshold windows follow event time, so replayed old logs give the same findings', () => {
  const run = (gapMs: number): Finding[] => {
    const d = createDetector(rules.compiled);
    const out: Finding[] = [];
    for (let i = 0; i < 30; i++) out.push(...d.process(auth({ time: Date.UTC(2015, 4, 17) + i * gapMs })));
    return out.filter((f) => f.rule === 'ssh-brute-force');
  };
  const fast = run(1000);
  assert.equal(fast.length, 1, 'fires once, then stays quiet for the window');
  assert.equal(fast[0]?.groupKey, 'ssh-brute-force|198.51.100.4');
  assert.match(fast[0]?.match ?? '', /^10 events in 10m$/);
  assert.equal(fast[0]?.time, Date.UTC(2015, 4, 17) + 9000);
  assert.equal(run(120_000).length, 0, '10 failures spread over 18 minutes stay under 10 in 10 minutes');
});

test('a sustained attack is reported again after each window', () => {
  const d = createDetector(rules.compiled);
  let n = 0;
  for (let i = 0; i < 600; i++)
    n += d.process(auth({ time: T0 + i * 2000 })).filter((f) => f.rule === 'ssh-brute-force').length;
  assert.equal(n, 2, '20 minutes of attempts: once at the start, once after the 10-minute quiet window');
});

test('threshold memory is bounded: at most maxBuckets groups per rule', () => {
  const d = createDetector(rules.compiled, { maxBuckets: 100 });
  for (let i = 0; i < 5000; i++) d.process(auth({ ip: `10.0.${i >> 8}.${i & 255}`, time: T0 + i }));
  // ssh-brute-force, auth-user-enumeration (by ip) and auth-distributed-brute-force (one group)
  assert.ok(d.bucketCount() <= 3 * 100, `${d.bucketCount()} buckets`);
});

test('idle groups are swept once their window has passed', () => {
  const d = createDetector(rules.compiled);
  for (let i = 0; i < 1000; i++) d.process(auth({ ip: `10.1.${i >> 8}.${i & 255}`, time: T0 }));
  const before = d.bucketCount();
  for (let i = 0; i < 9000; i++)
    d.process(http('GET /missing', { status: 404, time: T0 + 86_400_000 + i, ip: '192.0.2.1' }));
  assert.ok(before > 1000);
  assert.ok(d.bucketCount() < 50, `${d.bucketCount()} buckets left a day later`);
});

test('first-seen rules ask the LoginHistory port and remember every successful login', () => {
  const calls: string[] = [];
  const inner = new MemoryLoginHistory();
  const history: LoginHistory = {
    logins: (s, u) => inner.logins(s, u),
    seen: (s, u, ip) => {
      calls.push(`seen ${u} ${ip}`);
      return inner.seen(s, u, ip);
    },
    hours: (s, u) => inner.hours(s, u),
    remember: (l) => {
      calls.push(`remember ${l.user} ${l.ip}`);
      inner.remember(l);
    },
  };
  const d = createDetector(rules.compiled, { history });
  const first = d.process(auth({ outcome: 'success', user: 'bob', ip: '198.51.100.1' }));
  const again = d.process(auth({ outcome: 'success', user: 'bob', ip: '198.51.100.1', time: T0 + 1000 }));
  const moved = d.process(auth({ outcome: 'success', user: 'bob', ip: '203.0.113.66', time: T0 + 2000 }));
  assert.deepEqual(
    first.map((f) => f.rule),
    ['login-success'],
    'no "new address" on the first login ever',
  );
  assert.deepEqual(
    again.map((f) => f.rule),
    ['login-success'],
  );
  assert.deepEqual(moved.map((f) => f.rule).sort(), ['login-new-ip', 'login-success']);
  const newIp = moved.find((f) => f.rule === 'login-new-ip');
  assert.equal(newIp?.match, '203.0.113.66');
  assert.ok(calls.includes('remember bob 203.0.113.66'));
  assert.ok(calls.includes('seen bob 203.0.113.66'));
});

test('the detector never throws and keeps excerpts short on arbitrary requests (property)', () => {
  const d = createDetector(rules.compiled);
  fc.assert(
    fc.property(
      fc.string({ maxLength: 400 }),
      fc.string({ maxLength: 400 }),
      fc.option(fc.string({ maxLength: 200 })),
      (path, query, ua) => {
        const out = d.process(http('GET /', { path, query, userAgent: ua }));
        for (const f of out) {
          assert.ok(f.match.length <= 200);
          assert.ok(f.evidence.every((e) => e.length <= 500));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a count-distinct finding names the field it counted (never "[object Object]")', () => {
  const d = createDetector(rules.compiled);
  const out: Finding[] = [];
  for (let i = 0; i < 200; i++) out.push(...d.process(auth({ user: `user${i}`, time: T0 + i * 1000 })));
  const enumeration = out.find((f) => f.rule === 'auth-user-enumeration');
  assert.ok(enumeration, 'one address trying 200 user names is user enumeration');
  assert.match(enumeration.match, /^\d+ distinct user values in \d+[smhd]$/);
  for (const f of out) assert.doesNotMatch(f.match, /object Object/);
});

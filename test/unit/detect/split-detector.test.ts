// Detection split across two threads (gate-verdicts.ts): the signature rules and every gate on
// one side, the rules that keep state on the other, reading the first side's gate verdicts.
// Together they must find exactly what one detector finds, in the same order, and a rule set
// compiled differently must be told apart by its fingerprint. Last, the gate caches either side
// keeps stay bounded in size as well as count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createDetector, gateFingerprint, loadRules, verdictStride, type Finding } from '../../../src/detect/index.ts';
import type { AuthEvent, LogEvent } from '../../../src/logs/index.ts';
import { authEvent, getRequest } from './requests.ts';

const rules = loadRules();
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);

const auth = (i: number, over: Partial<AuthEvent>): AuthEvent => authEvent({ time: T0 + i * 1000, ...over });

/** Benign requests, attacks (signatures), a 404 sweep (a counting rule with a gate), brute force and logins. */
function traffic(): LogEvent[] {
  const out: LogEvent[] = [];
  const attacks = [
    ['/catalog/product/view/id/1+union+select+1,2,3--', ''],
    ['/search', 'q=%3Cscript%3Ealert(1)%3C/script%3E'],
    ['/media/../../../../etc/passwd', ''],
    ['/index.php', 'cmd=;cat+/etc/passwd'],
    ['/wp-login.php', ''],
  ] as const;
  for (let i = 0; i < 600; i++) {
    const t = T0 + i * 1000;
    out.push(getRequest(`/product/${i % 40}.html`, i % 3 === 0 ? `page=${i % 5}` : '', { time: t }));
    const a = attacks[i % attacks.length];
    if (i % 4 === 0 && a !== undefined) out.push(getRequest(a[0], a[1], { time: t, ip: '203.0.113.7' }));
    if (i % 2 === 0) out.push(getRequest(`/missing-${i}.php`, '', { time: t, ip: '203.0.113.9', status: 404 }));
    if (i % 5 === 0) out.push(auth(i, {}));
    if (i % 50 === 0) out.push(auth(i, { outcome: 'success', user: 'alice', ip: `198.51.100.${i % 7}` }));
  }
  return out;
}

const key = (f: Finding): string => JSON.stringify([f.rule, f.ip, f.time, f.match, f.groupKey, f.evidence]);

function split(events: readonly LogEvent[]): string[] {
  const signatures = createDetector(rules.compiled, { rules: 'signatures' });
  const stateful = createDetector(rules.compiled, { rules: 'stateful' });
  const verdicts = new Int32Array(verdictStride(rules.compiled) * events.length);
  const theirs: Finding[][] = events.map((e, i) => {
    const f = [...signatures.process(e)];
    signatures.writeVerdicts(verdicts, i);
    return f;
  });
  return events.flatMap((e, i) => [...(theirs[i] ?? []), ...stateful.process(e, verdicts, i)].map(key));
}

test('the two halves of a split detector find what one detector finds, in the same order', () => {
  const events = traffic();
  const whole = createDetector(rules.compiled);
  const expected = events.flatMap((e) => whole.process(e).map(key));
  // every kind of rule fired, so the comparison covers each
  const fired = new Set(expected.map((k) => (JSON.parse(k) as string[])[0]));
  for (const r of ['ssh-brute-force', 'scanner-404-sweep']) assert.ok(fired.has(r), `${r} fired`);
  assert.ok(
    [...fired].some((r) => r?.startsWith('sqli')),
    'a SQL injection rule fired',
  );
  assert.ok(expected.length > 20);
  assert.deepEqual(split(events), expected);
});

test('split detection agrees with one detector on arbitrary requests (property)', () => {
  const piece = fc.constantFrom(
    'union',
    'select',
    '<script>',
    '../',
    '%2e%2e/',
    'etc/passwd',
    ';id',
    'a',
    '1',
    '=',
    "'",
    ' ',
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.array(piece, { maxLength: 6 }), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }),
      (reqs) => {
        const events = reqs.map(([parts, s], i) =>
          getRequest(`/${parts.join('')}`, parts.reverse().join(''), {
            time: T0 + i,
            status: [200, 404, 403, 500][s] ?? 200,
          }),
        );
        const whole = createDetector(rules.compiled);
        assert.deepEqual(
          split(events),
          events.flatMap((e) => whole.process(e).map(key)),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('the fingerprint tells rule sets apart: another rule off, another gate', () => {
  const base = gateFingerprint(rules.compiled);
  assert.equal(gateFingerprint(loadRules().compiled), base, 'the same rules compile to the same fingerprint');
  const some = rules.compiled.rules.find((r) => r.kind === 'signature');
  assert.ok(some);
  assert.notEqual(gateFingerprint(loadRules({ disable: [some.id] }).compiled), base);
});

test('the gate caches keep no long value: their memory stays bounded whatever the traffic', () => {
  const compiled = loadRules().compiled;
  const d = createDetector(compiled);
  const target = compiled.groups.find((g) => g.rawSlot.field === 'target');
  assert.ok(target);
  const size = () => target.cache.size + target.previous.size;
  for (let i = 0; i < 300; i++) d.process(getRequest(`/p/${String(i).padStart(6, '0')}${'x'.repeat(2000)}`, ''));
  assert.equal(size(), 0, 'no long target kept');
  // short values are still cached, and a long one is still judged (worked out each time)
  d.process(getRequest('/p/short.html', ''));
  assert.equal(size(), 1);
  const path = `/x${'a'.repeat(1500)}`;
  const query = 'id=1+union+select+1,2,3--';
  assert.ok(d.process(getRequest(path, query)).some((f) => f.category === 'sqli'));
  assert.ok(d.process(getRequest(path, query, { time: 5, ip: '192.0.2.10' })).some((f) => f.category === 'sqli'));
});

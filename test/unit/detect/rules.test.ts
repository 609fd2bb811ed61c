// The rule files as data: every shipped rule file's own test cases pass, and broken rule
// files are refused with messages that name the file and the rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, runRuleTests } from '../../../src/detect/index.ts';
import { isAppError } from '../../../src/core/errors.ts';
import { parseLine } from '../../../src/app/detect.ts';

test('every shipped rule has test cases, and all of them pass', () => {
  const set = loadRules();
  const results = runRuleTests(set, { parseLine });
  const failed = results
    .filter((r) => !r.ok)
    .map((r) => `${r.file}: ${r.name}: ${r.problem ?? `expected ${r.expected} got ${r.got}`}`);
  assert.deepEqual(failed, []);
  assert.ok(results.length >= 100, `only ${results.length} cases`);
  const tested = new Set(results.flatMap((r) => r.expected));
  const untested = set.files.flatMap((f) => f.rules.map((r) => r.id)).filter((id) => !tested.has(id));
  assert.deepEqual(untested, [], 'rules without a positive test case');
  assert.ok(
    results.some((r) => r.expected.length === 0),
    'clean look-alike cases exist',
  );
});

function withRuleFile(text: string, fn: (path: string) => void, tests?: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-rules-'));
  try {
    const path = join(dir, 'mine.yml');
    writeFileSync(path, text);
    if (tests !== undefined) {
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'tests', 'mine.yml'), tests);
    }
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return [...e.details];
    throw e;
  }
  return [];
}

const good = `rules:
  - id: my-coupon-abuse
    kind: signature
    title: Coupon guessing
    category: shop
    severity: low
    on: http
    when: { field: query, regex: 'coupon=test\\d+' }
`;

test('a user rule file loads, its inline tests and tests/ companion run', () => {
  withRuleFile(
    `${good}tests:\n  - { name: inline, request: "GET /cart?coupon=TEST1", expect: [my-coupon-abuse] }\n`,
    (path) => {
      const set = loadRules({ shipped: false, ruleFiles: [path] });
      const results = runRuleTests(set, { only: 'my-coupon-abuse' });
      assert.equal(results.length, 2);
      assert.ok(
        results.every((r) => r.ok),
        JSON.stringify(results.map((r) => r.got)),
      );
    },
    'tests:\n  - { name: companion, request: "GET /cart?coupon=real", expect: [] }\n',
  );
});

test('schema problems name the file, the rule and the field', () => {
  withRuleFile(good.replace('severity: low', 'severity: dire'), (path) => {
    const p = problemsOf(() => loadRules({ shipped: false, ruleFiles: [path] }));
    assert.equal(p.length, 1);
    assert.match(p[0] ?? '', /mine\.yml: rule my-coupon-abuse: severity/);
  });
});

test('compile problems: unknown field, upper-case pattern, bad regex, two operators, backreference', () => {
  const text = `rules:
  - { id: a-rule, kind: signature, title: A, category: x, severity: low, on: http, when: { field: cookie, contains: x } }
  - { id: b-rule, kind: signature, title: B, category: x, severity: low, on: http, when: { field: path, regex: 'UNION' } }
  - { id: c-rule, kind: signature, title: C, category: x, severity: low, on: http, when: { field: path, regex: '(' } }
  - { id: d-rule, kind: signature, title: D, category: x, severity: low, on: http, when: { field: path, contains: a, regex: b } }
  - { id: e-rule, kind: signature, title: E, category: x, severity: low, on: http, when: { field: path, regex: '(a)b\\1' } }
  - { id: f-rule, kind: signature, title: F, category: x, severity: low, on: http, when: { field: path, regex: 'a\\\\1' } }
`;
  withRuleFile(text, (path) => {
    const p = problemsOf(() => loadRules({ shipped: false, ruleFiles: [path] }));
    assert.equal(p.length, 5);
    assert.match(p[0] ?? '', /rule a-rule: when: unknown field "cookie"/);
    assert.match(p[1] ?? '', /rule b-rule: when: regex has upper-case letters/);
    assert.match(p[2] ?? '', /rule c-rule: when: invalid regular expression/);
    assert.match(p[3] ?? '', /rule d-rule: when: a condition needs exactly one operator/);
    // a backreference is refused (gates are merged); an escaped backslash before a digit is not one
    assert.match(p[4] ?? '', /rule e-rule: when: regex has a backreference/);
  });
});

test('duplicate ids, unknown disable ids and YAML syntax errors are refused', () => {
  withRuleFile(good, (path) => {
    const p = problemsOf(() => loadRules({ ruleFiles: [path, path], disable: ['no-such-rule'] }));
    assert.ok(p.some((x) => /my-coupon-abuse: the id is already used/.test(x)));
    assert.ok(p.some((x) => /detect.disable: no rule has the id "no-such-rule"/.test(x)));
  });
  withRuleFile('rules: [ {id: x', (path) => {
    const p = problemsOf(() => loadRules({ shipped: false, ruleFiles: [path] }));
    assert.match(p[0] ?? '', /mine\.yml:\d+:\d+: /);
  });
});

test('disabled rules are not compiled, and their cases are left out', () => {
  const set = loadRules({ disable: ['sqli-union'] });
  assert.ok(!set.compiled.rules.some((r) => r.id === 'sqli-union'));
  const results = runRuleTests(set, { only: 'sqli' });
  assert.ok(results.length > 0);
  assert.ok(results.every((r) => !r.expected.includes('sqli-union')));
});

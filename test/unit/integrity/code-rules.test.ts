// Runs every shipped malicious-code rule on its own samples: each `match` sample must be
// reported by that rule, each `nomatch` sample must not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCodeRules, expandSample } from '../../../src/integrity/scan/rules.ts';
import { matchRules } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();

test('the shipped rules load and have unique ids', () => {
  assert.ok(rules.length >= 20, `only ${rules.length} rules`);
  assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
});

for (const rule of rules) {
  test(`code rule ${rule.id}`, () => {
    for (const sample of rule.spec.tests.match) {
      const s = expandSample(sample, rule.spec);
      const hits = matchRules(s.content, { path: s.path, rel: s.path }, [rule]);
      assert.equal(hits.length, 1, `${rule.id} should match ${s.path}: ${s.content.slice(0, 200)}`);
      assert.equal(hits[0]?.rule, rule.id);
    }
    for (const sample of rule.spec.tests.nomatch) {
      const s = expandSample(sample, rule.spec);
      const hits = matchRules(s.content, { path: s.path, rel: s.path }, [rule]);
      assert.deepEqual(hits, [], `${rule.id} should not match ${s.path}: ${s.content.slice(0, 200)}`);
    }
  });
}

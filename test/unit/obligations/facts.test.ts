// Facts files: errors name the field, a discovery time must carry its zone, and arbitrary
// facts never crash the engine (property test).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../../src/core/clock.ts';
import { AppError } from '../../../src/core/errors.ts';
import { assess, dataElements, loadRules, parseFacts } from '../../../src/obligations/index.ts';

function problems(doc: unknown): string[] {
  try {
    parseFacts(doc, 'facts.yml');
  } catch (e) {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'parse');
    return [...e.details];
  }
  return [];
}

test('bad facts are refused, each problem named by its path', () => {
  const p = problems({
    discovered: '2026-11-02T09:30:00',
    elements: ['name', 'shoe_size'],
    affected: { 'US-CA': -1, California: 3 },
  });
  assert.ok(
    p.some((x) => x.startsWith('discovered:')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('elements[1]:')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('affected.US-CA:')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x.startsWith('affected.California') || x.startsWith('affected:')),
    p.join('\n'),
  );
  assert.ok(
    problems({ discovered: '2026-11-02T09:30:00Z', elements: [], affected: {} }).some((x) => x.startsWith('elements:')),
  );
  assert.ok(problems({ discovered: '2026-11-02T09:30:00Z', elements: ['ssn'], colour: 'red' }).length > 0);
});

test('good facts parse with defaults', () => {
  const f = parseFacts(
    { discovered: '2026-11-02T09:30:00-05:00', elements: ['name', 'ssn'], affected: { 'US-CA': 1 } },
    'facts.yml',
  );
  assert.equal(f.encrypted, false);
  assert.equal(f.keyCompromised, false);
});

test('property: any facts give an assessment whose every jurisdiction is accounted for', () => {
  const rules = loadRules();
  const codes = ['US-CA', 'US-TX', 'US-NY', 'US-MA', 'US-ND', 'EU-DE', 'EU-IE', 'GB', 'CA', 'CA-QC', 'AU', 'US-ZZ'];
  fc.assert(
    fc.property(
      fc.subarray([...dataElements], { minLength: 1 }),
      fc.dictionary(fc.constantFrom(...codes), fc.integer({ min: 0, max: 20000 })),
      fc.boolean(),
      fc.boolean(),
      (elements, affected, encrypted, keyCompromised) => {
        const facts = parseFacts(
          { discovered: '2026-03-08T01:30:00-08:00', elements, affected, encrypted, keyCompromised },
          'p',
        );
        const a = assess(facts, rules, { clock: new ManualClock(0) });
        for (const code of Object.keys(affected)) {
          const seen =
            a.obligations.some((o) => o.jurisdiction === code) || a.noDuty.some((n) => n.jurisdiction === code);
          assert.ok(seen, `${code} neither obligated nor explained`);
        }
        for (const o of a.obligations) {
          assert.ok(o.dueBy === null || !Number.isNaN(Date.parse(o.dueBy)));
          assert.ok(o.citation.length > 0);
        }
      },
    ),
    { numRuns: 200 },
  );
});

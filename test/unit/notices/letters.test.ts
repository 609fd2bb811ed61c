// Letters to authorities from the real obligations data: one per duty towards a regulator,
// agency or card brand; its sections are exactly the contents the data set requires; the
// count of affected people, the data elements, the dates, the shop's contact and the notices
// sent are filled in, the rest is marked "To fill in"; the owner's values cannot reshape it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessFacts } from '../../../src/app/obligations.ts';
import { factsSchema } from '../../../src/obligations/index.ts';
import { regulatorLetter } from '../../../src/notices/index.ts';

const facts = factsSchema.parse({
  discovered: '2026-11-02T09:00:00-05:00',
  elements: ['name', 'card_number', 'card_security_code', 'email'],
  affected: { 'US-NY': 700, 'US-TX': 300, GB: 25 },
});
const values = {
  shop: { name: 'Harbor & Pine', contactEmail: 'privacy@harborandpine.example', address: '12 Wharf St # <b>2</b>' },
  incident: {
    whatHappened: 'An attacker added code to our checkout page.',
    whatWeAreDoing: 'We removed the code and restored the site.',
    breachDate: '28 October 2026',
  },
};
const sent = [
  {
    name: 'skimmer',
    sent: 1025,
    first: Date.parse('2026-11-05T10:00:00Z'),
    last: Date.parse('2026-11-05T10:02:00Z'),
    variants: ['general'],
  },
];

test('a letter per authority duty, its sections the required contents, filled from the facts', () => {
  const obligations = assessFacts(facts).obligations.filter(
    (o) => o.duty !== 'notify_individuals' && o.duty !== 'offer_credit_monitoring',
  );
  assert.ok(obligations.length >= 4, 'NY, TX, ICO and card brands at least');
  const letters = obligations.map((o) => regulatorLetter({ ...o, content: o.content ?? [] }, facts, values, sent));
  for (const [i, l] of letters.entries()) {
    const o = obligations[i];
    const want = (o?.content ?? []).length || 3;
    assert.equal((l.markdown.match(/^## /gm) ?? []).length, want, `${l.recipient}: one section per required content`);
    assert.equal(l.filled + l.toFill.length, want);
    assert.match(l.file, /^[a-z0-9-]+\.md$/);
  }
  const ny = letters.find((l) => l.recipient === 'New York Attorney General');
  assert.ok(ny !== undefined);
  assert.match(ny.markdown, /700 in US-NY; 1025 people in all/);
  assert.match(ny.markdown, /1025 notices by e-mail between 2026-11-05 and 2026-11-05 \(general\)/);
  assert.match(ny.markdown, /\*\*How to send it:\*\* form, https:\/\/ag\.ny\.gov/);
  const tx = letters.find((l) => l.recipient === 'Texas Attorney General');
  assert.ok(tx !== undefined);
  assert.match(tx.markdown, /300 in US-TX/);
  assert.match(tx.markdown, /## Number of affected residents notified\n\n300 residents of US-TX/);
  assert.match(tx.markdown, /We removed the code and restored the site\./);
  const ico = letters.find((l) => /ICO/.test(l.recipient));
  assert.ok(ico !== undefined);
  assert.match(ico.markdown, /An attacker added code to our checkout page\./);
  assert.match(ico.markdown, /Categories of data: name, card number, card security code, email/);
  // the owner's text is inert: no heading or tag can come from it
  assert.doesNotMatch(ico.markdown, /<b>/);
  assert.match(ico.markdown, /12 Wharf St \\# \\<b\\>2\\<\/b\\>/);
});

test('without values or notices, what cannot be known is left to fill in', () => {
  const o = assessFacts(facts).obligations.find((x) => x.recipient === 'New York Attorney General');
  assert.ok(o !== undefined);
  const l = regulatorLetter({ ...o, content: o.content ?? [] }, facts, {}, []);
  assert.ok(l.toFill.some((t) => /timing|distribution/.test(t)));
  assert.match(l.markdown, /\*\*To fill in:\*\* timing/i);
  assert.match(l.markdown, /700 in US-NY/, 'the facts still fill the count');
});

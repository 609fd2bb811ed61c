// The engine against the shipped data set. Per-jurisdiction expectations are written out in the
// table below from the statutes (thresholds, fixed deadlines, what is covered), not read from the
// data files, so a wrong file or a broken engine both fail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { ManualClock } from '../../../src/core/clock.ts';
import {
  assess,
  at,
  factsSchema,
  loadRules,
  type Assessment,
  type FactsInput,
} from '../../../src/obligations/index.ts';

const rules = loadRules();
const clock = new ManualClock(new Date('2026-11-03T00:00:00Z'));
const discovered = '2026-11-02T09:30:00-05:00';

function run(input: Partial<FactsInput> & { affected: Record<string, number> }): Assessment {
  const facts = factsSchema.parse({ discovered, elements: ['name', 'ssn'], ...input });
  return assess(facts, rules, { clock });
}
const duties = (a: Assessment, code: string) => a.obligations.filter((o) => o.jurisdiction === code).map((o) => o.duty);

interface Row {
  code: string;
  /** Fewest affected residents that require a regulator notice; null: no regulator duty. */
  reg: number | null;
  /** Fewest people that require notice to consumer reporting agencies; null: none. */
  cra: number | null;
  /** Fixed deadline for individuals in days; null: "without unreasonable delay". */
  days: number | null;
  /** A username/email + password breach (no name) is covered. */
  cred: boolean;
  /** Months of free credit monitoring owed when SSNs are exposed; null: none. */
  credit?: number;
  /** false: no encryption safe harbour (only redaction shelters the data). */
  enc?: false;
}

const table: Row[] = [
  { code: 'US-AL', reg: 1001, cra: 1001, days: 45, cred: true },
  { code: 'US-AK', reg: null, cra: 1001, days: null, cred: false },
  { code: 'US-AZ', reg: 1001, cra: 1001, days: 45, cred: true },
  { code: 'US-AR', reg: 1001, cra: null, days: null, cred: false },
  { code: 'US-CA', reg: 501, cra: null, days: 30, cred: true, credit: 12 },
  { code: 'US-CO', reg: 500, cra: 1000, days: 30, cred: true },
  { code: 'US-CT', reg: 1, cra: null, days: 60, cred: true, credit: 24 },
  { code: 'US-DE', reg: 501, cra: null, days: 60, cred: true, credit: 12 },
  { code: 'US-DC', reg: 50, cra: 1001, days: null, cred: true, credit: 18 },
  { code: 'US-FL', reg: 500, cra: 1001, days: 30, cred: true },
  { code: 'US-GA', reg: null, cra: 10001, days: null, cred: false },
  { code: 'US-HI', reg: 1001, cra: 1001, days: null, cred: false },
  { code: 'US-ID', reg: null, cra: null, days: null, cred: false },
  { code: 'US-IL', reg: 501, cra: null, days: null, cred: true },
  { code: 'US-IN', reg: 1, cra: 1001, days: 45, cred: false },
  { code: 'US-IA', reg: 500, cra: null, days: null, cred: false },
  { code: 'US-KS', reg: null, cra: 1001, days: null, cred: false },
  { code: 'US-KY', reg: null, cra: 1001, days: null, cred: false },
  { code: 'US-LA', reg: 1, cra: null, days: 60, cred: false },
  { code: 'US-ME', reg: 1, cra: 1001, days: 30, cred: false },
  { code: 'US-MD', reg: 1, cra: 1000, days: 45, cred: true },
  { code: 'US-MA', reg: 1, cra: 1, days: null, cred: false, credit: 18 },
  { code: 'US-MI', reg: null, cra: 1001, days: null, cred: false },
  { code: 'US-MN', reg: null, cra: 501, days: null, cred: false },
  { code: 'US-MS', reg: null, cra: null, days: null, cred: false },
  { code: 'US-MO', reg: 1001, cra: 1001, days: null, cred: false },
  { code: 'US-MT', reg: 1, cra: null, days: null, cred: false },
  { code: 'US-NE', reg: 1, cra: null, days: null, cred: true },
  { code: 'US-NV', reg: null, cra: 1001, days: null, cred: true },
  { code: 'US-NH', reg: 1, cra: 1001, days: null, cred: false },
  { code: 'US-NJ', reg: 1, cra: 1001, days: null, cred: true },
  { code: 'US-NM', reg: 1001, cra: 1001, days: 45, cred: false },
  { code: 'US-NY', reg: 1, cra: 5001, days: 30, cred: true },
  { code: 'US-NC', reg: 1, cra: 1001, days: null, cred: false },
  { code: 'US-ND', reg: 251, cra: null, days: null, cred: false },
  { code: 'US-OH', reg: null, cra: 1001, days: 45, cred: false },
  { code: 'US-OK', reg: 500, cra: null, days: null, cred: false },
  { code: 'US-OR', reg: 251, cra: 1001, days: 45, cred: true },
  { code: 'US-PA', reg: 501, cra: 500, days: null, cred: true, credit: 12 },
  { code: 'US-RI', reg: 501, cra: 501, days: 45, cred: true },
  { code: 'US-SC', reg: 1001, cra: 1001, days: null, cred: false },
  { code: 'US-SD', reg: 251, cra: 1, days: 60, cred: true },
  { code: 'US-TN', reg: null, cra: 1001, days: 45, cred: false },
  { code: 'US-TX', reg: 250, cra: 10001, days: 60, cred: false },
  { code: 'US-UT', reg: 500, cra: 1000, days: null, cred: false },
  { code: 'US-VT', reg: 1, cra: 1001, days: 45, cred: true },
  { code: 'US-VA', reg: 1, cra: 1001, days: null, cred: false },
  { code: 'US-WA', reg: 501, cra: null, days: 30, cred: true },
  { code: 'US-WV', reg: null, cra: 1001, days: null, cred: false },
  { code: 'US-WI', reg: null, cra: 1000, days: 45, cred: false },
  // Wyo. Stat. § 40-12-501(a)(vii): covered "when the data elements are not redacted"; no encryption clause (DWT)
  { code: 'US-WY', reg: null, cra: null, days: null, cred: true, enc: false },
  { code: 'US-PR', reg: 1, cra: null, days: null, cred: false },
  { code: 'US-GU', reg: null, cra: null, days: null, cred: false },
  { code: 'US-VI', reg: null, cra: null, days: null, cred: false },
];

test('the table covers all 54 US jurisdictions', () => {
  assert.equal(new Set(table.map((r) => r.code)).size, 54);
});

for (const row of table) {
  test(`${row.code}: name + SSN at the thresholds triggers each duty`, () => {
    const n = Math.max(row.reg ?? 1, row.cra ?? 1);
    const a = run({ affected: { [row.code]: n } });
    const d = duties(a, row.code);
    assert.ok(d.includes('notify_individuals'), `individuals: ${d.join(',')}`);
    assert.equal(d.includes('notify_regulator'), row.reg !== null, `regulator: ${d.join(',')}`);
    assert.equal(d.includes('notify_cras'), row.cra !== null, `cras: ${d.join(',')}`);
    assert.equal(d.includes('offer_credit_monitoring'), row.credit !== undefined, `credit monitoring: ${d.join(',')}`);
    const ind = a.obligations.find((o) => o.jurisdiction === row.code && o.duty === 'notify_individuals');
    assert.ok(ind);
    if (row.days === null) {
      assert.equal(ind.dueBy, null);
      assert.ok(ind.dueText.length > 0);
    } else {
      assert.equal(ind.deadlineDays, row.days);
      const due = DateTime.fromISO(ind.dueBy ?? '', { setZone: true });
      assert.equal(Math.round(due.diff(at(discovered, due.zoneName), 'days').days), row.days);
    }
    if (row.credit !== undefined) {
      const cm = a.obligations.find((o) => o.jurisdiction === row.code && o.duty === 'offer_credit_monitoring');
      assert.ok(
        cm?.notes.some((x) => x.includes(`${row.credit} months`)),
        cm?.notes.join('|'),
      );
    }
    assert.ok(ind.citation.length > 0);
    assert.ok(
      ind.because.some((b) => b.includes('SSN')),
      ind.because.join('|'),
    );
  });

  test(`${row.code}: below the thresholds, no regulator or CRA duty`, () => {
    if (row.reg !== null && row.reg > 1) {
      const a = run({ affected: { [row.code]: row.reg - 1 } });
      assert.ok(!duties(a, row.code).includes('notify_regulator'));
      assert.ok(
        a.noDuty.some(
          (x) => x.jurisdiction === row.code && x.duty === 'notify_regulator' && x.reason === 'below_threshold',
        ),
      );
    }
    if (row.cra !== null && row.cra > 1) {
      const a = run({ affected: { [row.code]: row.cra - 1 } });
      assert.ok(!duties(a, row.code).includes('notify_cras'));
      assert.ok(
        a.noDuty.some((x) => x.jurisdiction === row.code && x.duty === 'notify_cras' && x.reason === 'below_threshold'),
      );
    }
  });

  test(`${row.code}: encrypted data is ${row.enc === false ? 'not spared' : 'spared unless the key was taken'}`, () => {
    if (row.enc === false) {
      const a = run({ affected: { [row.code]: 10 }, encrypted: true, keyCompromised: false });
      assert.ok(duties(a, row.code).includes('notify_individuals'));
      const red = run({ affected: { [row.code]: 10 }, redacted: true });
      assert.deepEqual(duties(red, row.code), []);
      return;
    }
    const safe = run({ affected: { [row.code]: 10 }, encrypted: true, keyCompromised: false });
    assert.deepEqual(duties(safe, row.code), []);
    assert.ok(safe.noDuty.some((x) => x.jurisdiction === row.code && x.reason === 'encrypted'));
    const taken = run({ affected: { [row.code]: 10 }, encrypted: true, keyCompromised: true });
    assert.ok(duties(taken, row.code).includes('notify_individuals'));
  });

  test(`${row.code}: credentials only (email + password) ${row.cred ? 'is' : 'is not'} covered; an email alone is not`, () => {
    const a = run({ affected: { [row.code]: 10 }, elements: ['email', 'password'] });
    assert.equal(duties(a, row.code).includes('notify_individuals'), row.cred);
    const b = run({ affected: { [row.code]: 10 }, elements: ['email'] });
    assert.deepEqual(duties(b, row.code), []);
    assert.ok(b.noDuty.some((x) => x.jurisdiction === row.code && x.reason === 'not_covered'));
  });
}

test('California: 500 residents need no Attorney General notice, 501 do (15 days after individuals)', () => {
  const at500 = run({ affected: { 'US-CA': 500 } });
  assert.ok(!duties(at500, 'US-CA').includes('notify_regulator'));
  const at501 = run({ affected: { 'US-CA': 501 } });
  const ag = at501.obligations.find((o) => o.duty === 'notify_regulator');
  assert.equal(ag?.recipient, 'California Attorney General');
  // individuals: 30 days after 2026-11-02 06:30 PST; AG: 15 days later
  assert.equal(ag?.dueBy, '2026-12-17T06:30:00-08:00');
  assert.equal(ag?.method?.url, 'https://oag.ca.gov/privacy/databreach/report-a-breach');
});

test('California: a credentials-only breach notes the password-change notice', () => {
  const a = run({ affected: { 'US-CA': 3 }, elements: ['username', 'password'] });
  const ind = a.obligations.find((o) => o.duty === 'notify_individuals');
  assert.ok(
    ind?.notes.some((n) => n.startsWith('credentials only')),
    ind?.notes.join('|'),
  );
});

test('Texas: 249 vs 250 residents for the Attorney General (30 days from determination)', () => {
  assert.ok(!duties(run({ affected: { 'US-TX': 249 } }), 'US-TX').includes('notify_regulator'));
  const a = run({ affected: { 'US-TX': 250 }, determined: '2026-11-05T12:00:00-06:00' });
  const ag = a.obligations.find((o) => o.duty === 'notify_regulator');
  assert.equal(ag?.dueBy, '2026-12-05T12:00:00-06:00');
  const ind = a.obligations.find((o) => o.duty === 'notify_individuals');
  assert.equal(ind?.dueBy, '2027-01-04T12:00:00-06:00');
});

test('Massachusetts: card number with the name but without a code is covered', () => {
  const a = run({ affected: { 'US-MA': 5 }, elements: ['name', 'card_number'] });
  assert.ok(duties(a, 'US-MA').includes('notify_individuals'));
  const ind = a.obligations.find((o) => o.jurisdiction === 'US-MA' && o.duty === 'notify_individuals');
  assert.equal(ind?.conditional, false);
});

test('District of Columbia: a card number with the name is covered without any code', () => {
  const a = run({ affected: { 'US-DC': 5 }, elements: ['name', 'card_number'] });
  const ind = a.obligations.find((o) => o.jurisdiction === 'US-DC' && o.duty === 'notify_individuals');
  assert.equal(ind?.conditional, false);
});

test('New Mexico: a government-issued ID number (passport) with the name is covered', () => {
  const a = run({ affected: { 'US-NM': 5 }, elements: ['name', 'passport'] });
  assert.ok(duties(a, 'US-NM').includes('notify_individuals'));
});

test('Connecticut: a credit or debit card number with the name is covered without any code', () => {
  const a = run({ affected: { 'US-CT': 5 }, elements: ['name', 'card_number'] });
  const ind = a.obligations.find((o) => o.jurisdiction === 'US-CT' && o.duty === 'notify_individuals');
  assert.equal(ind?.conditional, false);
});

test('Illinois: an account or card number with the name is covered without any code', () => {
  const a = run({ affected: { 'US-IL': 5 }, elements: ['name', 'card_number'] });
  const ind = a.obligations.find((o) => o.jurisdiction === 'US-IL' && o.duty === 'notify_individuals');
  assert.equal(ind?.conditional, false);
});

test('California: card number without a code is only conditionally covered; with the code it is', () => {
  const a = run({ affected: { 'US-CA': 5 }, elements: ['name', 'card_number'] });
  assert.equal(a.obligations.find((o) => o.duty === 'notify_individuals')?.conditional, true);
  const b = run({ affected: { 'US-CA': 5 }, elements: ['name', 'card_number', 'card_security_code'] });
  assert.equal(b.obligations.find((o) => o.duty === 'notify_individuals')?.conditional, false);
});

test('GDPR: 72 hours to the member state authority; individuals only on high risk', () => {
  const a = run({ affected: { 'EU-DE': 40 }, elements: ['email'] });
  const sa = a.obligations.find((o) => o.duty === 'notify_regulator');
  assert.equal(sa?.jurisdiction, 'EU-DE');
  assert.match(sa?.recipient ?? '', /Germany/);
  assert.equal(sa?.dueBy, '2026-11-05T15:30:00+01:00');
  const ind = a.obligations.find((o) => o.duty === 'notify_individuals');
  assert.equal(ind?.conditional, true);
  assert.ok(ind?.notes.some((n) => n.includes('high risk')));
});

test('GDPR: encryption spares the individuals notice, not the authority notice', () => {
  const a = run({ affected: { 'EU-FR': 40 }, elements: ['name', 'email'], encrypted: true });
  assert.deepEqual(duties(a, 'EU-FR'), ['notify_regulator']);
  assert.ok(
    a.noDuty.some((x) => x.jurisdiction === 'EU-FR' && x.duty === 'notify_individuals' && x.reason === 'encrypted'),
  );
  const b = run({ affected: { 'EU-FR': 40 }, elements: ['name', 'email'], encrypted: true, keyCompromised: true });
  assert.ok(duties(b, 'EU-FR').includes('notify_individuals'));
});

test('GDPR one-stop shop: one notice to the lead authority', () => {
  const a = run({ affected: { 'EU-DE': 4, 'EU-FR': 3, 'EU-IE': 2 }, elements: ['email'], euMainEstablishment: 'IE' });
  const sas = a.obligations.filter((o) => o.duty === 'notify_regulator');
  assert.equal(sas.length, 1);
  assert.equal(sas[0]?.jurisdiction, 'EU');
  assert.match(sas[0]?.recipient ?? '', /Data Protection Commission/);
  const without = run({ affected: { 'EU-DE': 4, 'EU-FR': 3 }, elements: ['email'] });
  assert.equal(without.obligations.filter((o) => o.duty === 'notify_regulator').length, 2);
});

test('UK GDPR: the ICO within 72 hours', () => {
  const a = run({ affected: { GB: 15 }, elements: ['email', 'password'] });
  const ico = a.obligations.find((o) => o.jurisdiction === 'GB' && o.duty === 'notify_regulator');
  assert.match(ico?.recipient ?? '', /Information Commissioner/);
  assert.equal(ico?.deadlineDays, 3);
  assert.equal(ico?.dueBy, '2026-11-05T14:30:00Z'.replace('Z', '+00:00'));
});

test('Quebec: the CAI, and PIPEDA applies to the same people', () => {
  const a = run({ affected: { 'CA-QC': 12 }, elements: ['name', 'email'] });
  assert.ok(a.obligations.some((o) => o.jurisdiction === 'CA-QC' && /Commission d'accès/.test(o.recipient)));
  assert.ok(a.obligations.some((o) => o.jurisdiction === 'CA' && /Privacy Commissioner of Canada/.test(o.recipient)));
});

test('Australia: the OAIC, individuals only for an eligible data breach', () => {
  const a = run({ affected: { AU: 7 }, elements: ['name', 'date_of_birth'] });
  assert.ok(a.obligations.some((o) => o.jurisdiction === 'AU' && /OAIC/.test(o.recipient)));
  assert.equal(
    a.obligations.find((o) => o.jurisdiction === 'AU' && o.duty === 'notify_individuals')?.conditional,
    true,
  );
});

test('card data: acquirer and every brand; only the brands named; none without card numbers', () => {
  const a = run({ affected: { 'US-TX': 5 }, elements: ['name', 'card_number', 'card_expiry'] });
  const pci = a.obligations.filter((o) => o.jurisdiction === 'PCI');
  assert.deepEqual(pci.map((o) => o.duty).sort(), [
    'notify_acquirer',
    'notify_card_brand',
    'notify_card_brand',
    'notify_card_brand',
    'notify_card_brand',
  ]);
  const amex = pci.find((o) => /American Express/.test(o.recipient));
  assert.equal(amex?.method?.email, 'EIRP@aexp.com');
  assert.equal(amex?.deadlineDays, 1);
  const visaOnly = run({ affected: { 'US-TX': 5 }, elements: ['card_number'], cardBrands: ['visa'] });
  assert.equal(visaOnly.obligations.filter((o) => o.duty === 'notify_card_brand').length, 1);
  const none = run({ affected: { 'US-TX': 5 }, elements: ['name', 'ssn'] });
  assert.equal(none.obligations.filter((o) => o.jurisdiction === 'PCI').length, 0);
  const enc = run({ affected: { 'US-TX': 5 }, elements: ['card_number'], encrypted: true });
  assert.ok(enc.noDuty.some((x) => x.jurisdiction === 'PCI' && x.reason === 'encrypted'));
});

test('jurisdictions without people or without rules are reported, not dropped', () => {
  const a = run({ affected: { 'US-CA': 0, 'EU-CH': 3 } });
  assert.ok(a.noDuty.some((x) => x.jurisdiction === 'US-CA' && x.reason === 'no_people'));
  assert.ok(a.noDuty.some((x) => x.jurisdiction === 'EU-CH' && x.reason === 'no_rules'));
});

test('the assessment time comes from the injected clock', () => {
  assert.equal(run({ affected: { 'US-CA': 1 } }).assessedAt, '2026-11-03T00:00:00.000Z');
});

test('Canada: direct notice by any form a reasonable person would consider appropriate, no "secure" condition (SOR/2018-64 s. 4)', () => {
  const ca = rules.get('CA');
  assert.equal(ca?.methods.status, 'known');
  if (ca?.methods.status !== 'known') return;
  assert.equal(ca.methods.written, true);
  assert.match(ca.methods.electronic ?? '', /email/);
  assert.doesNotMatch(ca.methods.electronic ?? '', /secure/);
  assert.match(ca.methods.telephone ?? '', /telephone/);
});

test('New York: a DFS-regulated business tells DFS within 72 hours of determining the incident (23 NYCRR 500.17(a)(1))', () => {
  const a = run({ affected: { 'US-NY': 5 }, determined: '2026-11-05T12:00:00-05:00' });
  const dfs = a.obligations.find((o) => o.jurisdiction === 'US-NY' && /Financial Services/.test(o.recipient));
  assert.ok(dfs, a.obligations.map((o) => o.recipient).join('|'));
  assert.equal(dfs.dueBy, '2026-11-08T12:00:00-05:00');
});

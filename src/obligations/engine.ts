// The obligations engine: facts of a breach + the jurisdiction rules -> the notices the law
// requires (to whom, by when, citing what, because of which facts) and the jurisdictions where
// no duty arises, with the reason. Pure: no I/O, the current time comes from an injected Clock.

import type { DateTime } from 'luxon';
import type { Clock } from '../core/clock.ts';
import { at, computeDue } from './deadline.ts';
import type { Facts } from './facts.ts';
import type { Authority, DataElement, Deadline, Jurisdiction, MemberState, Trigger } from './schema.ts';

export type Duty =
  | 'notify_individuals'
  | 'notify_regulator'
  | 'notify_cras'
  | 'notify_acquirer'
  | 'notify_card_brand'
  | 'notify_law_enforcement'
  | 'notify_other'
  | 'offer_credit_monitoring';

export interface Obligation {
  /** The code from the facts (US-CA, EU-DE, ...) or PCI for card-network duties. */
  jurisdiction: string;
  duty: Duty;
  recipient: string;
  dueBy: string | null;
  dueText: string;
  deadlineDays: number | null;
  clockStarts: string;
  citation: string;
  because: string[];
  notes: string[];
  /** true when the duty depends on something the engine cannot check (see notes). */
  conditional: boolean;
  /** false when the rule rests on an unverified value. */
  verified: boolean;
  method: { kind: string; url: string | null; email: string | null } | null;
}

export type NoDutyReason = 'no_people' | 'not_covered' | 'encrypted' | 'below_threshold' | 'no_rules' | 'rules_unknown';

export interface NoDuty {
  jurisdiction: string;
  duty: Duty | 'any';
  reason: NoDutyReason;
  detail: string;
}

export interface Assessment {
  assessedAt: string;
  obligations: Obligation[];
  noDuty: NoDuty[];
}

export type RuleSet = ReadonlyMap<string, Jurisdiction>;

const credentialElements: ReadonlySet<DataElement> = new Set(['email', 'username', 'password', 'security_question']);

function matches(t: Trigger, exposed: ReadonlySet<DataElement>): boolean {
  return t.all.every((e) => exposed.has(e)) && (t.anyOf.length === 0 || t.anyOf.some((e) => exposed.has(e)));
}

/** The file and (for EU-XX) the member state behind a facts code. */
export function resolveCode(code: string, rules: RuleSet): { rule: Jurisdiction; member: MemberState | null } | null {
  const eu = /^EU-([A-Z]{2})$/.exec(code);
  if (eu) {
    const rule = rules.get('EU');
    if (!rule) return null;
    const member = rule.memberStates.find((m) => m.code === eu[1]) ?? null;
    return member ? { rule, member } : null;
  }
  const rule = rules.get(code);
  return rule ? { rule, member: null } : null;
}

interface Coverage {
  covered: boolean;
  conditional: boolean;
  because: string[];
  notes: string[];
}

/** Whether the exposed elements make this a notifiable breach under this jurisdiction's definition. */
function coverage(
  rule: Jurisdiction,
  facts: Facts,
): Coverage | { covered: false; reason: NoDutyReason; detail: string } {
  const pi = rule.personalInformation;
  if (pi.status === 'unknown')
    return { covered: false, reason: 'rules_unknown', detail: `personal-information definition unknown: ${pi.note}` };
  const exposed = new Set(facts.elements);
  if (pi.anyPersonalData)
    return {
      covered: true,
      conditional: false,
      because: ['personal data exposed (any personal data counts)'],
      notes: [],
    };
  const hit = pi.triggers.filter((t) => matches(t, exposed));
  if (hit.length === 0) {
    return {
      covered: false,
      reason: 'not_covered',
      detail: `the exposed elements (${facts.elements.join(', ')}) match no covered combination: ${pi.triggers.map((t) => t.label).join('; ')}`,
    };
  }
  const firm = hit.filter((t) => t.condition === undefined);
  const conditional = firm.length === 0;
  return {
    covered: true,
    conditional,
    because: (conditional ? hit : firm).map((t) => `exposed: ${t.label}`),
    notes: conditional ? hit.map((t) => `covered only ${t.condition ?? ''}`) : [],
  };
}

export interface AssessOptions {
  clock: Clock;
}

/** Facts in, obligations out. */
export function assess(facts: Facts, rules: RuleSet, opts: AssessOptions): Assessment {
  const obligations: Obligation[] = [];
  const noDuty: NoDuty[] = [];
  const totalAffected = Object.values(facts.affected).reduce((a, b) => a + b, 0);
  const codes = Object.keys(facts.affected).sort();
  const evaluated = new Set<string>();

  const queue: Array<{ code: string; count: number; via: string | null }> = codes.map((c) => ({
    code: c,
    count: facts.affected[c] ?? 0,
    via: null,
  }));
  for (let i = 0; i < queue.length; i += 1) {
    const item = queue[i];
    if (item === undefined || evaluated.has(item.code)) continue;
    evaluated.add(item.code);
    const { code, count, via } = item;
    if (count === 0) {
      noDuty.push({
        jurisdiction: code,
        duty: 'any',
        reason: 'no_people',
        detail: 'no affected people given for this jurisdiction',
      });
      continue;
    }
    const resolved = resolveCode(code, rules);
    if (resolved === null) {
      noDuty.push({
        jurisdiction: code,
        duty: 'any',
        reason: 'no_rules',
        detail: 'the data set has no rules for this jurisdiction; ask counsel',
      });
      continue;
    }
    const r = evaluateOne(code, count, via, resolved.rule, resolved.member, facts, totalAffected);
    obligations.push(...r.obligations);
    noDuty.push(...r.noDuty);
    for (const other of resolved.rule.alsoEvaluate) {
      if (!(other in facts.affected)) queue.push({ code: other, count, via: code });
    }
  }
  mergeEuRegulator(obligations, facts, rules);
  const card = cardDuties(facts, rules);
  obligations.push(...card.obligations);
  noDuty.push(...card.noDuty);
  return { assessedAt: new Date(opts.clock.now()).toISOString(), obligations, noDuty };
}

function startOf(clockStarts: string, facts: Facts, zone: string | null): { start: DateTime; notes: string[] } {
  if (clockStarts === 'determination' && facts.determined !== undefined)
    return { start: at(facts.determined, zone), notes: [] };
  const notes: string[] = [];
  if (clockStarts === 'determination')
    notes.push(
      'the clock starts when the breach is determined; counted from discovery, the earliest it can start (give `determined` in the facts to use that date)',
    );
  else if (clockStarts === 'notice_from_vendor')
    notes.push('the clock starts at the notice from your vendor; counted from discovery');
  else if (clockStarts === 'unknown') notes.push('what starts the clock is not established; counted from discovery');
  return { start: at(facts.discovered, zone), notes };
}

/**
 * One jurisdiction under evaluation: what each of its duties needs to know, built once by
 * evaluateOne and handed to the step for each kind of duty (which appends to `out`).
 */
interface Case {
  /** The code from the facts (US-CA, EU-DE, ...). */
  jurisdiction: string;
  /** People affected in this jurisdiction, and in all. */
  count: number;
  totalAffected: number;
  rule: Jurisdiction;
  member: MemberState | null;
  facts: Facts;
  zone: string | null;
  /** Coverage depends on something the engine cannot check. */
  conditional: boolean;
  /** Why every duty of this jurisdiction arises, and notes that go with each. */
  because: string[];
  notes: string[];
  /** What a risk-of-harm analysis could change (for individuals' notices, and for regulators'). */
  harmNotes: string[];
  regulatorNotes: string[];
  /** When individuals must be told (other deadlines may count from it). */
  individualsDue: DateTime | null;
  out: { obligations: Obligation[]; noDuty: NoDuty[] };
}

function evaluateOne(
  code: string,
  count: number,
  via: string | null,
  rule: Jurisdiction,
  member: MemberState | null,
  facts: Facts,
  totalAffected: number,
): { obligations: Obligation[]; noDuty: NoDuty[] } {
  const out = { obligations: [] as Obligation[], noDuty: [] as NoDuty[] };
  const cov = coverage(rule, facts);
  if (!cov.covered) {
    if ('reason' in cov) out.noDuty.push({ jurisdiction: code, duty: 'any', reason: cov.reason, detail: cov.detail });
    return out;
  }
  const c: Case = {
    jurisdiction: code,
    count,
    totalAffected,
    rule,
    member,
    facts,
    zone: member?.timeZone ?? rule.timeZone,
    conditional: cov.conditional,
    because: [...cov.because, `${count} affected in ${code}${via === null ? '' : ` (counted from ${via})`}`],
    notes: [...cov.notes],
    harmNotes: harmNotes(rule),
    regulatorNotes: harmNotesForRegulator(rule),
    individualsDue: null,
    out,
  };
  if (via !== null) c.notes.push(`applies to the people of ${via} as well (${rule.name})`);
  const encryptedScope = safeHarbour(c);
  if (encryptedScope === 'all') {
    const sh = rule.safeHarbour;
    out.noDuty.push({
      jurisdiction: code,
      duty: 'any',
      reason: 'encrypted',
      detail: `the data was ${facts.encrypted ? 'encrypted and the key was not taken' : 'redacted'} (safe harbour, ${sh.status === 'known' ? sh.citation : ''})`,
    });
    return out;
  }
  individualsDuties(c, encryptedScope === 'individuals');
  authorityDuties(c);
  craDuty(c);
  return out;
}

/**
 * Encryption / redaction safe harbour: which notices the protection of the data avoids
 * ('all', 'individuals' or 'none'); adds to the case's reasons and notes why not.
 */
function safeHarbour(c: Case): 'none' | 'all' | 'individuals' {
  const { facts } = c;
  const sh = c.rule.safeHarbour;
  if (!facts.encrypted && !facts.redacted) return 'none';
  const what = facts.encrypted ? 'encrypted' : 'redacted';
  if (sh.status === 'unknown') {
    c.notes.push(`the data was ${what}, but whether that avoids notice here is not established: ${sh.note}`);
    return 'none';
  }
  const sheltered = facts.encrypted ? sh.encryption : sh.redaction;
  if (!sheltered) {
    c.notes.push(`the data was ${what}, but this law has no ${what} safe harbour`);
    return 'none';
  }
  if (facts.encrypted && facts.keyCompromised) {
    c.because.push('encrypted, but the key was taken too');
    if (sh.keyException === 'not_addressed')
      c.notes.push('the statute does not say what happens when the key is taken; treated as unencrypted');
    return 'none';
  }
  return sh.scope;
}

/** Risk-of-harm analysis: the engine cannot decide it, so it says what avoiding notice takes. */
function harmNotes(rule: Jurisdiction): string[] {
  const ha = rule.harmAnalysis;
  if (ha.status === 'unknown')
    return [`whether a risk-of-harm analysis can avoid notice is not established: ${ha.note}`];
  if (!ha.allowed) return [];
  const doc =
    ha.documentation === 'send_to_regulator'
      ? `the decision must be written and sent to ${ha.recipient ?? 'the regulator'}`
      : ha.documentation === 'document'
        ? `the decision must be documented${ha.retentionYears === null ? '' : ` and kept ${ha.retentionYears} years`}`
        : 'no documentation duty is stated';
  return [
    `notice may be avoided if ${ha.standard ?? 'a risk-of-harm analysis finds no risk'} (${ha.citation}); ${doc}`,
  ];
}

/** A duty the data set could not establish is still listed, flagged, never silently dropped. */
function unknownDuty(c: Case, duty: 'notify_individuals' | 'notify_regulator', recipient: string, note: string): void {
  c.out.obligations.push({
    jurisdiction: c.jurisdiction,
    duty,
    recipient,
    dueBy: null,
    dueText: 'unknown',
    deadlineDays: null,
    clockStarts: 'unknown',
    citation: c.rule.statutes.map((s) => s.citation).join('; '),
    because: c.because,
    notes: [...c.notes, note],
    conditional: true,
    verified: false,
    method: null,
  });
}

/** Notice to the affected people (and the credit monitoring offered with it); sets c.individualsDue. */
function individualsDuties(c: Case, encrypted: boolean): void {
  const { rule, member, facts, jurisdiction } = c;
  const ind = rule.individuals;
  if (ind.status === 'unknown') {
    unknownDuty(c, 'notify_individuals', 'affected residents', `deadline not established: ${ind.note}`);
    return;
  }
  if (encrypted) {
    const sh = rule.safeHarbour;
    c.out.noDuty.push({
      jurisdiction,
      duty: 'notify_individuals',
      reason: 'encrypted',
      detail: `the data was encrypted and the key was not taken (${sh.status === 'known' ? sh.citation : ''})`,
    });
    return;
  }
  const s = startOf(ind.clockStarts, facts, c.zone);
  const due = computeDue(ind.deadline, s.start, null);
  if (due.dueBy !== null) c.individualsDue = at(due.dueBy, c.zone);
  const notes = [...c.notes, ...c.harmNotes, ...s.notes, ...due.notes];
  if (ind.onlyIf !== null) notes.push(`only ${ind.onlyIf}`);
  if (ind.lawEnforcementDelay)
    notes.push('may be delayed if law enforcement says notice would impede its investigation');
  const exposed = new Set(facts.elements);
  const credOnly = facts.elements.every((e) => credentialElements.has(e));
  for (const sc of rule.specialCases) {
    if (sc.id === 'credentials_only' && credOnly) notes.push(`credentials only: ${sc.text} (${sc.citation})`);
  }
  const recipient = member ? `affected people in ${member.name}` : `affected residents of ${rule.name}`;
  c.out.obligations.push({
    jurisdiction,
    duty: 'notify_individuals',
    recipient,
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts: ind.clockStarts,
    citation: ind.citation,
    because: c.because,
    notes,
    conditional: c.conditional || ind.onlyIf !== null,
    verified: ind.verified,
    method: null,
  });
  for (const sc of rule.specialCases) {
    if (sc.id !== 'credit_monitoring') continue;
    const hit = sc.ifElements.filter((e) => exposed.has(e));
    if (hit.length === 0) continue;
    c.out.obligations.push({
      jurisdiction,
      duty: 'offer_credit_monitoring',
      recipient,
      dueBy: due.dueBy,
      dueText: 'offered in the notice to individuals',
      deadlineDays: due.deadlineDays,
      clockStarts: ind.clockStarts,
      citation: sc.citation,
      because: [...c.because, `exposed: ${hit.join(', ')}`],
      notes: [
        sc.text,
        ...(sc.condition === undefined ? [] : [`only ${sc.condition}`]),
        ...(sc.months === null ? ['length of the offer not established'] : [`${sc.months} months, free of charge`]),
        ...(sc.note ? [sc.note] : []),
      ],
      conditional: c.conditional || sc.condition !== undefined,
      verified: sc.verified,
      method: null,
    });
  }
}

/** Regulators and other authorities. */
function authorityDuties(c: Case): void {
  const au = c.rule.authorities;
  if (au.status === 'unknown') {
    unknownDuty(c, 'notify_regulator', 'unknown', `whether a regulator must be told is not established: ${au.note}`);
    return;
  }
  for (const a of au.list) {
    const o = authorityDuty(c, a);
    if ('reason' in o) c.out.noDuty.push(o);
    else c.out.obligations.push(o);
  }
}

/** Consumer reporting agencies. */
function craDuty(c: Case): void {
  const { jurisdiction } = c;
  const cr = c.rule.cras;
  if (cr.status === 'unknown') {
    c.out.noDuty.push({ jurisdiction, duty: 'notify_cras', reason: 'rules_unknown', detail: cr.note });
    return;
  }
  if (!cr.required) return;
  const n = cr.thresholdScope === 'all_persons' ? c.totalAffected : c.count;
  if (cr.minAffected !== null && n < cr.minAffected) {
    c.out.noDuty.push({
      jurisdiction,
      duty: 'notify_cras',
      reason: 'below_threshold',
      detail: `${n} ${cr.thresholdScope === 'all_persons' ? 'people in all' : 'affected here'}; ${cr.thresholdText}`,
    });
    return;
  }
  const s = startOf('discovery', c.facts, c.zone);
  const due = computeDue(cr.deadline, s.start, c.individualsDue);
  c.out.obligations.push({
    jurisdiction,
    duty: 'notify_cras',
    recipient: 'nationwide consumer reporting agencies (Equifax, Experian, TransUnion)',
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts:
      cr.deadline.kind === 'after_individuals' ||
      cr.deadline.kind === 'with_individuals' ||
      cr.deadline.kind === 'before_individuals'
        ? 'individual_notice'
        : 'discovery',
    citation: cr.citation,
    because: [
      ...c.because,
      cr.minAffected === null ? 'threshold unknown' : `${n} >= ${cr.minAffected} (${cr.thresholdText})`,
    ],
    notes: [...c.notes, ...due.notes, ...(cr.content.length > 0 ? [`content: ${cr.content.join('; ')}`] : [])],
    conditional: c.conditional || cr.minAffected === null,
    verified: cr.verified,
    method: null,
  });
}

function harmNotesForRegulator(rule: Jurisdiction): string[] {
  const ha = rule.harmAnalysis;
  if (ha.status === 'known' && ha.allowed && ha.documentation === 'send_to_regulator')
    return [
      `if you decide not to notify individuals, send the written determination to ${ha.recipient ?? 'the regulator'}`,
    ];
  return [];
}

function authorityDuty(c: Case, a: Authority): Obligation | NoDuty {
  const { jurisdiction, member, facts } = c;
  const n = a.thresholdScope === 'all_persons' ? c.totalAffected : c.count;
  if (a.onlyIfElements.length > 0 && !a.onlyIfElements.some((e) => facts.elements.includes(e))) {
    return {
      jurisdiction,
      duty: a.duty,
      reason: 'not_covered',
      detail: `${a.recipient}: only when ${a.onlyIfElements.join(' or ')} is exposed`,
    };
  }
  if (a.minAffected !== null && n < a.minAffected) {
    return {
      jurisdiction,
      duty: a.duty,
      reason: 'below_threshold',
      detail: `${a.recipient}: ${n} affected; ${a.thresholdText}`,
    };
  }
  const s = startOf(a.clockStarts === 'individual_notice' ? 'discovery' : a.clockStarts, facts, c.zone);
  const due = computeDue(a.deadline, s.start, c.individualsDue);
  const recipient = member && a.id === 'supervisory_authority' ? `${member.authority} (${member.name})` : a.recipient;
  const method =
    member && a.id === 'supervisory_authority'
      ? { kind: a.method.kind, url: member.notifyUrl ?? member.url, email: member.email }
      : { kind: a.method.kind, url: a.method.url, email: a.method.email };
  return {
    jurisdiction,
    duty: a.duty,
    recipient,
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts: a.clockStarts,
    citation: a.citation,
    because: [
      ...c.because,
      a.minAffected === null
        ? `threshold unknown (${a.thresholdText})`
        : `${n} >= ${a.minAffected} (${a.thresholdText})`,
    ],
    notes: [
      ...c.notes,
      ...(a.duty === 'notify_regulator' ? c.regulatorNotes : []),
      ...s.notes,
      ...due.notes,
      ...(a.content.length > 0 ? [`content: ${a.content.join('; ')}`] : []),
      ...(a.note ? [a.note] : []),
    ],
    conditional: c.conditional || a.minAffected === null || a.deadline.kind === 'unknown',
    verified: a.verified,
    method,
  };
}

/**
 * GDPR one-stop shop: with a main establishment in the EU, one Art. 33 notice goes to its
 * lead authority instead of one per member state.
 */
function mergeEuRegulator(obligations: Obligation[], facts: Facts, rules: RuleSet): void {
  if (facts.euMainEstablishment === undefined) return;
  const eu = rules.get('EU');
  const lead = eu?.memberStates.find((m) => m.code === facts.euMainEstablishment);
  const idx = obligations
    .map((o, i) => (o.jurisdiction.startsWith('EU-') && o.duty === 'notify_regulator' ? i : -1))
    .filter((i) => i >= 0);
  const first = idx[0];
  if (first === undefined || lead === undefined) return;
  const kept = obligations[first];
  if (kept === undefined) return;
  const others = idx.slice(1).map((i) => obligations[i]?.jurisdiction ?? '');
  obligations[first] = {
    ...kept,
    jurisdiction: 'EU',
    recipient: `${lead.authority} (${lead.name}), lead supervisory authority`,
    because: [...kept.because, ...others.map((o) => `also affected: ${o}`)],
    notes: [...kept.notes, 'one notice to the lead supervisory authority (GDPR Art. 56) covers every member state'],
    method: { kind: 'portal', url: lead.notifyUrl ?? lead.url, email: lead.email },
  };
  for (const i of idx.slice(1).reverse()) obligations.splice(i, 1);
}

/** Card-network duties (PCI DSS, brand rules): when card data is among the exposed elements. */
function cardDuties(facts: Facts, rules: RuleSet): { obligations: Obligation[]; noDuty: NoDuty[] } {
  const obligations: Obligation[] = [];
  const noDuty: NoDuty[] = [];
  const rule = rules.get('PCI');
  if (!rule) return { obligations, noDuty };
  const cov = coverage(rule, facts);
  if (!cov.covered) return { obligations, noDuty };
  if (facts.encrypted && !facts.keyCompromised && rule.safeHarbour.status === 'known' && rule.safeHarbour.encryption) {
    noDuty.push({
      jurisdiction: 'PCI',
      duty: 'any',
      reason: 'encrypted',
      detail: 'card data was encrypted and the key was not taken',
    });
    return { obligations, noDuty };
  }
  const brands = new Set(facts.cardBrands ?? ['visa', 'mastercard', 'amex', 'discover']);
  const au = rule.authorities;
  if (au.status === 'unknown') return { obligations, noDuty };
  // Card-network duties do not depend on how many people are affected: any exposed card counts.
  const c: Case = {
    jurisdiction: 'PCI',
    count: 1,
    totalAffected: 1,
    rule,
    member: null,
    facts,
    zone: rule.timeZone,
    conditional: cov.conditional,
    because: cov.because,
    notes: [],
    harmNotes: [],
    regulatorNotes: [],
    individualsDue: null,
    out: { obligations, noDuty },
  };
  for (const a of au.list) {
    const brand = /^(visa|mastercard|amex|discover)_/.exec(a.id)?.[1];
    if (brand !== undefined && !brands.has(brand as 'visa')) continue;
    const o = authorityDuty(c, a);
    if ('reason' in o) noDuty.push(o);
    else obligations.push(o);
  }
  return { obligations, noDuty };
}

/** Earliest deadline first; duties without a fixed time last. */
export function byDeadline(a: Obligation, b: Obligation): number {
  if (a.dueBy === null && b.dueBy === null) return a.jurisdiction.localeCompare(b.jurisdiction);
  if (a.dueBy === null) return 1;
  if (b.dueBy === null) return -1;
  return Date.parse(a.dueBy) - Date.parse(b.dueBy) || a.jurisdiction.localeCompare(b.jurisdiction);
}

export type { Deadline };

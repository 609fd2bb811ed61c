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
  /** What a notice to a regulator, agency or card brand must contain (from the data set). */
  content?: string[];
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
    const r = evaluateOne({ code, count, via, rule: resolved.rule, member: resolved.member }, facts, totalAffected);
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

/** One jurisdiction being assessed: what every duty of it needs, and where the duties go. */
interface Assessing {
  jurisdiction: string;
  /** People affected here. */
  count: number;
  /** People affected in all jurisdictions (some thresholds count them). */
  totalAffected: number;
  rule: Jurisdiction;
  member: MemberState | null;
  facts: Facts;
  zone: string | null;
  /** Coverage was conditional (a trigger with a condition). */
  conditional: boolean;
  because: string[];
  notes: string[];
  /** Notes of the risk-of-harm analysis, for the duties it can avoid. */
  harmNotes: string[];
  /** What the encryption or redaction safe harbour shelters. */
  sheltered: 'none' | 'all' | 'individuals';
  obligations: Obligation[];
  noDuty: NoDuty[];
}

/** The duties of one jurisdiction: individuals, regulators and other authorities, credit agencies. */
function evaluateOne(
  place: { code: string; count: number; via: string | null; rule: Jurisdiction; member: MemberState | null },
  facts: Facts,
  totalAffected: number,
): { obligations: Obligation[]; noDuty: NoDuty[] } {
  const out = { obligations: [] as Obligation[], noDuty: [] as NoDuty[] };
  const { code, count, via, rule, member } = place;
  const cov = coverage(rule, facts);
  if (!cov.covered) {
    if ('reason' in cov) out.noDuty.push({ jurisdiction: code, duty: 'any', reason: cov.reason, detail: cov.detail });
    return out;
  }
  const a: Assessing = {
    jurisdiction: code,
    count,
    totalAffected,
    rule,
    member,
    facts,
    zone: member?.timeZone ?? rule.timeZone,
    conditional: cov.conditional,
    because: [...cov.because, `${count} affected in ${code}${via === null ? '' : ` (counted from ${via})`}`],
    notes: [...cov.notes, ...(via === null ? [] : [`applies to the people of ${via} as well (${rule.name})`])],
    harmNotes: harmAnalysisNotes(rule),
    sheltered: 'none',
    ...out,
  };
  a.sheltered = safeHarbour(a);
  if (a.sheltered === 'all') return out;
  const individualsDue = individualDuties(a);
  authorityDuties(a, individualsDue);
  creditAgencyDuty(a, individualsDue);
  return out;
}

/** What the encryption or redaction safe harbour shelters; records why (a no-duty or a note). */
function safeHarbour(a: Assessing): Assessing['sheltered'] {
  const { facts } = a;
  const sh = a.rule.safeHarbour;
  if (!facts.encrypted && !facts.redacted) return 'none';
  const what = facts.encrypted ? 'encrypted' : 'redacted';
  if (sh.status === 'unknown') {
    a.notes.push(`the data was ${what}, but whether that avoids notice here is not established: ${sh.note}`);
    return 'none';
  }
  const shelters = facts.encrypted ? sh.encryption : sh.redaction;
  if (!shelters) {
    a.notes.push(`the data was ${what}, but this law has no ${what} safe harbour`);
    return 'none';
  }
  if (facts.encrypted && facts.keyCompromised) {
    a.because.push('encrypted, but the key was taken too');
    if (sh.keyException === 'not_addressed')
      a.notes.push('the statute does not say what happens when the key is taken; treated as unencrypted');
    return 'none';
  }
  if (sh.scope === 'all')
    a.noDuty.push({
      jurisdiction: a.jurisdiction,
      duty: 'any',
      reason: 'encrypted',
      detail: `the data was ${facts.encrypted ? 'encrypted and the key was not taken' : 'redacted'} (safe harbour, ${sh.citation})`,
    });
  return sh.scope;
}

/** Risk-of-harm analysis: the engine cannot decide it, so it says what avoiding notice takes. */
function harmAnalysisNotes(rule: Jurisdiction): string[] {
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

/** A duty the data set could not establish: still listed, flagged, never silently dropped. */
function unknownDuty(
  a: Assessing,
  duty: 'notify_individuals' | 'notify_regulator',
  recipient: string,
  note: string,
): void {
  a.obligations.push({
    jurisdiction: a.jurisdiction,
    duty,
    recipient,
    dueBy: null,
    dueText: 'unknown',
    deadlineDays: null,
    clockStarts: 'unknown',
    citation: a.rule.statutes.map((s) => s.citation).join('; '),
    because: a.because,
    notes: [...a.notes, note],
    conditional: true,
    verified: false,
    method: null,
  });
}

/** Notice to the affected people (and the credit monitoring offered with it); returns when it is due. */
function individualDuties(a: Assessing): DateTime | null {
  const { rule, member, facts } = a;
  const ind = rule.individuals;
  if (ind.status === 'unknown') {
    unknownDuty(a, 'notify_individuals', 'affected residents', `deadline not established: ${ind.note}`);
    return null;
  }
  if (a.sheltered === 'individuals') {
    const sh = rule.safeHarbour;
    a.noDuty.push({
      jurisdiction: a.jurisdiction,
      duty: 'notify_individuals',
      reason: 'encrypted',
      detail: `the data was encrypted and the key was not taken (${sh.status === 'known' ? sh.citation : ''})`,
    });
    return null;
  }
  const s = startOf(ind.clockStarts, facts, a.zone);
  const due = computeDue(ind.deadline, s.start, null);
  const notes = [...a.notes, ...a.harmNotes, ...s.notes, ...due.notes];
  if (ind.onlyIf !== null) notes.push(`only ${ind.onlyIf}`);
  if (ind.lawEnforcementDelay)
    notes.push('may be delayed if law enforcement says notice would impede its investigation');
  const credOnly = facts.elements.every((e) => credentialElements.has(e));
  for (const sc of rule.specialCases)
    if (sc.id === 'credentials_only' && credOnly) notes.push(`credentials only: ${sc.text} (${sc.citation})`);
  const recipient = member ? `affected people in ${member.name}` : `affected residents of ${rule.name}`;
  a.obligations.push({
    jurisdiction: a.jurisdiction,
    duty: 'notify_individuals',
    recipient,
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts: ind.clockStarts,
    citation: ind.citation,
    because: a.because,
    notes,
    conditional: a.conditional || ind.onlyIf !== null,
    verified: ind.verified,
    method: null,
  });
  const exposed = new Set(facts.elements);
  for (const sc of rule.specialCases) {
    if (sc.id !== 'credit_monitoring') continue;
    const hit = sc.ifElements.filter((e) => exposed.has(e));
    if (hit.length === 0) continue;
    a.obligations.push({
      jurisdiction: a.jurisdiction,
      duty: 'offer_credit_monitoring',
      recipient,
      dueBy: due.dueBy,
      dueText: 'offered in the notice to individuals',
      deadlineDays: due.deadlineDays,
      clockStarts: ind.clockStarts,
      citation: sc.citation,
      because: [...a.because, `exposed: ${hit.join(', ')}`],
      notes: [
        sc.text,
        ...(sc.condition === undefined ? [] : [`only ${sc.condition}`]),
        ...(sc.months === null ? ['length of the offer not established'] : [`${sc.months} months, free of charge`]),
        ...(sc.note ? [sc.note] : []),
      ],
      conditional: a.conditional || sc.condition !== undefined,
      verified: sc.verified,
      method: null,
    });
  }
  return due.dueBy === null ? null : at(due.dueBy, a.zone);
}

/** Regulators and other authorities. */
function authorityDuties(a: Assessing, individualsDue: DateTime | null): void {
  const au = a.rule.authorities;
  if (au.status === 'unknown') {
    unknownDuty(a, 'notify_regulator', 'unknown', `whether a regulator must be told is not established: ${au.note}`);
    return;
  }
  for (const authority of au.list) {
    const notes = [...a.notes, ...(authority.duty === 'notify_regulator' ? harmNotesForRegulator(a.rule) : [])];
    const o = authorityDuty(a, authority, individualsDue, notes);
    if ('reason' in o) a.noDuty.push(o);
    else a.obligations.push(o);
  }
}

/** Consumer reporting agencies. */
function creditAgencyDuty(a: Assessing, individualsDue: DateTime | null): void {
  const cr = a.rule.cras;
  if (cr.status === 'unknown') {
    a.noDuty.push({ jurisdiction: a.jurisdiction, duty: 'notify_cras', reason: 'rules_unknown', detail: cr.note });
    return;
  }
  if (!cr.required) return;
  const n = cr.thresholdScope === 'all_persons' ? a.totalAffected : a.count;
  if (cr.minAffected !== null && n < cr.minAffected) {
    a.noDuty.push({
      jurisdiction: a.jurisdiction,
      duty: 'notify_cras',
      reason: 'below_threshold',
      detail: `${n} ${cr.thresholdScope === 'all_persons' ? 'people in all' : 'affected here'}; ${cr.thresholdText}`,
    });
    return;
  }
  const s = startOf('discovery', a.facts, a.zone);
  const due = computeDue(cr.deadline, s.start, individualsDue);
  const afterIndividuals =
    cr.deadline.kind === 'after_individuals' ||
    cr.deadline.kind === 'with_individuals' ||
    cr.deadline.kind === 'before_individuals';
  a.obligations.push({
    jurisdiction: a.jurisdiction,
    duty: 'notify_cras',
    recipient: 'nationwide consumer reporting agencies (Equifax, Experian, TransUnion)',
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts: afterIndividuals ? 'individual_notice' : 'discovery',
    citation: cr.citation,
    because: [
      ...a.because,
      cr.minAffected === null ? 'threshold unknown' : `${n} >= ${cr.minAffected} (${cr.thresholdText})`,
    ],
    notes: [...a.notes, ...due.notes, ...(cr.content.length > 0 ? [`content: ${cr.content.join('; ')}`] : [])],
    conditional: a.conditional || cr.minAffected === null,
    verified: cr.verified,
    method: null,
    content: cr.content,
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

/** One authority's duty, or why there is none (not covered, below its threshold). */
function authorityDuty(
  a: Assessing,
  authority: Authority,
  individualsDue: DateTime | null,
  notes: string[],
): Obligation | NoDuty {
  const { facts, member, jurisdiction } = a;
  const n = authority.thresholdScope === 'all_persons' ? a.totalAffected : a.count;
  if (authority.onlyIfElements.length > 0 && !authority.onlyIfElements.some((e) => facts.elements.includes(e))) {
    return {
      jurisdiction,
      duty: authority.duty,
      reason: 'not_covered',
      detail: `${authority.recipient}: only when ${authority.onlyIfElements.join(' or ')} is exposed`,
    };
  }
  if (authority.minAffected !== null && n < authority.minAffected) {
    return {
      jurisdiction,
      duty: authority.duty,
      reason: 'below_threshold',
      detail: `${authority.recipient}: ${n} affected; ${authority.thresholdText}`,
    };
  }
  const s = startOf(authority.clockStarts === 'individual_notice' ? 'discovery' : authority.clockStarts, facts, a.zone);
  const due = computeDue(authority.deadline, s.start, individualsDue);
  const lead = member !== null && authority.id === 'supervisory_authority' ? member : null;
  return {
    jurisdiction,
    duty: authority.duty,
    recipient: lead ? `${lead.authority} (${lead.name})` : authority.recipient,
    dueBy: due.dueBy,
    dueText: due.dueText,
    deadlineDays: due.deadlineDays,
    clockStarts: authority.clockStarts,
    citation: authority.citation,
    because: [
      ...a.because,
      authority.minAffected === null
        ? `threshold unknown (${authority.thresholdText})`
        : `${n} >= ${authority.minAffected} (${authority.thresholdText})`,
    ],
    notes: [
      ...notes,
      ...s.notes,
      ...due.notes,
      ...(authority.content.length > 0 ? [`content: ${authority.content.join('; ')}`] : []),
      ...(authority.note ? [authority.note] : []),
    ],
    conditional: a.conditional || authority.minAffected === null || authority.deadline.kind === 'unknown',
    verified: authority.verified,
    content: authority.content,
    method: lead
      ? { kind: authority.method.kind, url: lead.notifyUrl ?? lead.url, email: lead.email }
      : { kind: authority.method.kind, url: authority.method.url, email: authority.method.email },
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
  for (const a of au.list) {
    const brand = /^(visa|mastercard|amex|discover)_/.exec(a.id)?.[1];
    if (brand !== undefined && !brands.has(brand as 'visa')) continue;
    // Card-network duties do not depend on how many people are affected: any exposed card counts.
    const pci: Assessing = {
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
      sheltered: 'none',
      obligations,
      noDuty,
    };
    const o = authorityDuty(pci, a, null, []);
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

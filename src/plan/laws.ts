// Which breach laws reach the shop, from where its customers live, and what each demands.
// The plan cannot know the breach, so it asks the obligations engine about the two breaches a
// shop most often has: its customer database copied (every element the shop stores), and a
// card skimmer on the checkout page. One affected person per jurisdiction gives the duties that
// arise whatever the number; the duties that start above a threshold (an attorney general
// after 500 residents, ...) are listed beside them from the engine's reasons.

import {
  assess,
  resolveCode,
  type DataElement,
  type Facts,
  type Obligation,
  type RuleSet,
} from '../obligations/index.ts';
import { countryCode } from '../notices/index.ts';
import { regionCode, type Answers } from './answers.ts';

const EU = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '));
const US_TERRITORIES = new Set(['PR', 'GU', 'VI']);

interface Places {
  /** Jurisdiction codes the obligations engine knows the shape of (US-CA, EU-DE, GB, CA, CA-QC, AU, or a bare country). */
  codes: string[];
  /** The shop has US customers but named no states: every US jurisdiction is assumed. */
  allUsStates: boolean;
}

/** The jurisdiction codes of the places customers live. */
export function placesOf(a: Answers, rules: RuleSet): Places {
  const codes = new Set<string>();
  const countriesWithRegions = new Set<string>();
  for (const r of a.customers.regions) {
    const rc = regionCode(r);
    if ('error' in rc) continue;
    const [country = '', sub = ''] = rc.code.split('-');
    countriesWithRegions.add(country);
    if (country === 'US') codes.add(rc.code);
    else if (country === 'CA') codes.add(sub === 'QC' ? 'CA-QC' : 'CA');
    else if (country === 'AU') codes.add('AU');
  }
  let allUsStates = false;
  for (const c of a.customers.countries) {
    const cc = countryCode(c);
    if (cc === null) continue;
    if (cc === 'US') {
      if (!countriesWithRegions.has('US')) {
        allUsStates = true;
        for (const code of rules.keys()) if (code.startsWith('US-')) codes.add(code);
      }
    } else if (US_TERRITORIES.has(cc)) codes.add(`US-${cc}`);
    else if (cc === 'CA') {
      codes.add('CA');
      // Without provinces, Quebec's own law may apply too.
      if (!countriesWithRegions.has('CA')) codes.add('CA-QC');
    } else if (EU.has(cc)) codes.add(`EU-${cc}`);
    else codes.add(cc);
  }
  return { codes: [...codes].sort(), allUsStates };
}

interface Scenario {
  id: 'database' | 'skimmer';
  title: string;
  description: string;
  elements: DataElement[];
}

/** The two breaches every shop plans for, with the data elements each exposes. */
function scenariosOf(a: Answers): Scenario[] {
  const db: DataElement[] = ['name', 'email'];
  if (a.data.accounts) db.push('username', 'password');
  if (a.data.addresses) db.push('address');
  if (a.data.phone) db.push('phone');
  if (a.data.dateOfBirth) db.push('date_of_birth');
  if (a.data.cards === 'stored') db.push('card_number', 'card_expiry');
  if (a.shop.business === 'health') db.push('health');
  const cardWhy =
    a.data.cards === 'never'
      ? 'Card numbers never reach your server, but injected script can still swap the payment page or add a fake card form.'
      : 'Injected script on the checkout page copies what customers type, whether the card is stored or tokenised.';
  return [
    {
      id: 'database',
      title: 'The customer database is copied',
      description: `Everything the shop stores about its customers: ${db.join(', ')}.`,
      elements: db,
    },
    {
      id: 'skimmer',
      title: 'A card skimmer on the checkout page',
      description: `${cardWhy} Exposed: name, e-mail, address, card number, expiry date and security code.`,
      elements: ['name', 'email', 'address', 'card_number', 'card_expiry', 'card_security_code'],
    },
  ];
}

interface LawDuty {
  jurisdiction: string;
  duty: string;
  recipient: string;
  deadline: string;
  deadlineDays: number | null;
  citation: string;
  conditional: boolean;
  verified: boolean;
}

interface ScenarioLaws {
  scenario: Scenario;
  duties: LawDuty[];
  /** Duties that arise only above a number of affected people, in words. */
  aboveThreshold: string[];
  /** Places without duties for this breach, and why (not covered, no data). */
  noDuty: string[];
}

export interface LawSummary {
  /** Code, name and statutes of each jurisdiction that applies. */
  jurisdictions: { code: string; name: string; statutes: string[]; related: string[] }[];
  /** Places the data set has no rules for: ask a lawyer. */
  unknown: string[];
  /** US customers without named states: every US jurisdiction was assumed. */
  allUsStates: boolean;
  scenarios: ScenarioLaws[];
}

const dutyWords: Record<string, string> = {
  notify_individuals: 'tell the affected people',
  notify_regulator: 'tell the regulator',
  notify_cras: 'tell the credit reporting agencies',
  notify_acquirer: 'tell the acquirer',
  notify_card_brand: 'tell the card brand',
  notify_law_enforcement: 'tell the police',
  notify_other: 'tell another authority',
  offer_credit_monitoring: 'offer credit monitoring',
};

/**
 * Laws around the breach laws that the data set does not model, with their citations: the plan
 * mentions them so the owner knows to ask.
 */
const relatedLaws: Record<string, string[]> = {
  'US-CA': [
    'CCPA/CPRA (Cal. Civ. Code § 1798.150): customers may sue for $100-$750 each after a breach of unencrypted personal information caused by a failure to keep reasonable security',
  ],
  EU: ['GDPR Art. 32: security appropriate to the risk; Art. 82: customers may claim damages'],
  GB: ['UK GDPR Art. 32 and the Data Protection Act 2018'],
};

function duty(o: Obligation): LawDuty {
  return {
    jurisdiction: o.jurisdiction,
    duty: dutyWords[o.duty] ?? o.duty,
    recipient: o.recipient,
    deadline: o.dueText,
    deadlineDays: o.deadlineDays,
    citation: o.citation,
    conditional: o.conditional,
    verified: o.verified,
  };
}

/** The laws for the answers, from the obligations engine over the given rules. */
export function lawsFor(a: Answers, rules: RuleSet, now: number): LawSummary {
  const places = placesOf(a, rules);
  const home = countryCode(a.shop.country);
  const discovered = new Date(now).toISOString();
  const jurisdictions = new Map<string, LawSummary['jurisdictions'][number]>();
  const unknown: string[] = [];
  for (const code of places.codes) {
    const r = resolveCode(code, rules);
    if (r === null) {
      unknown.push(code);
      continue;
    }
    const key = r.rule.code;
    if (!jurisdictions.has(key))
      jurisdictions.set(key, {
        code: key,
        name: r.rule.name,
        statutes: r.rule.statutes.map((s) => `${s.citation}: ${s.title}`),
        related: relatedLaws[key] ?? [],
      });
  }
  const scenarios = scenariosOf(a).map((scenario): ScenarioLaws => {
    const facts: Facts = {
      discovered,
      elements: scenario.elements,
      encrypted: false,
      keyCompromised: false,
      redacted: false,
      affected: Object.fromEntries(places.codes.filter((c) => !unknown.includes(c)).map((c) => [c, 1])),
      ...(home !== null && EU.has(home) ? { euMainEstablishment: home } : {}),
    };
    const res = assess(facts, rules, { clock: { now: () => now } });
    if (res.obligations.some((o) => o.jurisdiction === 'PCI') && !jurisdictions.has('PCI')) {
      const pci = rules.get('PCI');
      if (pci)
        jurisdictions.set('PCI', {
          code: 'PCI',
          name: pci.name,
          statutes: pci.statutes.map((s) => `${s.citation}: ${s.title}`),
          related: [],
        });
    }
    return {
      scenario,
      duties: res.obligations.map(duty),
      aboveThreshold: res.noDuty
        .filter((n) => n.reason === 'below_threshold')
        .map(
          (n) =>
            `${n.jurisdiction}: ${n.detail.replace(/: \d+ (?:affected here|affected|people in all); /, ': when ')}`,
        ),
      noDuty: res.noDuty
        .filter((n) => n.reason !== 'below_threshold' && n.reason !== 'no_people')
        .map((n) => `${n.jurisdiction}: ${n.detail}`),
    };
  });
  return {
    jurisdictions: [...jurisdictions.values()].sort((x, y) => x.code.localeCompare(y.code)),
    unknown,
    allUsStates: places.allUsStates,
    scenarios,
  };
}

// Letters to regulators, consumer reporting agencies and card brands: for each duty the
// obligations engine found, a Markdown letter whose sections are exactly the contents the data
// set says that notice must have (a state attorney general's form fields, the ICO's and an EU
// authority's report contents), each filled from the incident's facts and the notice values
// where they say it, and marked "To fill in" where they do not. Pure: the app gathers the input.

export interface LetterDuty {
  jurisdiction: string;
  duty: string;
  recipient: string;
  dueBy: string | null;
  dueText: string;
  citation: string;
  method: { kind: string; url: string | null; email: string | null } | null;
  content: readonly string[];
}

export interface LetterFacts {
  discovered: string;
  breachStart?: string | undefined;
  breachEnd?: string | undefined;
  elements: readonly string[];
  encrypted: boolean;
  affected: Readonly<Record<string, number>>;
}

/** Customer notices already sent for the incident (from the outbox). */
export interface SentNotices {
  name: string;
  sent: number;
  first: number | null;
  last: number | null;
  variants: readonly string[];
}

export interface Letter {
  file: string;
  jurisdiction: string;
  duty: string;
  recipient: string;
  markdown: string;
  /** Contents filled from the facts and values. */
  filled: number;
  /** Contents the owner still has to write. */
  toFill: string[];
}

type Values = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const get = (v: Values, path: string): string | null => {
  let cur: unknown = v;
  for (const k of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Values)[k] : undefined;
  return str(cur);
};
const day = (iso: string | undefined): string | null => (iso === undefined ? null : iso.slice(0, 10));
const human = (e: string): string => e.replace(/_/g, ' ');
/** Markdown-inert: values are the owner's, but a stray `#` or `<` must not reshape the letter. */
const md = (s: string): string => s.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);

interface Ctx {
  d: LetterDuty;
  f: LetterFacts;
  v: Values;
  notices: readonly SentNotices[];
}

/** One content item: the words of the data set, answered from the facts or left to fill. */
function answer(item: string, c: Ctx): string | null {
  const t = item.toLowerCase();
  const total = Object.values(c.f.affected).reduce((a, b) => a + b, 0);
  const here = c.f.affected[c.d.jurisdiction];
  const count = `${here !== undefined ? `${here} in ${c.d.jurisdiction}; ` : ''}${total} people in all`;
  const elements = `${c.f.elements.map(human).join(', ')}${c.f.encrypted ? ' (encrypted)' : ''}`;
  const window =
    c.f.breachStart !== undefined
      ? `from ${day(c.f.breachStart)}${c.f.breachEnd !== undefined ? ` to ${day(c.f.breachEnd)}` : ''}; discovered ${day(c.f.discovered)}`
      : (get(c.v, 'incident.breachDate') ?? '') !== ''
        ? `on or about ${get(c.v, 'incident.breachDate')}; discovered ${day(c.f.discovered)}`
        : null;
  if (/names? of all .* (citizens|residents)/.test(t)) return null; // a list the owner attaches
  if (/(residents|individuals|consumers|persons) notified/.test(t) && c.notices.length > 0 && here !== undefined)
    return `${here} residents of ${c.d.jurisdiction}, by e-mail with all ${c.notices.reduce((a, n) => a + n.sent, 0)} notified people.`;
  if (
    /timing|distribution|form of (the )?notice|plans? for notice|about notice|notices? to individuals|residents notified/.test(
      t,
    )
  ) {
    if (c.notices.length === 0) return null;
    const sent = c.notices
      .map(
        (n) =>
          `${n.sent} notices by e-mail${n.first !== null ? ` between ${new Date(n.first).toISOString().slice(0, 10)} and ${new Date(n.last ?? n.first).toISOString().slice(0, 10)}` : ''} (${n.variants.join(', ')})`,
      )
      .join('; ');
    return `${sent}. A copy of each notice is attached; the record of every message (address, Message-ID, time) is kept.`;
  }
  if (/cop(y|ies) of (the |a )?(template|notice|letter)/.test(t))
    return c.notices.length === 0
      ? null
      : `Attached: the notice as sent to the affected people (${[...new Set(c.notices.flatMap((n) => n.variants))].join(', ')}).`;
  if (/number|how many/.test(t)) {
    const what = /nature|description|circumstances/.test(t) ? get(c.v, 'incident.whatHappened') : null;
    return `${what !== null ? `${what} ` : ''}${count}.${/categor/.test(t) ? ` Categories of data: ${elements}.` : ''}`;
  }
  if (/law enforcement/.test(t)) return get(c.v, 'incident.lawEnforcementDelay');
  if (/identity theft|services offered|credit monitoring/.test(t)) return get(c.v, 'incident.identityTheftServices');
  if (/consequence/.test(t)) return get(c.v, 'incident.consequences');
  if (/date|time frame|period|when/.test(t)) return window;
  if (/type of (personal )?information|personal information (involved|exposed)|categor|kinds of information/.test(t))
    return elements;
  if (/steps|measures|contain|prevent|remediat|safeguard|mitigat/.test(t)) return get(c.v, 'incident.whatWeAreDoing');
  if (/nature|synopsis|summary|description|type of breach|what happened/.test(t)) {
    const what = get(c.v, 'incident.whatHappened');
    return what === null ? null : `${what}${window !== null ? ` (${window})` : ''}`;
  }
  if (/contact|name and address|organi[sz]ation|entity|data protection officer|who reported/.test(t)) {
    const parts = [
      get(c.v, 'shop.name'),
      get(c.v, 'shop.address'),
      get(c.v, 'shop.contactEmail'),
      get(c.v, 'shop.contactPhone'),
      /officer/.test(t) ? get(c.v, 'shop.dpo') : null,
    ].filter((x): x is string => x !== null);
    return parts.length === 0 ? null : parts.join(', ');
  }
  return null;
}

const dutyTitle: Record<string, string> = {
  notify_regulator: 'Notification of a personal data breach',
  notify_cras: 'Notice of a security breach affecting consumers',
  notify_card_brand: 'Account data compromise report',
  notify_acquirer: 'Account data compromise: notice to our acquirer',
  notify_law_enforcement: 'Report of a data breach',
  notify_other: 'Notification of a data breach',
};

export function regulatorLetter(d: LetterDuty, f: LetterFacts, v: Values, notices: readonly SentNotices[]): Letter {
  const c: Ctx = { d, f, v, notices };
  const shop = get(v, 'shop.name') ?? 'our shop';
  const out: string[] = [
    `# ${dutyTitle[d.duty] ?? 'Notification of a data breach'}`,
    '',
    `**To:** ${md(d.recipient)}  `,
    `**From:** ${md(shop)}  `,
    `**Under:** ${md(d.citation)}  `,
    `**Due:** ${d.dueBy !== null ? `${d.dueBy} (${md(d.dueText)})` : md(d.dueText)}  `,
  ];
  if (d.method !== null) {
    const how = [d.method.kind.replace(/_/g, ' '), d.method.url, d.method.email].filter((x) => x !== null).join(', ');
    out.push(`**How to send it:** ${md(how)}  `);
  }
  out.push('');
  const toFill: string[] = [];
  let filled = 0;
  const items =
    d.content.length > 0
      ? d.content
      : ['description of the breach', 'type of personal information involved', 'contact'];
  if (d.content.length === 0)
    out.push('_The data set lists no required contents for this notice; these are the usual ones._', '');
  for (const item of items) {
    out.push(`## ${md(item.charAt(0).toUpperCase() + item.slice(1))}`, '');
    const a = answer(item, c);
    if (a === null) {
      toFill.push(item);
      out.push(`**To fill in:** ${md(item)}.`, '');
    } else {
      filled++;
      out.push(md(a), '');
    }
  }
  out.push(
    '---',
    '',
    `_Drafted by Ripcord from the incident's facts and the notice values; check every section, and have a lawyer review it before it is sent._`,
    '',
  );
  const slug = `${d.jurisdiction}-${d.duty.replace(/^notify_/, '')}-${d.recipient}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return {
    file: `${slug}.md`,
    jurisdiction: d.jurisdiction,
    duty: d.duty,
    recipient: d.recipient,
    markdown: out.join('\n'),
    filled,
    toFill,
  };
}

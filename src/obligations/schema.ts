// The shape of one jurisdiction's breach-notification rules (data/obligations/<CODE>.yml).
// Every section is either `status: known` with its citation and a `verified` flag, or
// `status: unknown` with a note saying what could not be established: nothing is guessed.
// The engine (engine.ts) reads only what this schema admits.

import { z } from 'zod';

/** The fixed vocabulary of data elements a breach can expose (facts and rules share it). */
export const dataElements = [
  'name',
  'email',
  'username',
  'password',
  'security_question',
  'ssn',
  'tax_id',
  'drivers_license',
  'passport',
  'state_id',
  'military_id',
  'card_number',
  'card_security_code',
  'card_expiry',
  'card_pin',
  'bank_account',
  'account_access_code',
  'date_of_birth',
  'address',
  'phone',
  'health',
  'health_insurance',
  'biometric',
  'genetic',
  'mothers_maiden_name',
  'digital_signature',
  'employee_id',
  'ip_address',
  'other_personal_data',
] as const;

export const elementSchema = z.enum(dataElements).describe('A data element from the fixed vocabulary.');
export type DataElement = z.infer<typeof elementSchema>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const citation = z.string().min(1).describe('Statute or rule citation, with section numbers.');
const verified = z
  .boolean()
  .describe(
    'true when the value was checked against the statute text or an official page; false when it rests on memory or a secondary source.',
  );
const note = z.string().optional().describe('Caveats, disagreements between sources, interpretation.');

/** A section whose content could not be established. */
const unknownSection = z.strictObject({
  status: z.literal('unknown').describe('Not established; the engine reports it as unknown.'),
  note: z.string().min(1).describe('What is unknown and why.'),
});

function section<S extends z.ZodRawShape>(shape: S) {
  return z.discriminatedUnion('status', [
    z.strictObject({
      status: z.literal('known').describe('Established; see citation and verified.'),
      citation,
      verified,
      note,
      ...shape,
    }),
    unknownSection,
  ]);
}

export const triggerSchema = z.strictObject({
  label: z.string().min(1).describe('The combination in words, e.g. "name + SSN".'),
  all: z.array(elementSchema).min(1).describe('Every one of these elements must be exposed.'),
  anyOf: z.array(elementSchema).default([]).describe('And at least one of these (empty: none needed).'),
  condition: z
    .string()
    .optional()
    .describe(
      'A condition the engine cannot check (e.g. "if the number could be used without a code"); a match only through conditional triggers is reported as conditional.',
    ),
});
export type Trigger = z.infer<typeof triggerSchema>;

export const deadlineSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z
        .literal('without_unreasonable_delay')
        .describe('No fixed time: "most expedient time possible and without unreasonable delay" or similar.'),
      text: z.string().describe("The statute's words."),
    }),
    z.strictObject({
      kind: z.literal('days'),
      days: z.number().int().positive().describe('Number of days.'),
      calendar: z
        .enum(['calendar', 'business'])
        .default('calendar')
        .describe('Calendar days, or business days (Mon-Fri; public holidays are not known to the engine).'),
      text: z.string().describe("The statute's words."),
    }),
    z.strictObject({
      kind: z.literal('hours'),
      hours: z.number().int().positive().describe('Number of hours (elapsed time, so a DST change does not move it).'),
      text: z.string(),
    }),
    z.strictObject({
      kind: z.literal('before_individuals').describe('Before notifying individuals.'),
      text: z.string(),
    }),
    z.strictObject({
      kind: z
        .literal('with_individuals')
        .describe('At the same time as individuals, or when individuals are notified.'),
      text: z.string(),
    }),
    z.strictObject({
      kind: z.literal('after_individuals'),
      days: z.number().int().positive().describe('Days after the individuals are notified.'),
      text: z.string(),
    }),
    z.strictObject({ kind: z.literal('unknown').describe('Could not be established.'), text: z.string() }),
  ])
  .describe('When a notice is due.');
export type Deadline = z.infer<typeof deadlineSchema>;

export const clockStartsSchema = z
  .enum(['discovery', 'determination', 'awareness', 'notice_from_vendor', 'individual_notice', 'unknown'])
  .describe(
    "What starts the clock: discovery of the breach, determination that a breach occurred, awareness (GDPR), the vendor's notice, the notice to individuals.",
  );

const thresholdScopeSchema = z
  .enum(['residents', 'all_persons'])
  .default('residents')
  .describe(
    'What the threshold counts: residents of this jurisdiction, or every person notified for the breach (many CRA thresholds).',
  );

export const methodSchema = z.strictObject({
  kind: z
    .enum(['form', 'portal', 'email', 'mail', 'letter_or_email', 'phone', 'unknown'])
    .describe('How the notice is sent.'),
  url: z.string().nullable().default(null).describe('The form or portal address.'),
  email: z.string().nullable().default(null).describe('The mailbox to write to.'),
  note,
});

export const authoritySchema = z.strictObject({
  id: z.string().min(1).describe('Short id, unique in the file.'),
  duty: z
    .enum(['notify_regulator', 'notify_acquirer', 'notify_card_brand', 'notify_law_enforcement', 'notify_other'])
    .default('notify_regulator')
    .describe('The kind of duty.'),
  recipient: z.string().min(1).describe('Who must be told.'),
  minAffected: z
    .number()
    .int()
    .min(1)
    .nullable()
    .describe(
      'Notice needed when at least this many residents are affected (1: any). null when the threshold is unknown.',
    ),
  thresholdScope: thresholdScopeSchema,
  thresholdText: z.string().describe('The threshold in the statute\'s words ("more than 500 residents").'),
  onlyIfElements: z
    .array(elementSchema)
    .default([])
    .describe('Only when one of these elements is exposed (empty: any covered breach).'),
  deadline: deadlineSchema,
  clockStarts: clockStartsSchema,
  method: methodSchema,
  content: z.array(z.string()).default([]).describe('What this notice must contain.'),
  citation,
  verified,
  note,
});
export type Authority = z.infer<typeof authoritySchema>;

export const contentElementSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .describe('Stable id, shared across jurisdictions where the element is the same (merged by the notices linter).'),
  text: z.string().min(1).describe('What the notice must contain.'),
  heading: z.string().optional().describe('Required heading for this element, if the law prescribes one.'),
  onlyIf: z.string().optional().describe('Only when this holds (e.g. "if the information was known").'),
});
export type ContentElement = z.infer<typeof contentElementSchema>;

export const specialCaseSchema = z.discriminatedUnion('id', [
  z.strictObject({
    id: z.literal('credit_monitoring'),
    text: z.string(),
    months: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe('Months of free credit monitoring or identity-theft protection; null when unknown.'),
    ifElements: z.array(elementSchema).min(1).describe('Due when any of these elements is exposed.'),
    condition: z
      .string()
      .optional()
      .describe('A further condition the engine cannot check (e.g. "if you were the source of the breach").'),
    citation,
    verified,
    note,
  }),
  z.strictObject({
    id: z.enum(['credentials_only', 'law_enforcement_delay', 'vendor', 'other']),
    text: z.string(),
    citation,
    verified,
    note,
  }),
]);
export type SpecialCase = z.infer<typeof specialCaseSchema>;

export const memberStateSchema = z.strictObject({
  code: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .describe('ISO 3166-1 code of the member state.'),
  name: z.string(),
  authority: z.string().describe('The supervisory authority.'),
  url: z.string().describe('Its web site.'),
  notifyUrl: z.string().nullable().describe('Where breach notifications are filed; null when unknown.'),
  email: z.string().nullable().describe('Contact email; null when unknown.'),
  phone: z.string().nullable().describe('Contact phone; null when unknown.'),
  timeZone: z.string().describe('IANA zone for deadline arithmetic.'),
  verified,
  note,
});
export type MemberState = z.infer<typeof memberStateSchema>;

export const jurisdictionSchema = z.strictObject({
  code: z
    .string()
    .regex(/^(US-[A-Z]{2}|EU|GB|CA|CA-QC|AU|PCI)$/)
    .describe('Jurisdiction code: US-XX, EU, GB, CA, CA-QC, AU, or PCI (payment cards).'),
  name: z.string().min(1),
  kind: z.enum(['us_state', 'us_district', 'us_territory', 'supranational', 'country', 'province', 'card_networks']),
  lastReviewed: isoDate.describe('When the file was last checked against its sources.'),
  timeZone: z.string().nullable().describe('IANA zone for deadline arithmetic (null: the zone of the discovery time).'),
  statutes: z
    .array(z.strictObject({ citation, title: z.string(), url: z.string().nullable() }))
    .min(1)
    .describe('The laws this file encodes.'),
  sources: z
    .array(z.strictObject({ title: z.string(), url: z.string() }))
    .min(1)
    .describe('Where the values were checked.'),
  alsoEvaluate: z
    .array(z.string())
    .default([])
    .describe('Other jurisdiction files that also apply to the same people (e.g. Quebec residents: PIPEDA too).'),
  personalInformation: section({
    anyPersonalData: z
      .boolean()
      .default(false)
      .describe('true: any personal data counts (GDPR); triggers are then ignored.'),
    triggers: z.array(triggerSchema).default([]).describe('Element combinations that make a breach notifiable.'),
  }),
  safeHarbour: section({
    encryption: z.boolean().describe('Encrypted data is outside the duty.'),
    scope: z
      .enum(['all', 'individuals'])
      .default('all')
      .describe(
        'all: encrypted data is outside every duty; individuals: only the notice to individuals is avoided (GDPR Art. 34(3)(a)).',
      ),
    keyException: z
      .enum(['yes', 'not_addressed'])
      .describe(
        'yes: the statute says the safe harbour is lost if the key was also taken; not_addressed: it is silent (the engine then assumes notice is due).',
      ),
    redaction: z.boolean().describe('Redacted data (e.g. last four digits only) is outside the duty.'),
  }),
  harmAnalysis: section({
    allowed: z.boolean().describe('A finding of no (reasonable likelihood of) harm avoids notice to individuals.'),
    standard: z.string().nullable().describe("The test in the statute's words."),
    documentation: z
      .enum(['not_required', 'document', 'send_to_regulator'])
      .describe('Whether the no-notice decision must be written down, or sent to the regulator.'),
    retentionYears: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('How long the written decision must be kept.'),
    recipient: z.string().nullable().default(null).describe('Who receives the written decision, when it must be sent.'),
  }),
  individuals: section({
    deadline: deadlineSchema,
    clockStarts: clockStartsSchema,
    onlyIf: z
      .string()
      .nullable()
      .default(null)
      .describe('A condition for the duty the engine cannot check (GDPR Art. 34: "likely to result in a high risk").'),
    lawEnforcementDelay: z.boolean().describe("Notice may be delayed at law enforcement's request."),
  }),
  authorities: section({
    list: z.array(authoritySchema).describe('Regulators and others to notify (empty: none).'),
  }),
  cras: section({
    required: z.boolean().describe('Nationwide consumer reporting agencies must be told.'),
    minAffected: z.number().int().min(1).nullable().describe('When at least this many residents are notified.'),
    thresholdScope: thresholdScopeSchema,
    thresholdText: z.string(),
    deadline: deadlineSchema,
    content: z.array(z.string()).default([]),
  }),
  content: section({
    elements: z.array(contentElementSchema).default([]),
    title: z.string().nullable().default(null).describe('Required title of the notice.'),
    minFontPt: z.number().positive().nullable().default(null).describe('Minimum font size in points.'),
    mustNot: z
      .array(z.strictObject({ id: z.string(), text: z.string() }))
      .default([])
      .describe('What a notice must not say.'),
    languages: z.array(z.string()).default([]).describe('Languages the notice must be in, if prescribed.'),
  }),
  methods: section({
    written: z.boolean().describe('Written notice (letter) allowed.'),
    electronic: z.string().nullable().describe('When email/electronic notice is allowed (null: not allowed).'),
    telephone: z.string().nullable().describe('When telephone notice is allowed (null: not allowed).'),
    substitute: z
      .strictObject({
        costOver: z
          .number()
          .nullable()
          .describe('Substitute notice allowed when notice would cost more than this (USD or local currency).'),
        affectedOver: z.number().nullable().describe('... or when more than this many people must be notified.'),
        text: z.string().describe('Conditions and components (email, web posting, media).'),
      })
      .nullable()
      .describe('Substitute notice; null when the law provides none.'),
  }),
  specialCases: z
    .array(specialCaseSchema)
    .default([])
    .describe('Credentials-only breaches, credit monitoring, and other particular rules.'),
  memberStates: z.array(memberStateSchema).default([]).describe("EU only: each member state's supervisory authority."),
});

export type Jurisdiction = z.infer<typeof jurisdictionSchema>;
export type JurisdictionInput = z.input<typeof jurisdictionSchema>;

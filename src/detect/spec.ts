// The rule file format (YAML in rules/ and in users' own files): zod schemas for rules, their
// conditions and their test cases. Pure: checking a parsed document collects every problem
// with the file, rule id and path, so a broken rule file is refused with a clear message.

import { z } from 'zod';
import { severities } from '../core/finding.ts';

/** How a field is prepared before matching (see normalise.ts). */
const views = ['raw', 'decoded', 'sql', 'compact'] as const;
export type View = (typeof views)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

const leafSchema = z
  .strictObject({
    field: z
      .string()
      .describe(
        'Event field: path, query, target, user_agent, referer, method, status, user, ip, service, action, outcome, …',
      ),
    view: z
      .enum(views)
      .optional()
      .describe(
        'raw (as logged), decoded (URL/HTML/unicode-decoded and lower-cased; the default for text), sql (decoded, SQL comments and extra whitespace removed), compact (decoded, all whitespace and comments removed).',
      ),
    equals: scalar.optional().describe('The field equals this value (after the view).'),
    in: z.array(scalar).min(1).optional().describe('The field equals one of these values.'),
    contains: stringOrList.optional().describe('The field contains this text (or any of these).'),
    startsWith: stringOrList.optional().describe('The field starts with this text (or any of these).'),
    regex: z
      .string()
      .optional()
      .describe('A JavaScript regular expression searched in the field (lower-case text unless view is raw).'),
    cidr: stringOrList
      .optional()
      .describe('The field is an IP address inside this network (or any of these), e.g. 10.0.0.0/8.'),
    gte: z.number().optional().describe('Numeric field is at least this.'),
    lt: z.number().optional().describe('Numeric field is below this.'),
    exists: z.boolean().optional().describe('The field is present (not null or empty) — or absent when false.'),
    sqli: z
      .literal(true)
      .optional()
      .describe(
        'A value of the field (path segment, query value, JSON string in a parameter) reads as SQL injection: its token fingerprint, read bare or after a closing quote, has an injection shape.',
      ),
    traversal: z
      .literal(true)
      .optional()
      .describe(
        'A value of the field, with every encoding resolved, climbs two or more directories (or up to a sensitive file), or a parameter names a sensitive file by absolute path.',
      ),
    cmdi: z
      .literal(true)
      .optional()
      .describe(
        'A value of the field, read as a shell or Windows command line would read it (quote and backslash tricks undone), runs a command: substitution, a command after a separator, a command with a shell argument, batch syntax, brace expansion or a glob spelling a system path.',
      ),
  })
  .describe(
    'One test on one field. Exactly one operator (equals, in, contains, startsWith, regex, cidr, gte/lt, exists, sqli, traversal, cmdi).',
  );

export type LeafSpec = z.infer<typeof leafSchema>;

export type ConditionSpec = LeafSpec | { all: ConditionSpec[] } | { any: ConditionSpec[] } | { not: ConditionSpec };

const conditionSchema: z.ZodType<ConditionSpec> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1).describe('Every condition holds.') }),
    z.strictObject({ any: z.array(conditionSchema).min(1).describe('At least one condition holds.') }),
    z.strictObject({ not: conditionSchema.describe('The condition does not hold.') }),
    leafSchema,
  ]),
);

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 30s, 10m, 1h or 1d')
  .describe('A duration: 30s, 10m, 1h, 1d.');

const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lower-case letters, digits and dashes')
    .describe('Unique rule id, used in findings and in detect.disable.'),
  title: z.string().min(1).describe('Short name for people: "SQL injection (UNION SELECT)".'),
  description: z.string().default('').describe('What the rule looks for and why it matters.'),
  category: z
    .string()
    .min(1)
    .describe('Attack class: sqli, xss, traversal, rfi, cmdi, scanner, probe, shop, brute-force, login, new-ip, …'),
  severity: z.enum(severities).describe('info, low, medium, high or critical.'),
  on: z.enum(['http', 'auth']).describe('Which events the rule reads: web requests (http) or logins (auth).'),
  when: conditionSchema.optional().describe('The condition an event must meet (all fields of the event kind).'),
  message: z
    .string()
    .optional()
    .describe(
      'Message template; {title} {ip} {user} {service} {field} {match} {count} {path} {command} {target_user} are filled in.',
    ),
};

const signatureRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('signature').describe('Matches single events on field conditions.'),
  when: conditionSchema.describe('The condition an event must meet.'),
  groupBy: z
    .union([z.literal('each'), z.array(z.string()).min(1)])
    .default(['ip'])
    .describe(
      'Fields whose values (with the rule id) make the grouping key of notifications; `each` makes every finding its own message.',
    ),
});

const thresholdRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('threshold').describe('Counts matching events per group over a window (leaky bucket).'),
  groupBy: z
    .array(z.string())
    .default(['ip'])
    .describe('Fields that make the group: [ip], [user], [service, user], or [] for all events together.'),
  distinct: z
    .string()
    .optional()
    .describe('Count distinct values of this field (users per IP, IPs per user, paths per IP) instead of events.'),
  count: z.number().int().min(2).describe('Fire when this many events (or distinct values) fall in the window.'),
  window: duration,
});

const firstSeenRuleSchema = z.strictObject({
  ...common,
  kind: z
    .literal('first-seen')
    .describe('A login from an address (new-ip) or at an hour (unusual-hour) never seen for that user.'),
  on: z.literal('auth').describe('First-seen rules read logins.'),
  what: z
    .enum(['ip', 'hour'])
    .describe(
      'ip: a login from an address this user never logged in from; hour: a login at an hour of day this user never logs in.',
    ),
  scope: z
    .enum(['service', 'any'])
    .default('any')
    .describe('Whether history is kept per service (ssh, ftp, …) or across all.'),
  minHistory: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('How many earlier logins the user needs before a new value is reported (no noise on first use).'),
});

export const ruleSchema = z.discriminatedUnion('kind', [signatureRuleSchema, thresholdRuleSchema, firstSeenRuleSchema]);
export type RuleSpec = z.infer<typeof ruleSchema>;
export type SignatureRuleSpec = z.infer<typeof signatureRuleSchema>;
export type ThresholdRuleSpec = z.infer<typeof thresholdRuleSchema>;
export type FirstSeenRuleSpec = z.infer<typeof firstSeenRuleSchema>;

/** A partial event for tests: the fields that matter; the rest gets harmless defaults. */
const eventInput = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

const stepSchema = z.strictObject({
  line: z.string().optional().describe('A raw log line, parsed with `format`.'),
  format: z.string().optional().describe('Parser for `line` (nginx, apache, sshd, syslog, …).'),
  request: z.string().optional().describe('Shorthand web request: "GET /path?query" (HTTP/1.1 appended when missing).'),
  event: eventInput.optional().describe('An event given field by field (kind: http or auth, then its fields).'),
  ip: z.string().optional().describe('Client address for `request` (default 203.0.113.7).'),
  ua: z.string().optional().describe('User agent for `request`.'),
  referer: z.string().optional().describe('Referer for `request`.'),
  status: z.number().int().optional().describe('Status for `request` (default 200).'),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Time of the (first) event, e.g. 2024-01-15T03:00:00Z (default: the case start).'),
  repeat: z.number().int().min(1).max(10000).default(1).describe('Feed the event this many times.'),
  every: duration.optional().describe('Time between repeats (default 1s).'),
  vary: z
    .string()
    .optional()
    .describe('Field to make distinct on each repeat (user, ip, path): appends the repeat number.'),
});
export type StepSpec = z.infer<typeof stepSchema>;

export const caseSchema = z.strictObject({
  ...stepSchema.shape,
  name: z.string().min(1).describe('What the case shows.'),
  steps: z.array(stepSchema).optional().describe('A sequence of events (for threshold and first-seen rules).'),
  history: z
    .array(z.strictObject({ service: z.string(), user: z.string(), ip: z.string(), time: z.string().optional() }))
    .optional()
    .describe('Earlier logins known before the case runs.'),
  expect: z
    .array(z.string())
    .describe('Ids of every rule that must fire; any other firing rule fails the case. [] for clean input.'),
});
export type CaseSpec = z.infer<typeof caseSchema>;

export const ruleFileSchema = z.strictObject({
  rules: z.array(z.unknown()).default([]).describe('The rules of this file.'),
  tests: z.array(z.unknown()).default([]).describe('Test cases (may also live in tests/<file name>).'),
});

export const testFileSchema = z.strictObject({
  tests: z.array(z.unknown()).default([]).describe('Test cases.'),
});

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * (units[m[2]] ?? 1);
}

// Config schema of owner notifications (`alerts:`): the channels messages go out on (each
// channel's schema is in its component module, src/adapters/channels/), the routes that pick
// channels and grouping for each finding, and the delivery policy.
// Durations are written as `30s`, `5m`, `4h` and parsed to milliseconds here.

import { z } from 'zod';
import { parseDuration } from '../clock.ts';

/** A duration such as `250ms`, `30s`, `5m`, `2h`, `1d`, parsed to milliseconds. */
export function durationMs(text: string): number | undefined {
  const ms = /^\s*(\d+)\s*ms\s*$/i.exec(text);
  if (ms) return Number(ms[1]);
  if (/^\s*0\s*$/.test(text)) return 0;
  return parseDuration(text);
}

const duration = (dflt: string, what: string) =>
  z
    .string()
    .refine((s) => durationMs(s) !== undefined, { message: 'a duration such as 0s, 30s, 5m, 4h, 1d' })
    .transform((s) => durationMs(s) ?? 0)
    .prefault(dflt)
    .describe(what);

/** `never` (or omitted) means no reminders. */
const optionalDuration = (dflt: string, what: string) =>
  z
    .string()
    .refine((s) => s === 'never' || durationMs(s) !== undefined, { message: 'a duration such as 30m, 4h, or never' })
    .transform((s) => (s === 'never' ? null : (durationMs(s) ?? null)))
    .prefault(dflt)
    .describe(what);

/** The delivery timeout every channel has; each channel component spreads it into its schema. */
export const channelTimeout = z
  .number()
  .int()
  .min(100)
  .max(120_000)
  .default(10_000)
  .describe('Milliseconds before one delivery attempt is given up as a (transient) failure.');

/** A checked channel spec as the rest of Ripcord sees it; its component (src/adapters/channels/) knows the other fields. */
export interface ChannelSpec {
  type: string;
  timeoutMs: number;
}

const severityNames = ['info', 'low', 'medium', 'high', 'critical'] as const;
const groupFields = ['rule', 'category', 'severity', 'ip', 'user', 'service', 'groupKey', 'finding'] as const;
export type GroupField = (typeof groupFields)[number];

const stringList = (what: string) => z.array(z.string().min(1)).optional().describe(what);

const routeMatchSchema = z
  .strictObject({
    rule: stringList('Rule ids (any of them); `*` globs allowed (`ssh-*`).'),
    category: stringList('Finding categories (login, brute-force, sqli, integrity, …).'),
    minSeverity: z.enum(severityNames).optional().describe('Lowest severity that matches.'),
    service: stringList('Services (ssh, ftp, sudo, shop-admin, web, file, …).'),
    user: stringList('User names; `*` globs allowed.'),
    ip: stringList('Client addresses; exact, or a prefix ending in `*` (`203.0.113.*`).'),
  })
  .prefault({})
  .describe('All given conditions must hold; within a list any value matches. Empty: matches every finding.');

export const routeSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (at most 40)')
    .describe('Name of the route, shown in alerts.'),
  match: routeMatchSchema,
  channels: z.array(z.string()).optional().describe('Channel names to notify; all channels when omitted.'),
  groupBy: z
    .array(z.enum(groupFields))
    .default(['groupKey'])
    .describe(
      'Findings with equal values of these fields make one alert. `finding` = every finding alone; `groupKey` = as the rule decides.',
    ),
  groupWait: duration('30s', 'How long a new alert waits for more findings before its first message (0s = at once).'),
  groupInterval: duration('5m', 'Least time between two messages of one alert when new findings joined it.'),
  repeatInterval: optionalDuration(
    'never',
    'Reminder for an alert that is neither acknowledged nor closed and has no news; `never` for none.',
  ),
  continue: z
    .boolean()
    .default(false)
    .describe('Keep matching later routes after this one (otherwise the first match wins).'),
});
export type RouteSpec = z.infer<typeof routeSchema>;

/** Used when the config lists no routes: every login at once, high and critical findings grouped. */
const defaultRoutes: z.input<typeof routeSchema>[] = [
  {
    name: 'logins',
    match: { category: ['login'] },
    groupBy: ['finding'],
    groupWait: '0s',
    groupInterval: '1m',
    repeatInterval: 'never',
  },
  {
    name: 'serious',
    match: { minSeverity: 'high' },
    groupBy: ['groupKey'],
    groupWait: '30s',
    groupInterval: '5m',
    repeatInterval: '4h',
  },
];

/** The `alerts:` section, with the channel schema composed from the channel components. */
export const alertsSchemaOf = (channel: z.ZodType<ChannelSpec>) =>
  z
    .strictObject({
      enabled: z.boolean().default(true).describe('Send notifications from `ripcord run`.'),
      hostname: z.string().optional().describe("Name of this server in messages (default: the machine's host name)."),
      channels: z
        .record(
          z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (at most 40)'),
          channel,
        )
        .default({})
        .describe('Channels by name.'),
      routes: z
        .array(routeSchema)
        .optional()
        .describe(
          'Routing rules, tried in order; first match wins unless `continue: true`. Default: logins at once, high/critical grouped, to all channels.',
        ),
      maxAge: duration(
        '24h',
        'Findings older than this when first seen (an import of old logs) are recorded but not sent.',
      ),
      resolveTimeout: duration(
        '24h',
        'An alert with no new finding for this long is closed; later findings open a new alert.',
      ),
      pollMs: z
        .number()
        .int()
        .min(20)
        .max(60_000)
        .default(250)
        .describe('How often the findings table is polled for new findings (the pipeline also wakes the dispatcher).'),
      delivery: z
        .strictObject({
          lease: duration(
            '60s',
            'How long a claimed message is owned by one sender before another may retry it (after a crash).',
          ),
          backoff: duration('10s', 'First retry delay; doubled on each failure.'),
          maxBackoff: duration('15m', 'Longest retry delay.'),
          giveUpAfter: duration('3d', 'A message still undelivered this long after it was queued is marked failed.'),
        })
        .prefault({})
        .describe('Retries of failed deliveries.'),
      channelFailing: z
        .strictObject({
          failures: z
            .number()
            .int()
            .min(1)
            .default(3)
            .describe('Consecutive failures after which a channel is reported broken on the other channels.'),
          olderThan: duration(
            '10m',
            'A channel whose oldest undelivered message is older than this is reported broken too.',
          ),
        })
        .prefault({})
        .describe('When a broken channel becomes an alert of its own.'),
      templates: z
        .string()
        .optional()
        .describe('Folder with your own message templates (same names as templates/alerts/*.liquid).'),
    })
    .superRefine((a, ctx) => {
      const names = new Set(Object.keys(a.channels));
      a.routes?.forEach((r, i) => {
        r.channels?.forEach((c, j) => {
          if (!names.has(c))
            ctx.addIssue({ code: 'custom', path: ['routes', i, 'channels', j], message: `no channel named ${c}` });
        });
      });
    })
    .prefault({})
    .describe('Channels and routing of notifications to the owner.');

export type AlertsConfig = z.infer<ReturnType<typeof alertsSchemaOf>>;

/** The routes in force: the configured ones, or the defaults. */
export function effectiveRoutes(a: AlertsConfig): RouteSpec[] {
  return a.routes ?? defaultRoutes.map((r) => routeSchema.parse(r));
}

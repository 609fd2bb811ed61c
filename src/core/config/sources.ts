// Config schema of the traffic sources (`sources:`) and of log retention.

import { z } from 'zod';

export const formatNames = [
  'auto',
  'nginx',
  'apache',
  'json',
  'sshd',
  'vsftpd',
  'proftpd',
  'pureftpd',
  'sudo',
  'syslog',
  'shop-admin',
] as const;
export type FormatName = (typeof formatNames)[number];

const base = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lower-case letters, digits, _ . - (at most 64)')
    .optional()
    .describe('Stable name of the source; defaults to one made from the path or type. Checkpoints are kept under it.'),
  format: z
    .enum(formatNames)
    .default('auto')
    .describe('Parser for the lines: a named format or auto (sniffs the first lines).'),
  logFormat: z
    .string()
    .optional()
    .describe('A custom nginx log_format or Apache LogFormat string, for access logs in a non-standard layout.'),
  timezone: z.string().default('UTC').describe('Zone for timestamps that carry none (syslog): IANA name or +HH:MM.'),
};

export const fileSourceSchema = z
  .strictObject({
    type: z.literal('file'),
    path: z
      .string()
      .min(1)
      .describe(
        'Log file to follow from its start, through rotations. Import older rotated copies once with `ripcord ingest`.',
      ),
    ...base,
  })
  .describe('A log file, followed live through rotation (rename+create and copytruncate).');

export const journaldSourceSchema = z
  .strictObject({
    type: z.literal('journald'),
    units: z
      .array(z.string())
      .default([])
      .describe('systemd units to follow (e.g. ssh.service); empty: the whole journal.'),
    ...base,
  })
  .describe('The systemd journal, through `journalctl -o json -f`.');

export const syslogSourceSchema = z
  .strictObject({
    type: z.literal('syslog'),
    listen: z.string().default('127.0.0.1:5514').describe('host:port to listen on.'),
    protocol: z.enum(['udp', 'tcp', 'both']).default('both').describe('Transport(s) to accept (RFC 3164 and 5424).'),
    ...base,
  })
  .describe('A syslog listener, so rsyslog on other servers can forward their logs.');

export const stdinSourceSchema = z
  .strictObject({ type: z.literal('stdin'), ...base })
  .describe('Lines piped to standard input.');

export const sourceSchema = z.discriminatedUnion('type', [
  fileSourceSchema,
  journaldSourceSchema,
  syslogSourceSchema,
  stdinSourceSchema,
]);
export type SourceSpec = z.infer<typeof sourceSchema>;

export const logsSchema = z
  .strictObject({
    retentionDays: z
      .number()
      .int()
      .min(1)
      .default(400)
      .describe('Days of traffic kept; older events are pruned by `ripcord run`. PCI DSS asks for 12 months.'),
    batchLines: z
      .number()
      .int()
      .min(1)
      .max(200_000)
      .default(8192)
      .describe(
        'Most lines per store transaction (8192 fills one request block; followers commit whatever has arrived).',
      ),
    flushMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(250)
      .describe('Longest wait before a partial batch is written.'),
  })
  .prefault({});

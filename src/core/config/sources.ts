// Config schema of what all traffic sources share (`sources:`; each source's own schema is in
// its component module, src/adapters/sources/) and of log retention.

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

/**
 * The fields every traffic source has; each source component (src/adapters/sources/*) spreads
 * them into its own strict schema next to its `type` and own fields.
 */
export const sourceFields = {
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

/** A checked source spec as the rest of Ripcord sees it; its component knows the other fields. */
export interface SourceSpec {
  type: string;
  id?: string | undefined;
  format: FormatName;
  logFormat?: string | undefined;
  timezone: string;
}

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

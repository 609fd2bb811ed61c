// Config schema of customer breach notices (`notices:`): the SMTP relay the notices go through
// (not the alert channels: a bulk send must not wait behind, or starve, the owner's alerts),
// the sender, List-Unsubscribe, DKIM, and the default pace of a send.

import { z } from 'zod';

const smtpSchema = z
  .strictObject({
    host: z.string().min(1).describe('SMTP relay host name (your mail provider, or a local Postfix).'),
    port: z.number().int().min(1).max(65535).default(587).describe('587 (submission, STARTTLS), 465 (TLS) or 25.'),
    tls: z
      .enum(['starttls', 'tls', 'none', 'opportunistic'])
      .default('starttls')
      .describe('starttls: require TLS after connecting; tls: implicit TLS (465); opportunistic; none (local relay).'),
    user: z.string().optional().describe('SMTP user name; use ${ENV}.'),
    password: z.string().optional().describe('SMTP password; always as ${ENV}, never in the file.'),
    rejectUnauthorized: z.boolean().default(true).describe('Refuse relays whose TLS certificate does not verify.'),
    timeoutMs: z.number().int().min(1000).max(300_000).default(30_000).describe('Per-command timeout.'),
  })
  .describe('The relay that sends the notices.');

const dkimSchema = z
  .strictObject({
    domain: z.string().min(3).describe('Signing domain (d=), normally the From domain.'),
    selector: z.string().min(1).describe('DNS selector (s=): the key is published at SELECTOR._domainkey.DOMAIN.'),
    privateKeyFile: z.string().min(1).describe('PEM file of the private key (readable by Ripcord only).'),
  })
  .describe('DKIM-sign every notice (recommended when the relay does not sign).');

export const noticesSchema = z
  .strictObject({
    smtp: smtpSchema.optional(),
    from: z
      .string()
      .min(3)
      .optional()
      .describe('Sender, e.g. "Harbor & Pine <privacy@shop.example>"; a real, monitored mailbox.'),
    replyTo: z.string().min(3).optional().describe('Where replies go (defaults to the sender).'),
    unsubscribe: z
      .string()
      .min(3)
      .optional()
      .describe('List-Unsubscribe target (mailto: or https:); large mailbox providers expect it on bulk mail.'),
    values: z
      .string()
      .optional()
      .describe('YAML file of the notice values (shop:, incident:) used when a campaign names none.'),
    rate: z
      .number()
      .min(0)
      .default(20)
      .describe('Messages per second across all connections (0: as fast as the relay takes them).'),
    concurrency: z.number().int().min(1).max(64).default(4).describe('SMTP connections at once.'),
    retryDelayMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'First wait after the relay defers a message or cannot be reached; doubles each time, at most an hour.',
      ),
    dkim: dkimSchema.optional(),
  })
  .prefault({});

export type NoticesSpec = z.infer<typeof noticesSchema>;

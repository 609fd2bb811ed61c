// Email channel over SMTP (nodemailer): text and HTML parts from the templates, a Message-ID
// and `X-Ripcord-Idempotency-Key` header derived from the message key so a redelivered copy is
// recognisable. Failures are classified: SMTP 4xx, timeouts and connection errors are
// transient; SMTP 5xx, authentication and TLS problems are permanent (fix the config).
// Recipient addresses are never put in error messages or logs.

import type { Transporter } from 'nodemailer';
import { AppError } from '../../core/errors.ts';
import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { ChannelContext } from '../channels/context.ts';

export interface EmailSpec {
  host: string;
  port: number;
  tls: 'starttls' | 'tls' | 'none' | 'opportunistic';
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  rejectUnauthorized: boolean;
  timeoutMs: number;
}

const transientCodes = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export function classifySmtp(name: string, e: unknown): AppError {
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    code?: unknown;
    responseCode?: unknown;
    message?: unknown;
  };
  const code = typeof o.code === 'string' ? o.code : '';
  const rc = typeof o.responseCode === 'number' ? o.responseCode : null;
  let transient: boolean;
  if (rc !== null) transient = rc >= 400 && rc < 500;
  else if (code === 'EAUTH' || code === 'ETLS' || code === 'EMESSAGE' || code === 'EENVELOPE' || code === 'ECONFIG')
    transient = false;
  else transient = transientCodes.has(code) || code === '';
  // The server's reply line can quote the recipient; only the status and code are kept.
  const what = rc !== null ? `SMTP ${rc}` : code || 'error';
  const detail =
    rc === null && typeof o.message === 'string'
      ? `: ${o.message.replace(/<[^>]*@[^>]*>|\S+@\S+/g, '<address>').slice(0, 200)}`
      : '';
  return new AppError(
    transient ? 'unavailable' : code === 'EAUTH' ? 'auth' : 'refused',
    `channel ${name}: ${what}${detail}`,
    { transient, cause: e },
  );
}

const idDomain = (host: string): string =>
  host
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '') || 'localhost';

// nodemailer takes about 0.15 s to load: it is loaded when the first message is sent, not by
// every command that reads the configuration.
async function createTransport(spec: EmailSpec): Promise<Transporter> {
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: spec.host,
    port: spec.port,
    secure: spec.tls === 'tls',
    requireTLS: spec.tls === 'starttls',
    ignoreTLS: spec.tls === 'none',
    ...(spec.user !== undefined ? { auth: { user: spec.user, pass: spec.password ?? '' } } : {}),
    connectionTimeout: spec.timeoutMs,
    greetingTimeout: spec.timeoutMs,
    socketTimeout: spec.timeoutMs,
    tls: { rejectUnauthorized: spec.rejectUnauthorized },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

export function emailChannel(name: string, spec: EmailSpec): Channel {
  let transport: Promise<Transporter> | null = null;
  return {
    name,
    type: 'email',
    async send(m: AlertMessage, r: Rendered) {
      try {
        transport ??= createTransport(spec);
        await (await transport).sendMail({
          from: spec.from,
          to: spec.to,
          subject: r.subject,
          text: r.text,
          html: r.html,
          messageId: `<${m.key}@ripcord.${idDomain(m.host)}>`,
          headers: {
            'X-Ripcord-Idempotency-Key': m.key,
            'X-Ripcord-Severity': m.severity,
            'X-Ripcord-Rule': m.rule,
            ...(m.alertId !== null ? { 'X-Ripcord-Alert': String(m.alertId) } : {}),
          },
        });
      } catch (e) {
        throw classifySmtp(name, e);
      }
    },
    async close() {
      if (transport !== null) (await transport).close();
    },
  };
}

// ---- component: `type: email` in `alerts.channels` --------------------------------------

export const type = 'email';

export const schema = z
  .strictObject({
    type: z.literal('email').describe('Email over SMTP.'),
    host: z.string().min(1).describe('SMTP server host name.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(587)
      .describe('SMTP port: 587 (submission, STARTTLS), 465 (implicit TLS) or 25.'),
    tls: z
      .enum(['starttls', 'tls', 'none', 'opportunistic'])
      .default('starttls')
      .describe(
        'starttls: upgrade and require TLS; tls: implicit TLS (port 465); opportunistic: STARTTLS when offered; none: never (local relay only).',
      ),
    user: z.string().optional().describe('SMTP user name; use ${ENV} for it.'),
    password: z.string().optional().describe('SMTP password; always give it as ${ENV}, never in the file.'),
    from: z.string().min(3).describe('Sender address, e.g. "Ripcord <ripcord@shop.example>".'),
    to: z.array(z.string().min(3)).min(1).describe('Recipient addresses (the owner and whoever is on call).'),
    rejectUnauthorized: z.boolean().default(true).describe('Refuse servers whose TLS certificate does not verify.'),
    timeoutMs: channelTimeout,
  })
  .describe('Email through an SMTP server (nodemailer): a text and an HTML part.');

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return emailChannel(ctx.name, spec);
}

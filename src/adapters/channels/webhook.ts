// Generic webhook channel: the message as JSON, with an idempotency key and an HMAC-SHA256
// signature over the exact bytes of the body, so the receiver can check it came from us and
// drop a redelivery.
//
// Headers: `X-Ripcord-Signature: sha256=HEX` (HMAC of the raw body with the shared secret),
// `X-Ripcord-Timestamp` (Unix seconds; also inside the signed body as `sentAt`, which is the one
// to trust), `Idempotency-Key` and `X-Ripcord-Idempotency-Key` (equal keys = same message).

import { createHmac } from 'node:crypto';
import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { post } from './http.ts';
import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { ChannelContext } from './context.ts';

export interface WebhookSpec {
  url: string;
  secret?: string | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function webhookChannel(name: string, spec: WebhookSpec, now: () => number = Date.now): Channel {
  return {
    name,
    type: 'webhook',
    async send(m: AlertMessage, r: Rendered) {
      const t = now();
      const body = JSON.stringify({
        type: 'ripcord.alert',
        version: 1,
        sentAt: new Date(t).toISOString(),
        message: m,
        subject: r.subject,
        text: r.text,
      });
      const headers: Record<string, string> = {
        ...spec.headers,
        'content-type': 'application/json',
        'user-agent': 'ripcord',
        'idempotency-key': m.key,
        'x-ripcord-idempotency-key': m.key,
        'x-ripcord-timestamp': String(Math.floor(t / 1000)),
      };
      if (spec.secret !== undefined && spec.secret !== '') headers['x-ripcord-signature'] = sign(spec.secret, body);
      await post({ channel: name, url: spec.url, headers, body, timeoutMs: spec.timeoutMs });
    },
  };
}

// ---- component: `type: webhook` in `alerts.channels` ------------------------------------

export const type = 'webhook';

export const schema = z
  .strictObject({
    type: z.literal('webhook').describe('A JSON POST to a URL.'),
    url: z.url().describe('URL that receives a JSON POST per message.'),
    secret: z
      .string()
      .optional()
      .describe(
        'Key of the HMAC-SHA256 signature header `X-Ripcord-Signature: sha256=HEX` over the raw body; use ${ENV}.',
      ),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('Extra request headers (an Authorization token, say; use ${ENV}).'),
    timeoutMs: channelTimeout,
  })
  .describe('A generic webhook: the alert as JSON, signed, with an idempotency key.');

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return webhookChannel(ctx.name, spec, ctx.now);
}

// ntfy push notifications: POST the short text to server/topic with Title, Priority and Tags
// headers. Header values are cut to one line of printable ASCII-safe text (HTTP headers cannot
// carry control characters; non-ASCII is dropped rather than mis-encoded).

import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { post } from './http.ts';
import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { ChannelContext } from './context.ts';

export interface NtfySpec {
  server: string;
  topic: string;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  timeoutMs: number;
}

const priority: Record<string, string> = { info: '3', low: '2', medium: '3', high: '4', critical: '5' };

export const headerText = (s: string): string =>
  s
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 250)
    .trim();

export function ntfyChannel(name: string, spec: NtfySpec): Channel {
  const url = `${spec.server.replace(/\/+$/, '')}/${spec.topic}`;
  return {
    name,
    type: 'ntfy',
    async send(m: AlertMessage, r: Rendered) {
      const headers: Record<string, string> = {
        'content-type': 'text/plain; charset=utf-8',
        'user-agent': 'ripcord',
        title: headerText(r.subject),
        priority: m.kind === 'alert' && m.category === 'login' ? '4' : (priority[m.severity] ?? '3'),
        tags: headerText(
          [m.kind === 'channel-failing' ? 'warning' : 'rotating_light', m.severity, m.category].join(','),
        ),
        'x-ripcord-idempotency-key': m.key,
      };
      if (spec.token) headers['authorization'] = `Bearer ${spec.token}`;
      else if (spec.user)
        headers['authorization'] = `Basic ${Buffer.from(`${spec.user}:${spec.password ?? ''}`).toString('base64')}`;
      await post({ channel: name, url, headers, body: `${r.push}\n(message ${m.key})`, timeoutMs: spec.timeoutMs });
    },
  };
}

// ---- component: `type: ntfy` in `alerts.channels` ---------------------------------------

export const type = 'ntfy';

export const schema = z
  .strictObject({
    type: z.literal('ntfy').describe('ntfy push notifications.'),
    server: z.url().default('https://ntfy.sh').describe('ntfy server.'),
    topic: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (at most 64)')
      .describe('Topic to publish to; pick a hard-to-guess one on public servers.'),
    token: z.string().optional().describe('Access token (Authorization: Bearer); use ${ENV}.'),
    user: z.string().optional().describe('User name for basic auth, instead of a token.'),
    password: z.string().optional().describe('Password for basic auth; use ${ENV}.'),
    timeoutMs: channelTimeout,
  })
  .describe('Push notifications to phones through ntfy (POST to server/topic).');

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return ntfyChannel(ctx.name, spec);
}

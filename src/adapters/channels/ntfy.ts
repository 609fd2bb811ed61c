// ntfy push notifications: POST the short text to server/topic with Title, Priority and Tags
// headers. Header values are cut to one line of printable ASCII-safe text (HTTP headers cannot
// carry control characters; non-ASCII is dropped rather than mis-encoded).

import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { post } from './http.ts';

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

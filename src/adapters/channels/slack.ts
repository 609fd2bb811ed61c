// Slack and Mattermost incoming webhooks: `{"text": ...}` (markup already escaped by the chat
// template), optionally with Slack blocks. Neither dedups; the message key is in the text.

import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { post } from './http.ts';
import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { ChannelContext } from './context.ts';

export interface SlackSpec {
  type: 'slack' | 'mattermost';
  url: string;
  blocks: boolean;
  timeoutMs: number;
}

export function slackChannel(name: string, spec: SlackSpec): Channel {
  return {
    name,
    type: spec.type,
    async send(m: AlertMessage, r: Rendered) {
      const payload: Record<string, unknown> = { text: r.chat };
      if (spec.blocks && spec.type === 'slack') {
        payload['blocks'] = [
          { type: 'section', text: { type: 'mrkdwn', text: r.chat.slice(0, 2900) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `severity ${m.severity} · message ${m.key}` }] },
        ];
      }
      await post({
        channel: name,
        url: spec.url,
        headers: { 'content-type': 'application/json', 'user-agent': 'ripcord', 'x-ripcord-idempotency-key': m.key },
        body: JSON.stringify(payload),
        timeoutMs: spec.timeoutMs,
      });
    },
  };
}

// ---- component: `type: slack` in `alerts.channels` (Mattermost: mattermost.ts) -----------

export const type = 'slack';

export const schema = z
  .strictObject({
    type: z.literal('slack').describe('A Slack incoming webhook.'),
    url: z.url().describe('Incoming-webhook URL of the channel.'),
    blocks: z.boolean().default(false).describe('Also send Slack Block Kit blocks.'),
    timeoutMs: channelTimeout,
  })
  .describe('A Slack incoming webhook (`{"text": ...}`).');

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return slackChannel(ctx.name, spec);
}

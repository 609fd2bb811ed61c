// Mattermost incoming webhooks as a channel component: the Slack channel's code (slack.ts),
// which sends the same `{"text": ...}` and leaves out Slack's blocks for Mattermost.

import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { Channel } from '../../alerts/ports.ts';
import type { ChannelContext } from './context.ts';
import { slackChannel } from './slack.ts';

export const type = 'mattermost';

export const schema = z
  .strictObject({
    type: z.literal('mattermost').describe('A Mattermost incoming webhook.'),
    url: z.url().describe('Incoming-webhook URL of the channel.'),
    blocks: z
      .boolean()
      .default(false)
      .describe('Accepted for symmetry with slack; Mattermost ignores Slack blocks, so none are sent.'),
    timeoutMs: channelTimeout,
  })
  .describe('A Mattermost incoming webhook (`{"text": ...}`).');

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return slackChannel(ctx.name, spec);
}

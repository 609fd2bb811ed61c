// The alert channels, one component module each (type, schema, create): the registry that
// `alerts.channels` in ripcord.yml is checked with and channels are built from. A new channel
// is its module in this folder plus one line here.

import { registry } from '../../core/component.ts';
import type { ChannelSpec } from '../../core/config/alerts.ts';
import type { Channel } from '../../alerts/ports.ts';
import * as email from '../mail/smtp.ts';
import type { ChannelContext } from './context.ts';
import * as command from './command.ts';
import * as mattermost from './mattermost.ts';
import * as ntfy from './ntfy.ts';
import * as slack from './slack.ts';
import * as webhook from './webhook.ts';

export type { ChannelContext } from './context.ts';

export const channels = registry<ChannelSpec, ChannelContext, Channel>('channel', [
  email,
  webhook,
  slack,
  mattermost,
  ntfy,
  command,
]);

export function createChannels(
  specs: Readonly<Record<string, ChannelSpec>>,
  now: () => number = Date.now,
): Map<string, Channel> {
  return new Map(Object.entries(specs).map(([name, spec]) => [name, channels.create(spec, { name, now })]));
}

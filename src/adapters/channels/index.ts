// Builds the configured channels (alerts.channels) from their specs.

import type { ChannelSpec } from '../../core/config/alerts.ts';
import type { Channel } from '../../alerts/ports.ts';
import { emailChannel } from '../mail/smtp.ts';
import { webhookChannel } from './webhook.ts';
import { slackChannel } from './slack.ts';
import { ntfyChannel } from './ntfy.ts';
import { commandChannel } from './command.ts';

export function createChannel(name: string, spec: ChannelSpec, now: () => number = Date.now): Channel {
  switch (spec.type) {
    case 'email':
      return emailChannel(name, spec);
    case 'webhook':
      return webhookChannel(name, spec, now);
    case 'slack':
    case 'mattermost':
      return slackChannel(name, spec);
    case 'ntfy':
      return ntfyChannel(name, spec);
    case 'command':
      return commandChannel(name, spec);
  }
}

export function createChannels(
  specs: Readonly<Record<string, ChannelSpec>>,
  now: () => number = Date.now,
): Map<string, Channel> {
  return new Map(Object.entries(specs).map(([name, spec]) => [name, createChannel(name, spec, now)]));
}

// `ripcord alerts test NAME`: one test message on one channel, sent now outside the outbox,
// and what happened (time taken, the error and whether it is worth retrying).

import { AppError } from '../core/errors.ts';
import { messageKey, systemMessage, type MessageContext } from './message.ts';
import type { Channel } from './ports.ts';
import type { Renderer } from './render.ts';

export interface TestResult {
  channel: string;
  type: string;
  ok: boolean;
  ms: number;
  error: string | null;
  transient: boolean | null;
  key: string;
}

/** Sends a test message on the channel `name` of `channels`; the caller closes the channels. */
export async function sendTestMessage(
  channels: ReadonlyMap<string, Channel>,
  name: string,
  /** Loads the templates (only once the channel is known). */
  renderer: () => Promise<Renderer>,
  ctx: MessageContext,
  clock: () => number,
): Promise<TestResult> {
  const channel = channels.get(name);
  if (!channel) {
    const known = [...channels.keys()];
    throw new AppError(
      'not_found',
      `no channel named ${name}${known.length ? ` (configured: ${known.join(', ')})` : ' (alerts.channels is empty)'}`,
    );
  }
  const render = await renderer();
  const now = clock();
  const key = messageKey(`test${now.toString(36)}`, 1);
  const message = systemMessage({
    kind: 'test',
    key,
    ctx,
    route: '_test',
    title: `Test message on channel ${name}`,
    summary: `This is a test of the ${channel.type} channel ${name}. If you read it, Ripcord can reach you here.`,
    severity: 'info',
    rule: 'test',
    category: 'test',
    at: now,
    commands: ['ripcord alerts list', 'ripcord logs who'],
  });
  const started = performance.now();
  const result = (ok: boolean, err: AppError | null): TestResult => ({
    channel: name,
    type: channel.type,
    ok,
    ms: Math.round(performance.now() - started),
    error: err?.message ?? null,
    transient: err?.transient ?? null,
    key,
  });
  try {
    await channel.send(message, await render.render(message));
    return result(true, null);
  } catch (e) {
    return result(
      false,
      e instanceof AppError ? e : new AppError('internal', e instanceof Error ? e.message : String(e)),
    );
  }
}

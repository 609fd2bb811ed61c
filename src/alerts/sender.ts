// The sender: claims due outbox rows (pending -> sending, with a lease), renders and delivers
// each on its channel, and settles it: sent, retried later with exponential backoff, or failed
// for good. It also watches channel health: a channel with N consecutive failures, or whose
// oldest undelivered message is older than X, becomes an alert on the other channels, and its
// recovery is told the same way.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { isAppError } from '../core/errors.ts';
import type { AlertRecord, Channel, NewOutbox, OutboxItem, OutboxStore } from './ports.ts';
import type { Renderer } from './render.ts';
import { messageKey, systemMessage, withAlertId, type MessageContext } from './message.ts';

export interface SenderOptions {
  store: OutboxStore;
  channels: ReadonlyMap<string, Channel>;
  renderer: Renderer;
  clock: Clock;
  logger: Logger;
  context: MessageContext;
  leaseMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  failingAfter: number;
  failingOlderThanMs: number;
  batch?: number;
}

export interface SendResult {
  sent: number;
  retried: number;
  failed: number;
}

/** Delay before retry number `attempts` (1 = after the first failure): doubling, capped. */
export function backoff(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/** Whether a delivery error is worth retrying: AppErrors say; anything else (a bug) is not. */
const isTransient = (e: unknown): boolean => (isAppError(e) ? e.transient : false);

export class Sender {
  readonly #o: SenderOptions;
  #lastHealthCheck = -Infinity;

  constructor(o: SenderOptions) {
    this.#o = o;
  }

  /** Delivers everything due now (several claims when there is much). */
  async tick(): Promise<SendResult> {
    const total: SendResult = { sent: 0, retried: 0, failed: 0 };
    const batch = this.#o.batch ?? 50;
    for (let i = 0; i < 20; i++) {
      const now = this.#o.clock.now();
      const items = await this.#o.store.claim(now, this.#o.leaseMs, batch);
      if (items.length === 0) break;
      const byChannel = new Map<string, OutboxItem[]>();
      for (const it of items) {
        const list = byChannel.get(it.channel);
        if (list) list.push(it);
        else byChannel.set(it.channel, [it]);
      }
      const results = await Promise.all([...byChannel].map(([ch, list]) => this.#deliverAll(ch, list)));
      for (const r of results) {
        total.sent += r.sent;
        total.retried += r.retried;
        total.failed += r.failed;
      }
      if (items.length < batch) break;
    }
    await this.#checkStale();
    return total;
  }

  /** One channel's rows in order; after a transient failure the rest wait for the same retry. */
  async #deliverAll(channelName: string, items: OutboxItem[]): Promise<SendResult> {
    const r: SendResult = { sent: 0, retried: 0, failed: 0 };
    const { store, clock } = this.#o;
    const channel = this.#o.channels.get(channelName);
    let retryAt: number | null = null;
    for (const it of items) {
      const token = it.token ?? '';
      const now = clock.now();
      if (channel === undefined) {
        await store.markFailed(it.id, token, now, `no channel named ${channelName} in the configuration`);
        r.failed++;
        continue;
      }
      if (retryAt !== null) {
        await store.markRetry(it.id, token, retryAt, 'deferred: an earlier message on this channel failed');
        r.retried++;
        continue;
      }
      const message = withAlertId(it.message, it.alertId);
      let error: unknown = null;
      try {
        const rendered = await this.#o.renderer.render(message);
        await channel.send(message, rendered);
      } catch (e) {
        error = e;
      }
      const done = clock.now();
      if (error === null) {
        await store.markSent(it.id, token, done);
        r.sent++;
        await this.#health(channelName, true, null);
        continue;
      }
      const text = errorText(error);
      const transient = isTransient(error);
      this.#o.logger.warn(
        { channel: channelName, outbox: it.id, attempts: it.attempts, transient, error: text },
        'delivery failed',
      );
      if (transient && done - it.createdAt < this.#o.giveUpAfterMs) {
        retryAt = done + backoff(it.attempts, this.#o.backoffMs, this.#o.maxBackoffMs);
        await store.markRetry(it.id, token, retryAt, text);
        r.retried++;
      } else {
        await store.markFailed(it.id, token, done, transient ? `gave up: ${text}` : text);
        r.failed++;
      }
      await this.#health(channelName, false, text);
    }
    return r;
  }

  async #health(channel: string, ok: boolean, error: string | null): Promise<void> {
    const h = await this.#o.store.recordAttempt(channel, ok, this.#o.clock.now(), error);
    if (!ok && !h.reported && h.consecutiveFailures >= this.#o.failingAfter) {
      await this.#report(
        channel,
        'channel-failing',
        `${h.consecutiveFailures} deliveries in a row failed; last error: ${error ?? 'unknown'}`,
      );
    } else if (ok && h.reported) {
      await this.#report(channel, 'channel-recovered', 'deliveries work again; queued messages are being sent.');
    }
  }

  /** A channel whose oldest undelivered message waits too long is broken too, failures or not. */
  async #checkStale(): Promise<void> {
    const now = this.#o.clock.now();
    if (now - this.#lastHealthCheck < Math.min(10_000, this.#o.failingOlderThanMs)) return;
    this.#lastHealthCheck = now;
    const health = new Map((await this.#o.store.channelHealth()).map((h) => [h.channel, h]));
    for (const { channel, createdAt } of await this.#o.store.oldestUndelivered()) {
      if (!this.#o.channels.has(channel) || health.get(channel)?.reported === true) continue;
      if (now - createdAt >= this.#o.failingOlderThanMs) {
        const mins = Math.round((now - createdAt) / 60_000);
        await this.#report(
          channel,
          'channel-failing',
          `its oldest undelivered message has waited ${mins} min; last error: ${health.get(channel)?.lastError ?? 'none recorded'}`,
        );
      }
    }
  }

  /** Tells the owner on every other channel that `channel` broke or recovered. */
  async #report(channel: string, kind: 'channel-failing' | 'channel-recovered', detail: string): Promise<void> {
    const { store, clock, context } = this.#o;
    await store.setReported(channel, kind === 'channel-failing');
    const others = [...this.#o.channels.keys()].filter((c) => c !== channel);
    const now = clock.now();
    const failing = kind === 'channel-failing';
    this.#o.logger.warn({ channel, kind }, failing ? 'channel reported broken' : 'channel recovered');
    if (others.length === 0) return;
    const uid = randomUUID().replaceAll('-', '');
    const title = failing
      ? `Notification channel ${channel} is failing`
      : `Notification channel ${channel} works again`;
    const summary = `Channel ${channel}: ${detail}${failing ? ` Alerts are still queued for it and will be retried; check its settings with \`ripcord alerts test ${channel}\`.` : ''}`;
    const alert: AlertRecord = {
      id: 0,
      uid,
      route: '_channels',
      groupKey: JSON.stringify([kind, channel, now]),
      status: failing ? 'open' : 'acked',
      rule: kind,
      category: 'channel',
      severity: failing ? 'high' : 'info',
      ip: null,
      user: null,
      service: null,
      message: summary,
      evidence: [],
      count: 1,
      notifiedCount: 1,
      seq: 1,
      firstFindingId: 0,
      lastFindingId: 0,
      firstAt: now,
      lastAt: now,
      openedAt: now,
      updatedAt: now,
      nextAt: null,
      lastNotifiedAt: now,
      ackedAt: failing ? null : now,
    };
    const message = systemMessage({
      kind,
      key: messageKey(uid, 1),
      ctx: context,
      route: '_channels',
      title,
      summary,
      severity: alert.severity,
      rule: kind,
      category: 'channel',
      at: now,
      commands: [`ripcord alerts test ${channel}`, 'ripcord alerts list'],
    });
    const outbox: NewOutbox[] = others.map((c) => ({ alertUid: uid, channel: c, message, nextAt: now }));
    await store.addAlert(alert, outbox);
  }

  /** Earliest time something becomes due (for sleeping until then). */
  nextDue(): Promise<number | null> {
    return this.#o.store.nextDue();
  }
}

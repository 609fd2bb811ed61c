// What the `ripcord alerts …` commands show and change, over the outbox: alerts with their
// state (an open alert quiet for longer than alerts.resolveTimeout reads as closed), one alert
// with its deliveries and next commands, acknowledging, silences, and the outbox and channel
// health summary.

import { AppError } from '../core/errors.ts';
import { nextCommands } from './message.ts';
import { parseSilenceMatch } from './match.ts';
import type { AlertRecord, ChannelHealth, OutboxItem, OutboxStatus, OutboxStore, Silence } from './ports.ts';

export interface AlertView extends Omit<AlertRecord, 'evidence' | 'message'> {
  state: 'open' | 'acked' | 'closed';
  message: string;
  evidence: string[];
}

export interface AlertDetail {
  alert: AlertView;
  deliveries: Omit<OutboxItem, 'message' | 'token'>[];
  commands: string[];
}

export interface AlertsStatus {
  outbox: Record<OutboxStatus, number>;
  channels: (ChannelHealth & { configured: boolean })[];
}

function view(a: AlertRecord, resolveTimeoutMs: number, now: number): AlertView {
  const closed = a.status === 'open' && now - a.updatedAt > resolveTimeoutMs;
  return { ...a, state: closed ? 'closed' : a.status };
}

export async function listAlerts(
  o: OutboxStore,
  q: { status?: 'open' | 'acked'; since?: number; limit: number },
  resolveTimeoutMs: number,
  now: number,
): Promise<AlertView[]> {
  return (await o.listAlerts(q)).map((a) => view(a, resolveTimeoutMs, now));
}

export async function showAlert(
  o: OutboxStore,
  id: number,
  resolveTimeoutMs: number,
  now: number,
): Promise<AlertDetail> {
  const a = await o.getAlert(id);
  if (!a) throw new AppError('not_found', `no alert ${id}`);
  const deliveries = (await o.outboxOf(id)).map(({ message: _m, token: _t, ...rest }) => rest);
  return { alert: view(a, resolveTimeoutMs, now), deliveries, commands: nextCommands(a) };
}

export async function ackAlert(
  o: OutboxStore,
  id: number,
  now: number,
): Promise<{ id: number; acked: boolean; already: boolean }> {
  const a = await o.getAlert(id);
  if (!a) throw new AppError('not_found', `no alert ${id}`);
  const acked = await o.ack(id, now);
  return { id, acked, already: !acked && a.status === 'acked' };
}

export async function addSilence(
  o: OutboxStore,
  s: { match: string; forMs: number; comment?: string | undefined },
  now: number,
): Promise<Silence> {
  const match = parseSilenceMatch(s.match);
  if (!(s.forMs > 0)) throw new AppError('usage', '--for must be a positive duration such as 30m or 2h');
  const rec = { match, startsAt: now, endsAt: now + s.forMs, comment: s.comment ?? null, createdAt: now };
  const id = await o.addSilence(rec);
  return { id, muted: 0, ...rec };
}

/** Outbox counts, and the health of every channel configured or seen (a removed channel may still have history). */
export async function alertsStatus(o: OutboxStore, configured: readonly string[]): Promise<AlertsStatus> {
  const health = await o.channelHealth();
  const names = new Set([...configured, ...health.map((h) => h.channel)]);
  const byName = new Map(health.map((h) => [h.channel, h]));
  return {
    outbox: await o.outboxCounts(),
    channels: [...names].sort().map((n) => ({
      ...(byName.get(n) ?? {
        channel: n,
        consecutiveFailures: 0,
        failingSince: null,
        lastError: null,
        lastSuccessAt: null,
        reported: false,
      }),
      configured: configured.includes(n),
    })),
  };
}

// What a message says: what happened, where (host, service), from which address, the evidence
// lines, and the commands that look further. Built from an alert when its message is queued
// and frozen in the outbox row, so a retry sends the same words. Pure; attacker-controlled
// values stay raw here and are escaped by each template for its medium.

import type { AlertMessage, AlertRecord } from './ports.ts';
import type { FlushKind } from './group.ts';
import { truncate } from '../core/escape.ts';

export interface MessageContext {
  site: string;
  host: string;
}

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The idempotency key of the `seq`-th message of an alert: stable across retries and senders. */
export const messageKey = (uid: string, seq: number): string => `${uid}.${seq}`;

/** A shell-safe argument: attacker-chosen text is quoted so a copied command does only what it says. */
export function shellArg(s: string): string {
  return /^[A-Za-z0-9_.:@%+=,/-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Commands that show more about the alert's events. */
export function nextCommands(a: Pick<AlertRecord, 'id' | 'ip' | 'user' | 'firstAt' | 'lastAt'>): string[] {
  const from = iso(a.firstAt - 3_600_000);
  const to = iso(a.lastAt + 3_600_000);
  const out: string[] = [];
  if (a.ip !== null) out.push(`ripcord logs timeline --ip ${shellArg(a.ip)} --from ${from} --to ${to}`);
  else out.push(`ripcord logs timeline --from ${from} --to ${to}`);
  out.push(a.user !== null ? `ripcord logs who --user ${shellArg(a.user)}` : 'ripcord logs who');
  if (a.id > 0) out.push(`ripcord alerts show ${a.id}`, `ripcord alerts ack ${a.id}`);
  return out;
}

function headline(a: AlertRecord): string {
  if (a.category === 'login' && a.count === 1) {
    const who = a.user ?? 'someone';
    return `${a.service ?? 'login'} login: ${who}${a.ip !== null ? ` from ${a.ip}` : ''}`;
  }
  const what = a.count > 1 ? `${a.rule} (${a.count} findings)` : a.message;
  return `${what}${a.ip !== null ? ` from ${a.ip}` : ''}`;
}

export function alertMessage(
  a: AlertRecord,
  kind: FlushKind,
  seq: number,
  previousCount: number,
  ctx: MessageContext,
): AlertMessage {
  const prefix = kind === 'update' ? 'Update: ' : kind === 'reminder' ? 'Reminder: ' : '';
  const title = truncate(`${prefix}${headline(a)}`, 160);
  let summary = a.message;
  if (a.count > 1)
    summary = `${a.count} findings of ${a.rule} between ${iso(a.firstAt)} and ${iso(a.lastAt)}. First: ${a.message}`;
  if (kind === 'reminder') summary = `Still open and not acknowledged. ${summary}`;
  return {
    kind,
    key: messageKey(a.uid, seq),
    alertId: a.id > 0 ? a.id : null,
    seq,
    site: ctx.site,
    host: ctx.host,
    route: a.route,
    title,
    summary: truncate(summary, 1000),
    severity: a.severity,
    rule: a.rule,
    category: a.category,
    service: a.service,
    ip: a.ip,
    user: a.user,
    count: a.count,
    newCount: a.count - previousCount,
    firstAt: iso(a.firstAt),
    lastAt: iso(a.lastAt),
    evidence: a.evidence.map((l) => truncate(l, 500)),
    commands: nextCommands(a),
  };
}

/** The alert id is known only once the row is stored; commands that name it are added then. */
export function withAlertId(m: AlertMessage, alertId: number | null): AlertMessage {
  if (alertId === null || m.alertId === alertId) return m;
  const extra = [`ripcord alerts show ${alertId}`, `ripcord alerts ack ${alertId}`];
  return { ...m, alertId, commands: [...m.commands.filter((c) => !c.startsWith('ripcord alerts ')), ...extra] };
}

/**
 * A message about Ripcord itself rather than about findings (a channel failing or recovered, a
 * test): no alert, address, account or evidence, sent once.
 */
export function systemMessage(m: {
  kind: AlertMessage['kind'];
  key: string;
  ctx: MessageContext;
  route: string;
  title: string;
  summary: string;
  severity: AlertMessage['severity'];
  rule: string;
  category: string;
  at: number;
  commands: string[];
}): AlertMessage {
  const at = new Date(m.at).toISOString();
  return {
    kind: m.kind,
    key: m.key,
    alertId: null,
    seq: 1,
    site: m.ctx.site,
    host: m.ctx.host,
    route: m.route,
    title: m.title,
    summary: m.summary,
    severity: m.severity,
    rule: m.rule,
    category: m.category,
    service: null,
    ip: null,
    user: null,
    count: 1,
    newCount: 1,
    firstAt: at,
    lastAt: at,
    evidence: [],
    commands: m.commands,
  };
}

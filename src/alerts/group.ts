// Grouping and throttling, as in Alertmanager: findings with one group key on one route make
// one alert; its first message waits `groupWait` for company, later news goes out at most every
// `groupInterval`, an alert with no news is repeated every `repeatInterval` (if set) until it
// is acknowledged or closed. Pure: state in, state out.

import type { RouteSpec } from '../core/config/alerts.ts';
import type { AlertRecord, StoredFindingLike } from './ports.ts';
import { severityRank } from './match.ts';

/** Evidence lines kept per alert: enough to see what happened, not a copy of the log. */
const maxEvidence = 10;

export function openAlert(route: RouteSpec, key: string, f: StoredFindingLike, now: number, uid: string): AlertRecord {
  return {
    id: 0,
    uid,
    route: route.name,
    groupKey: key,
    status: 'open',
    rule: f.rule,
    category: f.category,
    severity: f.severity,
    ip: f.ip,
    user: f.user,
    service: f.service,
    message: f.message,
    evidence: f.evidence.slice(0, maxEvidence),
    count: 1,
    notifiedCount: 0,
    seq: 0,
    firstFindingId: f.id,
    lastFindingId: f.id,
    firstAt: f.time,
    lastAt: f.time,
    openedAt: now,
    updatedAt: now,
    nextAt: now + route.groupWait,
    lastNotifiedAt: null,
    ackedAt: null,
  };
}

/** Adds a finding to an open alert of its group. */
export function addToAlert(a: AlertRecord, route: RouteSpec, f: StoredFindingLike, now: number): AlertRecord {
  const evidence = a.evidence.length >= maxEvidence ? a.evidence : [...a.evidence, ...f.evidence].slice(0, maxEvidence);
  // Fields that differ across the group are no longer "the" value of the alert.
  const same = (x: string | null, y: string | null): string | null => (x === y ? x : null);
  let nextAt = a.nextAt;
  if (a.lastNotifiedAt !== null) {
    // News after a message: the next one waits out the group interval from the last one.
    const news = a.lastNotifiedAt + route.groupInterval;
    nextAt = nextAt === null ? Math.max(now, news) : Math.min(nextAt, Math.max(now, news));
  }
  return {
    ...a,
    severity: severityRank(f.severity) > severityRank(a.severity) ? f.severity : a.severity,
    ip: same(a.ip, f.ip),
    user: same(a.user, f.user),
    service: same(a.service, f.service),
    rule: a.rule === f.rule ? a.rule : a.rule,
    evidence,
    count: a.count + 1,
    lastFindingId: Math.max(a.lastFindingId, f.id),
    firstAt: Math.min(a.firstAt, f.time),
    lastAt: Math.max(a.lastAt, f.time),
    updatedAt: now,
    nextAt,
  };
}

export type FlushKind = 'alert' | 'update' | 'reminder';

/**
 * Whether a message is due for the alert at `now`, and the alert after queueing it. An alert
 * that is due but has neither news nor a reminder to give just clears its timer.
 */
export function flush(a: AlertRecord, route: RouteSpec, now: number): { alert: AlertRecord; kind: FlushKind | null } {
  if (a.nextAt === null || a.nextAt > now || a.status !== 'open') return { alert: a, kind: null };
  const news = a.count > a.notifiedCount;
  const kind: FlushKind | null =
    a.seq === 0 ? 'alert' : news ? 'update' : route.repeatInterval !== null ? 'reminder' : null;
  if (kind === null) return { alert: { ...a, nextAt: null }, kind: null };
  return {
    kind,
    alert: {
      ...a,
      seq: a.seq + 1,
      notifiedCount: a.count,
      lastNotifiedAt: now,
      nextAt: route.repeatInterval === null ? null : now + route.repeatInterval,
    },
  };
}

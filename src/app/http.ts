// What the HTTP API needs from the app beyond the CLI's functions: a cursor page of findings,
// and the audit log of writes (one JSON line per write: when, which token, what, the status),
// kept beside the store in the state folder.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from './context.ts';
import { searchLogs, who, type StoredEvent, type StoredFinding, type WhoRow } from '../logs/index.ts';

export async function findingsPage(
  app: App,
  after: number,
  limit: number,
): Promise<{ items: StoredFinding[]; next: number | null }> {
  const items = await (await app.findings()).findingsAfter(after, limit);
  return { items, next: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
}

export async function auditWrite(
  app: App,
  e: { by: string; method: string; path: string; status: number },
): Promise<void> {
  mkdirSync(app.config.stateDir, { recursive: true });
  appendFileSync(
    join(app.config.stateDir, 'http-audit.jsonl'),
    `${JSON.stringify({ time: new Date(app.clock.now()).toISOString(), ...e })}\n`,
    { mode: 0o600 },
  );
}

/** Requests and logins, newest first (the CLI's `logs search`). */
export async function trafficSearch(
  app: App,
  q: { ip?: string; path?: string; method?: string; since?: number; until?: number; limit: number },
): Promise<StoredEvent[]> {
  return searchLogs(await app.events(), {
    limit: q.limit,
    ...(q.ip !== undefined ? { ip: q.ip } : {}),
    ...(q.path !== undefined ? { pathGlob: q.path } : {}),
    ...(q.method !== undefined ? { method: q.method.toUpperCase() } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  });
}

/** Logins and connections (the CLI's `logs who`). */
export async function logins(
  app: App,
  q: { since?: number; until?: number; failed?: 'true' | 'false'; limit: number },
): Promise<WhoRow[]> {
  return who(await app.events(), {
    limit: q.limit,
    failed: q.failed === 'true',
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  });
}

/** The newest findings first (the dashboard's overview). */
export async function recentFindings(app: App, limit: number): Promise<StoredFinding[]> {
  return (await app.findings()).listFindings({ limit });
}

/** Everything one address did, for the dashboard's attacker page: its findings and its traffic. */
export async function addressActivity(
  app: App,
  ip: string,
  limit: number,
): Promise<{ findings: StoredFinding[]; events: StoredEvent[] }> {
  const [findings, events] = await Promise.all([
    (await app.findings()).listFindings({ ip, limit }),
    searchLogs(await app.events(), { ip, limit }),
  ]);
  return { findings, events };
}

// What the HTTP API needs from the app beyond the CLI's functions: a cursor page of findings,
// and the audit log of writes (one JSON line per write: when, which token, what, the status),
// kept beside the store in the state folder.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from './context.ts';
import type { StoredFinding } from '../logs/index.ts';

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

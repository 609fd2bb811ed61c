// Builds the detection engine from the config for the traffic pipeline, with the login
// history behind the first-seen rules loaded from the traffic record (the stored successful
// logins are the history: nothing extra needs writing back).

import type { LoadedConfig } from './config.ts';
import type { EventDetector } from '../logs/pipeline.ts';
import type { EventStore } from '../logs/ports.ts';
import { MemoryLoginHistory } from '../detect/index.ts';
import { detectorFor } from './detect.ts';

/** How far back, and how many, stored logins seed the history. */
const HISTORY_DAYS = 400;
const HISTORY_MAX = 200_000;

export async function loginHistory(store: EventStore, now = Date.now()): Promise<MemoryLoginHistory> {
  const history = new MemoryLoginHistory();
  const rows = await store.searchAuth({
    loginsOnly: true,
    outcome: 'success',
    since: now - HISTORY_DAYS * 86_400_000,
    limit: HISTORY_MAX,
  });
  // Oldest first, as they happened.
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r && r.user !== null) history.remember({ service: r.service, user: r.user, ip: r.ip, time: r.time });
  }
  return history;
}

export async function buildDetector(loaded: LoadedConfig, store: EventStore): Promise<EventDetector | undefined> {
  if (!loaded.config.detect.enabled) return undefined;
  return detectorFor(loaded, await loginHistory(store));
}

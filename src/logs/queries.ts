// The questions an owner asks the traffic record in an emergency: search (requests and logins
// merged by time), who logged in (and whether from a new address), top talkers, and the
// timeline of everything between two instants.

import { AppError } from '../core/errors.ts';
import type {
  AuthQuery,
  EventStore,
  HttpQuery,
  StoredAuth,
  StoredEvent,
  StoredFinding,
  TopBy,
  FindingStore,
} from './ports.ts';

export interface SearchOptions extends Omit<HttpQuery, 'limit'> {
  limit?: number;
  service?: AuthQuery['service'];
  kind?: 'http' | 'auth' | 'all';
}

/**
 * Searches the record, newest first. HTTP-only filters (path, method, status) search requests;
 * user/service search logins; with neither, both kinds are merged by time.
 */
export async function searchLogs(store: EventStore, q: SearchOptions): Promise<StoredEvent[]> {
  const limit = q.limit ?? 100;
  const httpOnly =
    q.pathGlob !== undefined || q.pathRe !== undefined || q.method !== undefined || (q.status?.length ?? 0) > 0;
  const authOnly = q.service !== undefined;
  if (httpOnly && authOnly)
    throw new AppError(
      'usage',
      '--service applies to logins; --path, --method and --status to web requests: use one kind',
    );
  const kind = q.kind ?? (httpOnly ? 'http' : authOnly ? 'auth' : 'all');
  const common = {
    ...(q.ip !== undefined ? { ip: q.ip } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.source !== undefined ? { source: q.source } : {}),
    ...(q.host !== undefined ? { host: q.host } : {}),
    limit,
  };
  const out: StoredEvent[] = [];
  if (kind !== 'auth') {
    const { service: _s, kind: _k, ...http } = q;
    out.push(...(await store.searchHttp({ ...http, ...common })));
  }
  if (kind !== 'http')
    out.push(...(await store.searchAuth({ ...common, ...(q.service !== undefined ? { service: q.service } : {}) })));
  out.sort((a, b) => b.time - a.time || b.id - a.id);
  return out.slice(0, limit);
}

export interface WhoRow extends StoredAuth {
  /** Whether this user had logged in successfully from this IP before this event. */
  knownIp: boolean | null;
}

/** Every login and connection (SSH, FTP, sudo, shop admin), newest first. */
export async function who(
  store: EventStore,
  q: {
    since?: number;
    until?: number;
    user?: string;
    service?: AuthQuery['service'];
    failed?: boolean;
    host?: string;
    limit?: number;
  },
): Promise<WhoRow[]> {
  const rows = await store.searchAuth({
    ...(q.host !== undefined ? { host: q.host } : {}),
    loginsOnly: true,
    ...(q.failed ? {} : { outcome: 'success' as const }),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.service !== undefined ? { service: q.service } : {}),
    limit: q.limit ?? 100,
  });
  const out: WhoRow[] = [];
  for (const r of rows) {
    const knownIp = r.user !== null && r.ip !== null ? await store.seenBefore(r.user, r.ip, r.time) : null;
    out.push({ ...r, knownIp });
  }
  return out;
}

export async function top(
  store: EventStore,
  by: TopBy,
  q: { since?: number; until?: number; limit?: number },
): Promise<{ value: string | null; count: number }[]> {
  return store.top(by, q.since, q.until, q.limit ?? 20);
}

export type TimelineItem = StoredEvent | (StoredFinding & { kind: 'finding' });

/** Every kind of event and finding between two instants, oldest first. */
export async function timeline(
  store: EventStore,
  found: FindingStore,
  q: { from: number; to: number; ip?: string; limit?: number },
): Promise<TimelineItem[]> {
  const limit = q.limit ?? 1000;
  const base = { since: q.from, until: q.to, limit, ...(q.ip !== undefined ? { ip: q.ip } : {}) };
  const [http, auth, findings] = await Promise.all([
    store.searchHttp(base),
    store.searchAuth(base),
    found.listFindings(base),
  ]);
  const items: TimelineItem[] = [...http, ...auth, ...findings.map((f) => ({ ...f, kind: 'finding' as const }))];
  items.sort((a, b) => a.time - b.time || kindOrder(a) - kindOrder(b) || a.id - b.id);
  return items.slice(-limit);
}

function kindOrder(i: TimelineItem): number {
  return i.kind === 'finding' ? 2 : i.kind === 'auth' ? 1 : 0;
}

// The integrity subsystem's TrafficLookup answered from the traffic record: the requests
// recorded just before a file changed, so the owner sees the likely entry point. The context
// (context.ts) serves it over its one open store.

import type { TrafficRequest } from '../integrity/index.ts';
import type { EventStore } from '../logs/index.ts';

export async function requestsAround(
  events: EventStore,
  timeMs: number,
  beforeMs: number,
  limit: number,
): Promise<TrafficRequest[]> {
  const rows = await events.searchHttp({ since: timeMs - beforeMs, until: timeMs + 60_000, limit });
  return rows.map((r) => ({
    time: r.time,
    ip: r.ip,
    method: r.method,
    path: r.path,
    query: r.query,
    status: r.status,
    userAgent: r.userAgent,
  }));
}

// The integrity subsystem's TrafficLookup over the traffic record: the requests recorded just
// before a file changed, so the owner sees the likely entry point. The store is opened per
// lookup (a check makes few) and only when it exists, so a check never creates a store.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config/index.ts';
import type { TrafficLookup, TrafficRequest } from '../integrity/index.ts';
import { openStore } from './store.ts';

export function storeTrafficLookup(config: Pick<Config, 'store' | 'stateDir'>): TrafficLookup {
  const sqliteFile =
    config.store === 'sqlite'
      ? join(config.stateDir, 'ripcord.db')
      : config.store.startsWith('sqlite:')
        ? config.store.slice(7)
        : null;
  return {
    async requestsAround(timeMs: number, beforeMs: number, limit: number): Promise<TrafficRequest[]> {
      if (sqliteFile !== null && !existsSync(sqliteFile)) return [];
      const s = await openStore(config);
      try {
        const rows = await s.events.searchHttp({ since: timeMs - beforeMs, until: timeMs + 60_000, limit });
        return rows.map((r) => ({
          time: r.time,
          ip: r.ip,
          method: r.method,
          path: r.path,
          query: r.query,
          status: r.status,
          userAgent: r.userAgent,
        }));
      } finally {
        await s.close();
      }
    },
  };
}

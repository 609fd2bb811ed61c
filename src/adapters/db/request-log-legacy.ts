// Opens stores written before column blocks: version 1 kept SQLite requests as rows in
// partitions (http_p0, http_p1, …, listed in http_parts, addresses interned in log_ips). This
// moves their rows into blocks with their ids unchanged (findings point at them), then drops the
// old tables, all in one transaction: a crash half-way leaves the old layout to convert again.

import type { HttpEvent } from '../../logs/index.ts';
import type { SqliteDb } from './sqlite.ts';
import { BLOCK_MAX_ROWS, type RowColumns } from './request-block.ts';
import type { RequestLog } from './request-log.ts';

/** A row of a version-1 partition: the request's own fields plus where it was kept. */
type LegacyRow = Pick<
  HttpEvent,
  'time' | 'ip' | 'method' | 'path' | 'query' | 'protocol' | 'status' | 'bytes' | 'user' | 'vhost'
> & {
  id: number;
  src: number;
  line: number;
  dur: number | null;
  referer_s: string | null;
  ua_s: string | null;
};

/** Converts version-1 request partitions to blocks; returns how many requests moved. */
export function convertLegacyPartitions(db: SqliteDb, log: RequestLog): number {
  const has = db.raw.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'http_parts'").get();
  if (has === undefined) return 0;
  return db.txSync(() => {
    const tables = (
      db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'http_p[0-9]*'").all() as {
        name: string;
      }[]
    )
      .map((r) => r.name)
      .filter((n) => /^http_p\d+$/.test(n))
      .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    let moved = 0;
    let pending: RowColumns = { ids: [], srcs: [], lines: [], events: [] };
    for (const t of tables) {
      const rows = db.raw
        .prepare(
          `SELECT e.*, r.s AS referer_s, u.s AS ua_s FROM ${t} e LEFT JOIN log_strings r ON r.id = e.referer LEFT JOIN log_strings u ON u.id = e.ua ORDER BY e.id`,
        )
        .iterate() as Iterable<unknown>;
      for (const raw of rows) {
        const r = raw as LegacyRow;
        pending.ids.push(r.id);
        pending.srcs.push(r.src);
        pending.lines.push(r.line);
        pending.events.push({
          kind: 'http',
          time: r.time,
          ip: r.ip,
          method: r.method,
          path: r.path,
          query: r.query,
          protocol: r.protocol,
          status: r.status,
          bytes: r.bytes,
          referer: r.referer_s,
          userAgent: r.ua_s,
          user: r.user,
          vhost: r.vhost,
          durationMs: r.dur,
        });
        if (pending.events.length === BLOCK_MAX_ROWS) {
          log.restore(pending);
          moved += pending.events.length;
          pending = { ids: [], srcs: [], lines: [], events: [] };
        }
      }
    }
    log.restore(pending);
    moved += pending.events.length;
    db.raw.exec('DROP VIEW IF EXISTS http_events;');
    for (const t of tables) db.raw.exec(`DROP TABLE ${t};`);
    db.raw.exec('DROP TABLE http_parts; DROP TABLE IF EXISTS log_ips;');
    return moved;
  });
}

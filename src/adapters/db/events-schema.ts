// Tables of the traffic record, per dialect: events (HTTP and authentication), rejected lines,
// findings, interned strings (user agents and referers repeat endlessly) and source checkpoints.
// On SQLite, requests live in partitions of a bounded number of rows (http_p0, http_p1, …,
// listed in http_parts, readable together through the view http_events): index maintenance,
// the costliest part of an insert, then touches only small indexes — measured 2.5x ingest speed
// at 2 million rows, and more as the record grows — and retention drops whole partitions.
// Requests are indexed by an interned IP number rather than the text, for compact index keys.

import type { Migration } from './db.ts';

/** Rows per SQLite request partition before a new one starts. */
export const PARTITION_ROWS = 100_000;
/** Event ids of partition n start at n * ID_STRIDE, so ids stay unique across partitions. */
export const ID_STRIDE = 1_000_000_000;

export const httpPartitionColumns = `id INTEGER PRIMARY KEY, src INTEGER NOT NULL, line INTEGER NOT NULL, time INTEGER NOT NULL,
  ipid INTEGER NOT NULL, ip TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, protocol TEXT NOT NULL,
  status INTEGER NOT NULL, bytes INTEGER, referer INTEGER, ua INTEGER, user TEXT, vhost TEXT, dur INTEGER`;

/**
 * DDL of request partition n (SQLite). The (ip, time) index is built when the partition is
 * sealed, not kept up row by row: addresses arrive in random order, and that one index cost a
 * quarter of ingest time (149k vs 198k lines/s on one core). Until then, an address search
 * scans the one open partition (at most PARTITION_ROWS rows, a few milliseconds).
 */
export function httpPartitionDdl(n: number): string {
  return `CREATE TABLE http_p${n} (${httpPartitionColumns});
CREATE INDEX http_p${n}_time ON http_p${n} (time);
CREATE INDEX http_p${n}_status ON http_p${n} (status, time);`;
}

/** Builds the (ip, time) index of a full partition, in one sorted pass. */
export function httpPartitionSealDdl(n: number): string {
  return `CREATE INDEX IF NOT EXISTS http_p${n}_ip ON http_p${n} (ipid, time);`;
}

/** The view over all partitions, for ad-hoc SQL and tests. */
export function httpViewDdl(parts: readonly number[]): string {
  const body = parts.length === 0 ? `SELECT * FROM http_p0 WHERE 0` : parts.map((n) => `SELECT * FROM http_p${n}`).join(' UNION ALL ');
  return `DROP VIEW IF EXISTS http_events; CREATE VIEW http_events AS ${body};`;
}

export const eventsMigrations: Migration[] = [
  {
    version: 1,
    sqlite: `
CREATE TABLE log_sources (num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, checkpoint TEXT,
  lines INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, updated_at INTEGER);
CREATE TABLE log_strings (id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);
CREATE TABLE log_ips (id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE);
CREATE TABLE http_parts (n INTEGER PRIMARY KEY, rows INTEGER NOT NULL DEFAULT 0, min_time INTEGER, max_time INTEGER);
CREATE TABLE auth_events (id INTEGER PRIMARY KEY, src INTEGER NOT NULL, line INTEGER NOT NULL, time INTEGER NOT NULL,
  service TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, user TEXT, ip TEXT, port INTEGER, method TEXT,
  invalid_user INTEGER NOT NULL, target_user TEXT, command TEXT, host TEXT, program TEXT, message TEXT NOT NULL);
CREATE INDEX auth_time ON auth_events (time);
CREATE INDEX auth_ip_time ON auth_events (ip, time);
CREATE INDEX auth_user_ip ON auth_events (user, ip, time);
CREATE TABLE log_rejects (id INTEGER PRIMARY KEY, src INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL,
  reason TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE findings (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, rule TEXT NOT NULL, category TEXT NOT NULL,
  severity TEXT NOT NULL, ip TEXT, user TEXT, service TEXT, field TEXT NOT NULL, match TEXT NOT NULL, message TEXT NOT NULL,
  group_key TEXT NOT NULL, evidence TEXT NOT NULL, src INTEGER, event_kind TEXT, event_id INTEGER, created_at INTEGER NOT NULL);
CREATE INDEX findings_time ON findings (time);
CREATE INDEX findings_ip ON findings (ip, time);
`,
    postgres: `
CREATE TABLE log_sources (num SERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, checkpoint TEXT,
  lines BIGINT NOT NULL DEFAULT 0, events BIGINT NOT NULL DEFAULT 0, skipped BIGINT NOT NULL DEFAULT 0,
  rejected BIGINT NOT NULL DEFAULT 0, updated_at BIGINT);
CREATE TABLE log_strings (id BIGSERIAL PRIMARY KEY, s TEXT NOT NULL UNIQUE);
CREATE TABLE http_events (id BIGSERIAL PRIMARY KEY, src INTEGER NOT NULL, line BIGINT NOT NULL, time BIGINT NOT NULL,
  ip TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, protocol TEXT NOT NULL,
  status INTEGER NOT NULL, bytes BIGINT, referer BIGINT, ua BIGINT, "user" TEXT, vhost TEXT, dur INTEGER);
CREATE INDEX http_time ON http_events (time);
CREATE INDEX http_ip_time ON http_events (ip, time);
CREATE INDEX http_status_time ON http_events (status, time);
CREATE TABLE auth_events (id BIGSERIAL PRIMARY KEY, src INTEGER NOT NULL, line BIGINT NOT NULL, time BIGINT NOT NULL,
  service TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, "user" TEXT, ip TEXT, port INTEGER, method TEXT,
  invalid_user BOOLEAN NOT NULL, target_user TEXT, command TEXT, host TEXT, program TEXT, message TEXT NOT NULL);
CREATE INDEX auth_time ON auth_events (time);
CREATE INDEX auth_ip_time ON auth_events (ip, time);
CREATE INDEX auth_user_ip ON auth_events ("user", ip, time);
CREATE TABLE log_rejects (id BIGSERIAL PRIMARY KEY, src INTEGER NOT NULL, line BIGINT NOT NULL, text TEXT NOT NULL,
  reason TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE findings (id BIGSERIAL PRIMARY KEY, time BIGINT NOT NULL, rule TEXT NOT NULL, category TEXT NOT NULL,
  severity TEXT NOT NULL, ip TEXT, "user" TEXT, service TEXT, field TEXT NOT NULL, match TEXT NOT NULL, message TEXT NOT NULL,
  group_key TEXT NOT NULL, evidence TEXT NOT NULL, src INTEGER, event_kind TEXT, event_id BIGINT, created_at BIGINT NOT NULL);
CREATE INDEX findings_time ON findings (time);
CREATE INDEX findings_ip ON findings (ip, time);
`,
  },
];

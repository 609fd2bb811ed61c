// Tables of the traffic record, per dialect: events (HTTP and authentication), rejected lines,
// findings, interned strings (PostgreSQL: user agents and referers repeat endlessly) and source
// checkpoints. On SQLite, requests are kept in column blocks (request-log.ts, from version 2);
// version 1's row partitions (http_p0, http_p1, … listed in http_parts) are converted to blocks
// by request-log-legacy.ts when an older store is opened.

import type { Migration } from './db.ts';
import { requestLogDdl } from './request-log.ts';

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
  {
    version: 2,
    sqlite: requestLogDdl,
    // PostgreSQL keeps requests in its http_events table.
    postgres: 'SELECT 1;',
  },
  {
    // Several web servers on one store: the host each source and finding came from.
    version: 3,
    sqlite: `
ALTER TABLE log_sources ADD COLUMN host TEXT;
ALTER TABLE findings ADD COLUMN host TEXT;
CREATE INDEX findings_host ON findings (host, time);
`,
    postgres: `
ALTER TABLE log_sources ADD COLUMN host TEXT;
ALTER TABLE findings ADD COLUMN host TEXT;
CREATE INDEX findings_host ON findings (host, time);
`,
  },
  {
    // Cheaper indexes at ingest (each request pays one entry in each). Searches by status look
    // for errors (401, 403, 404, 500…); a shop's 200s and 304s are found soon enough along the
    // time index, so only status >= 400 is indexed. Addresses are indexed by their hash: a
    // random insert into a btree of integers costs about half of one of collated text, and a
    // search asks for the hash and then the address itself (postgres-events-store.ts).
    version: 4,
    sqlite: 'SELECT 1;',
    postgres: `
DROP INDEX IF EXISTS http_status_time;
CREATE INDEX http_status_time ON http_events (status, time) WHERE status >= 400;
DROP INDEX IF EXISTS http_ip_time;
CREATE INDEX http_ip_time ON http_events ((hashtext(ip)), time);
`,
  },
];

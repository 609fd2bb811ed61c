// Tables of the alerts subsystem, per dialect: the dispatcher's cursor over findings, alerts
// (groups of findings), the outbox of messages per channel, silences and channel health.
// Times are milliseconds since the epoch; JSON columns are TEXT.

import type { Migration } from './db.ts';

const tables = (id: string, int: string): string => `
CREATE TABLE alert_cursor (name TEXT PRIMARY KEY, after_id ${int} NOT NULL, seen TEXT NOT NULL, version ${int} NOT NULL);
CREATE TABLE alerts (id ${id}, uid TEXT NOT NULL UNIQUE, route TEXT NOT NULL, group_key TEXT NOT NULL,
  status TEXT NOT NULL, rule TEXT NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL, ip TEXT, "user" TEXT, service TEXT,
  message TEXT NOT NULL, evidence TEXT NOT NULL, count ${int} NOT NULL, notified_count ${int} NOT NULL, seq ${int} NOT NULL,
  first_finding ${int} NOT NULL, last_finding ${int} NOT NULL, first_at ${int} NOT NULL, last_at ${int} NOT NULL,
  opened_at ${int} NOT NULL, updated_at ${int} NOT NULL, next_at ${int}, last_notified_at ${int}, acked_at ${int});
CREATE INDEX alerts_group ON alerts (route, group_key, updated_at);
CREATE INDEX alerts_due ON alerts (next_at) WHERE status = 'open' AND next_at IS NOT NULL;
CREATE TABLE alert_outbox (id ${id}, alert_id ${int}, channel TEXT NOT NULL, idem_key TEXT NOT NULL, message TEXT NOT NULL,
  status TEXT NOT NULL, attempts ${int} NOT NULL DEFAULT 0, created_at ${int} NOT NULL, next_at ${int} NOT NULL,
  lease_until ${int}, token TEXT, sent_at ${int}, last_error TEXT, UNIQUE (idem_key, channel));
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_at);
CREATE INDEX alert_outbox_alert ON alert_outbox (alert_id);
CREATE TABLE alert_silences (id ${id}, match TEXT NOT NULL, starts_at ${int} NOT NULL, ends_at ${int} NOT NULL,
  comment TEXT, created_at ${int} NOT NULL, muted ${int} NOT NULL DEFAULT 0);
CREATE TABLE alert_channels (channel TEXT PRIMARY KEY, failures ${int} NOT NULL, failing_since ${int}, last_error TEXT,
  last_success_at ${int}, reported ${int} NOT NULL);
INSERT INTO alert_cursor (name, after_id, seen, version) VALUES ('main', 0, '[]', 0);
`;

export const alertsMigrations: Migration[] = [
  {
    version: 1,
    sqlite: tables('INTEGER PRIMARY KEY', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
];

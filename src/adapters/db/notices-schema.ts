// Tables of the notices subsystem, per dialect: audiences, their recipients (unique per
// normalised address within an audience) and the rows not taken in (invalid, duplicate);
// campaigns and their outbox (version 2): one row per (notice version, address), the legal
// record of who was told what, when.

import type { Migration } from './db.ts';

const tables = (id: string, int: string): string => `
CREATE TABLE notice_audiences (id ${id}, name TEXT NOT NULL UNIQUE, origin TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE notice_recipients (pos ${id}, audience_id ${int} NOT NULL, addr_key TEXT NOT NULL, email TEXT NOT NULL,
  name TEXT, first_name TEXT, last_name TEXT, country TEXT, region TEXT, jurisdiction TEXT, source TEXT NOT NULL,
  extra TEXT NOT NULL, UNIQUE (audience_id, addr_key));
CREATE INDEX notice_recipients_audience ON notice_recipients (audience_id, pos);
CREATE TABLE notice_problems (id ${id}, audience_id ${int} NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX notice_problems_audience ON notice_problems (audience_id, id);
`;

const outbox = (id: string, int: string): string => `
CREATE TABLE notice_campaigns (id ${id}, name TEXT NOT NULL UNIQUE, audience_id ${int} NOT NULL, template TEXT NOT NULL,
  variants TEXT NOT NULL, sources TEXT NOT NULL, vals TEXT NOT NULL, version TEXT NOT NULL, incident TEXT,
  status TEXT NOT NULL, created_at TEXT NOT NULL, skipped ${int} NOT NULL DEFAULT 0, sender TEXT);
CREATE TABLE notice_outbox (id ${id}, campaign_id ${int} NOT NULL, version TEXT NOT NULL, addr_key TEXT NOT NULL,
  pos ${int} NOT NULL, variant TEXT NOT NULL, status TEXT NOT NULL, attempts ${int} NOT NULL DEFAULT 0,
  next_at ${int} NOT NULL, token TEXT, message_id TEXT, reply TEXT, sent_at ${int}, last_error TEXT,
  UNIQUE (version, addr_key));
CREATE INDEX notice_outbox_due ON notice_outbox (campaign_id, next_at, id) WHERE status = 'pending';
CREATE INDEX notice_outbox_campaign ON notice_outbox (campaign_id, id);
`;

export const noticesMigrations: Migration[] = [
  {
    version: 1,
    sqlite: tables('INTEGER PRIMARY KEY', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
  {
    version: 2,
    sqlite: outbox('INTEGER PRIMARY KEY', 'INTEGER'),
    postgres: outbox('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
];

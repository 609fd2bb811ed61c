// Tables of the notices subsystem, per dialect: audiences, their recipients (unique per
// normalised address within an audience) and the rows not taken in (invalid, duplicate).

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

export const noticesMigrations: Migration[] = [
  {
    version: 1,
    sqlite: tables('INTEGER PRIMARY KEY', 'INTEGER'),
    postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT'),
  },
];

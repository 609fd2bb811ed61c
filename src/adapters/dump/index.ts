// The kinds of backup job, one component module each (type, schema, create): the registry that
// `backup.jobs` in ripcord.yml is checked with and job sources are built from. A new kind is
// its module in this folder plus one line here.

import { registry } from '../../core/component.ts';
import type { JobSource } from '../../backup/ports.ts';
import type { JobContext } from './context.ts';
import * as files from './files.ts';
import * as mysql from './mysql.ts';
import * as postgres from './postgres.ts';
import * as sqlite from './sqlite.ts';

export type { JobContext } from './context.ts';

export type JobSpec = files.FilesJobSpec | postgres.PostgresJobSpec | mysql.MysqlJobSpec | sqlite.SqliteJobSpec;

export const jobKinds = registry<JobSpec, JobContext, JobSource>('backup job', [files, postgres, mysql, sqlite]);

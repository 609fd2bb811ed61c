// Config schema of backups (`backup:`): the jobs, each a component (files, postgres, mysql,
// sqlite: adapters/dump/) whose schema is passed in, since core imports nothing from adapters.
// The fields every job shares are here, so each kind adds only its own.

import { z } from 'zod';
import { cronExpr } from './cron.ts';

/** restic's keep rules for one job's snapshots (`backup forget`). */
const keepSchema = z.strictObject({
  last: z.number().int().min(0).optional().describe('Keep the newest N snapshots.'),
  hourly: z.number().int().min(0).optional().describe('Keep the newest snapshot of each of the last N hours.'),
  daily: z.number().int().min(0).optional().describe('Keep the newest snapshot of each of the last N days.'),
  weekly: z.number().int().min(0).optional().describe('Keep the newest snapshot of each of the last N weeks.'),
  monthly: z.number().int().min(0).optional().describe('Keep the newest snapshot of each of the last N months.'),
  yearly: z.number().int().min(0).optional().describe('Keep the newest snapshot of each of the last N years.'),
});

/** Fields of every job, spread into each kind's strict schema. */
export const jobCommonFields = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (up to 64), starting with a letter or digit')
    .describe('Name of the job: `ripcord backup run NAME`, and the `job:NAME` tag of its snapshots.'),
  schedule: cronExpr
    .optional()
    .describe('Cron expression (`0 * * * *` hourly) for `ripcord run`; none means only by hand.'),
  keep: keepSchema
    .optional()
    .describe('Retention, like restic: a snapshot any rule keeps is kept; the rest go with `backup forget`.'),
  offsite: z
    .string()
    .optional()
    .describe('A name from repository.offsite: every snapshot of this job is copied there after the backup.'),
};

export interface JobSpecBase {
  type: string;
  name: string;
  schedule?: string | undefined;
  keep?: z.infer<typeof keepSchema> | undefined;
  offsite?: string | undefined;
}

export const backupSchemaOf = <J extends JobSpecBase>(job: z.ZodType<J>) =>
  z
    .strictObject({
      jobs: z.array(job).default([]).describe('What is backed up: file trees and databases, each a named job.'),
    })
    .prefault({});

// `ripcord plan check`: what the plan lacks, from the configuration as it is now (it may have
// been edited since `ripcord init`), the answers, and the record of restore drills. Pure: the
// app reads the files and the drill log and passes them in.

import type { Config } from '../core/config/index.ts';
import { contactRoles, type Answers, type ContactRole } from './answers.ts';

export interface Lack {
  /** Stable id for scripts: `no-offsite-backup`, `contact-missing:lawyer`, ... */
  id: string;
  what: string;
  fix: string;
}

/** One restore drill as `backup drill` records it (`<stateDir>/backup/drills.jsonl`). */
export interface DrillRecord {
  time: string;
  ok: boolean;
}

export const roleNames: Record<ContactRole, string> = {
  owner: 'owner',
  developer: 'developer',
  host: 'hosting company',
  paymentProcessor: 'payment processor',
  acquirer: 'acquirer (merchant bank)',
  lawyer: 'lawyer',
  insurer: 'cyber insurer',
};

const YEAR_MS = 365 * 86_400_000;

export interface CheckInput {
  config: Config;
  answers: Answers | null;
  drills: readonly DrillRecord[];
  now: number;
}

export function checkPlan({ config, answers, drills, now }: CheckInput): Lack[] {
  const lacks: Lack[] = [];
  const jobs = config.backup.jobs;
  if (jobs.length === 0)
    lacks.push({
      id: 'no-backup-job',
      what: 'no backup jobs: nothing is backed up',
      fix: 'add jobs under backup.jobs (or run `ripcord init` again)',
    });
  else if (jobs.every((j) => j.type === 'files') && answers !== null && answers.database.type !== 'none')
    lacks.push({
      id: 'no-database-backup',
      what: 'the shop database is not backed up',
      fix: 'add a mysql, postgres or sqlite job under backup.jobs',
    });
  const unscheduled = jobs.filter((j) => j.schedule === undefined).map((j) => j.name);
  if (unscheduled.length > 0)
    lacks.push({
      id: 'backup-unscheduled',
      what: `backup job(s) without a schedule run only by hand: ${unscheduled.join(', ')}`,
      fix: 'give each job a cron `schedule` and keep `ripcord run` running',
    });
  const offsiteNames = Object.keys(config.repository.offsite);
  const copied = jobs.filter((j) => j.offsite !== undefined);
  if (offsiteNames.length === 0 || copied.length === 0)
    lacks.push({
      id: 'no-offsite-backup',
      what:
        offsiteNames.length === 0
          ? 'no off-site backup: a backup on the same server dies with it'
          : 'an off-site location is configured but no job copies to it',
      fix: 'add repository.offsite (SFTP, rclone or another disk) and `offsite:` on each job',
    });
  else if (copied.length < jobs.length)
    lacks.push({
      id: 'no-offsite-backup',
      what: `job(s) not copied off-site: ${jobs
        .filter((j) => j.offsite === undefined)
        .map((j) => j.name)
        .join(', ')}`,
      fix: 'add `offsite:` to each job',
    });
  if (Object.keys(config.alerts.channels).length === 0)
    lacks.push({
      id: 'no-alert-channel',
      what: 'no alert channel: nobody is told about logins, attacks or failed backups',
      fix: 'add a channel under alerts.channels (e-mail, ntfy, Slack, webhook) and test it: `ripcord alerts test NAME`',
    });
  if (config.sources.length === 0)
    lacks.push({
      id: 'no-traffic-source',
      what: 'no traffic is recorded: the cause of a break-in cannot be found afterwards',
      fix: 'add the web access log (and the login log) under sources',
    });
  if (answers === null)
    lacks.push({
      id: 'no-answers',
      what: 'no plan answers beside the configuration: contacts and customer locations are unknown',
      fix: 'run `ripcord init` (or `ripcord init --answers FILE`)',
    });
  else {
    for (const role of contactRoles) {
      if (role === 'acquirer' && answers.data.cards === 'never' && answers.contacts.paymentProcessor.name !== '')
        continue;
      const c = answers.contacts[role];
      if (c.name === '' || c.reach === '')
        lacks.push({
          id: `contact-missing:${role}`,
          what: `contact missing: the ${roleNames[role]}${c.name !== '' ? ` (${c.name}) has no phone or e-mail` : ''}`,
          fix: `fill contacts.${role} in the answers file and run \`ripcord plan\``,
        });
    }
  }
  const lastOk = drills
    .filter((d) => d.ok)
    .map((d) => Date.parse(d.time))
    .filter((t) => Number.isFinite(t))
    .sort((x, y) => y - x)[0];
  if (lastOk === undefined || now - lastOk > YEAR_MS) {
    const failed = drills.some((d) => !d.ok && now - Date.parse(d.time) <= YEAR_MS);
    lacks.push({
      id: 'no-recent-drill',
      what:
        lastOk === undefined
          ? `no successful restore drill on record${failed ? ' (the drills run failed)' : ''}`
          : `the last successful restore drill was on ${new Date(lastOk).toISOString().slice(0, 10)}, more than 12 months ago`,
      fix: 'run `ripcord backup drill` (and make it part of the yearly test)',
    });
  }
  return lacks;
}

/** The newest successful drill, for the plan document. */
export function lastGoodDrill(drills: readonly DrillRecord[]): string | null {
  const t = drills
    .filter((d) => d.ok)
    .map((d) => d.time)
    .sort()
    .at(-1);
  return t ?? null;
}

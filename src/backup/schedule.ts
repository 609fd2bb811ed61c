// Backup schedules inside `ripcord run`: each job with a `schedule` (a cron expression, the
// server's local time like cron) runs on it, one run of a job at a time (an overrun skips the
// next tick rather than stacking up). On start, a job whose last snapshot is older than its
// previous scheduled time (the daemon was down, or the run failed) is a missed schedule: it
// raises an alert and the job runs once at once, like anacron.

import { Cron } from 'croner';
import type { Clock } from '../core/clock.ts';
import type { BackupAlerts, BackupJob } from './ports.ts';

/** Slack before a slot counts as missed: the run of that slot may still be under way. */
const GRACE_MS = 5 * 60_000;

export interface ScheduleDeps {
  jobs: readonly BackupJob[];
  clock: Clock;
  alerts: BackupAlerts;
  /** Time of the job's newest snapshot (ms), or null when it has none. */
  lastBackup(job: string): Promise<number | null>;
  /** Runs the job (failures raise their own alerts). */
  run(job: string): Promise<void>;
  onError?: (job: string, e: unknown) => void;
}

export interface MissedSchedule {
  job: string;
  /** The scheduled time that has no backup. */
  due: string;
  /** Newest snapshot of the job, if any. */
  last: string | null;
}

/** Throws a message when `expr` is not a cron expression croner reads. */
export function checkCron(expr: string): void {
  new Cron(expr, { paused: true }).stop();
}

/** The scheduled slot after `last` when it lies before `now - grace`: that slot was missed. */
export function missedSlot(expr: string, last: number | null, now: number): number | null {
  if (last === null) return null; // never backed up yet: the schedule starts now
  const next = new Cron(expr, { paused: true }).nextRun(new Date(last));
  if (next === null) return null;
  return next.getTime() < now - GRACE_MS ? next.getTime() : null;
}

/** Jobs whose schedule was missed while nothing ran them. */
export async function findMissed(d: Pick<ScheduleDeps, 'jobs' | 'clock' | 'lastBackup'>): Promise<MissedSchedule[]> {
  const out: MissedSchedule[] = [];
  const now = d.clock.now();
  for (const job of d.jobs) {
    if (job.schedule === undefined) continue;
    const last = await d.lastBackup(job.name);
    const due = missedSlot(job.schedule, last, now);
    if (due !== null)
      out.push({
        job: job.name,
        due: new Date(due).toISOString(),
        last: last === null ? null : new Date(last).toISOString(),
      });
  }
  return out;
}

export interface RunningSchedule {
  /** Missed schedules found on start (each alerted and caught up). */
  missed: MissedSchedule[];
  stop(): Promise<void>;
}

export async function startSchedule(d: ScheduleDeps): Promise<RunningSchedule> {
  const running = new Map<string, Promise<void>>();
  const runOnce = (job: string): Promise<void> => {
    const busy = running.get(job);
    if (busy !== undefined) return busy;
    const p = d
      .run(job)
      .catch((e: unknown) => d.onError?.(job, e))
      .finally(() => running.delete(job));
    running.set(job, p);
    return p;
  };
  const missed = await findMissed(d);
  for (const m of missed) {
    await d.alerts.raise({
      rule: 'backup-schedule-missed',
      category: 'backup',
      severity: 'high',
      time: d.clock.now(),
      ip: null,
      user: null,
      service: 'backup',
      field: 'job',
      match: m.job,
      message: `backup ${m.job} missed its schedule: due ${m.due}, newest backup ${m.last ?? 'none'}; running it now`,
      groupKey: `backup-schedule-missed|${m.job}`,
      evidence: [],
    });
    void runOnce(m.job);
  }
  const crons = d.jobs
    .filter((j) => j.schedule !== undefined)
    .map((j) => new Cron(j.schedule as string, { protect: true, unref: true }, () => runOnce(j.name)));
  return {
    missed,
    async stop() {
      for (const c of crons) c.stop();
      await Promise.all([...running.values()]);
    },
  };
}

// How often to back up, and how long to keep, for a shop's level of activity. The database
// holds the orders: its backup interval is how many orders a restore can lose, so a busy shop
// dumps it hourly and a quiet one daily or weekly. The files change with deploys and uploads,
// so they follow the deploy rate. Retention always reaches back a year (an intrusion is often
// found months late, and the last clean copy must still be there).

export type Tier = 'busy' | 'steady' | 'quiet' | 'dormant';

interface JobCadence {
  /** Cron expression for `ripcord run`. */
  schedule: string;
  /** In words, for the plan. */
  every: string;
  keep: { hourly?: number; last?: number; daily?: number; weekly?: number; monthly?: number };
}

export interface Cadence {
  tier: Tier;
  database: JobCadence;
  files: JobCadence;
  /** Orders a restore of the newest database backup can lose, at most (on an ordinary day). */
  ordersAtRisk: number;
  why: string;
}

const hourly: JobCadence = {
  schedule: '15 * * * *',
  every: 'every hour (at :15)',
  keep: { hourly: 48, daily: 14, weekly: 8, monthly: 12 },
};
const sixHourly: JobCadence = {
  schedule: '15 */6 * * *',
  every: 'every 6 hours',
  keep: { last: 8, daily: 14, weekly: 8, monthly: 12 },
};
const daily: JobCadence = {
  schedule: '30 2 * * *',
  every: 'daily at 02:30',
  keep: { daily: 14, weekly: 8, monthly: 12 },
};
const weekly: JobCadence = {
  schedule: '30 2 * * 0',
  every: 'weekly, Sunday at 02:30',
  keep: { weekly: 8, monthly: 12 },
};
// Files run at a different minute from the database so the two jobs do not compete.
const filesDaily: JobCadence = { ...daily, schedule: '45 3 * * *', every: 'daily at 03:45' };
const filesWeekly: JobCadence = { ...weekly, schedule: '45 3 * * 0', every: 'weekly, Sunday at 03:45' };

/** The tier of a shop by its orders per day: 50+ busy, 5+ steady, 1+ quiet, fewer dormant. */
export function tierOf(ordersPerDay: number): Tier {
  if (ordersPerDay >= 50) return 'busy';
  if (ordersPerDay >= 5) return 'steady';
  if (ordersPerDay >= 1) return 'quiet';
  return 'dormant';
}

export function cadenceFor(activity: { ordersPerDay: number; deploysPerWeek: number }): Cadence {
  const tier = tierOf(activity.ordersPerDay);
  const database = { busy: hourly, steady: sixHourly, quiet: daily, dormant: weekly }[tier];
  const hoursBetween = { busy: 1, steady: 6, quiet: 24, dormant: 168 }[tier];
  const files = activity.deploysPerWeek >= 1 || activity.ordersPerDay >= 5 ? filesDaily : filesWeekly;
  const ordersAtRisk = Math.ceil((activity.ordersPerDay * hoursBetween) / 24);
  const why =
    `${activity.ordersPerDay} orders a day: the database is backed up ${database.every}, so a restore loses at most ` +
    `about ${ordersAtRisk} order${ordersAtRisk === 1 ? '' : 's'}; ${activity.deploysPerWeek} deploy(s) a week: ` +
    `the files are backed up ${files.every}.`;
  return { tier, database, files, ordersAtRisk, why };
}

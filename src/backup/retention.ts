// Retention per job (`backup forget`): each job's own keep rules (restic's: keep-last and the
// newest snapshot of each of the N most recent hours/days/weeks/months/years that have one)
// applied to that job's snapshots only, through the repository's forget. A job without rules
// keeps everything; data goes only with a prune afterwards.

import type { KeepRules, Repository, SnapshotInfo } from '../snapshots/index.ts';
import { jobTag } from './jobs.ts';
import type { BackupJob } from './ports.ts';

export interface JobForgetResult {
  job: string;
  /** False when the job has no keep rules (all its snapshots stay). */
  hasRules: boolean;
  keep: string[];
  remove: string[];
}

const ids = (l: SnapshotInfo[]): string[] => l.map((s) => s.id);

export async function forgetJobs(
  repo: Repository,
  jobs: readonly BackupJob[],
  o: { dryRun?: boolean } = {},
): Promise<JobForgetResult[]> {
  const out: JobForgetResult[] = [];
  for (const job of jobs) {
    const keep = job.keep;
    if (keep === undefined || Object.values(keep).every((v) => v === undefined)) {
      out.push({ job: job.name, hasRules: false, keep: [], remove: [] });
      continue;
    }
    const rules: KeepRules = { tags: [jobTag(job.name)], dryRun: o.dryRun === true };
    for (const k of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
      const n = keep[k];
      if (n !== undefined) rules[k] = n;
    }
    const r = await repo.forget(rules);
    const mine = (l: SnapshotInfo[]) => l.filter((s) => s.tags.includes(jobTag(job.name)));
    out.push({ job: job.name, hasRules: true, keep: ids(mine(r.keep)), remove: ids(mine(r.remove)) });
  }
  return out;
}

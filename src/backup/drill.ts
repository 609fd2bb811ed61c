// `backup drill`: restores the newest snapshot of every job somewhere temporary (files to a
// private temp folder, databases into scratch databases on the same servers, dropped after),
// verifies it (the repository checks every chunk and file hash as it reads; row counts against
// those recorded at backup time; the database's own integrity check), times each restore — the
// shop's real time to recover — and records the drill. A failed drill raises an alert.

import type { Clock } from '../core/clock.ts';
import { toAppError } from '../core/errors.ts';
import type { Repository } from '../snapshots/index.ts';
import { latestBackup, recordedRowCounts } from './jobs.ts';
import type { BackupAlerts, BackupJob, DrillLog, TempSpace } from './ports.ts';
import { restoreDatabase, restoreFiles } from './restore.ts';

export interface DrillJobResult {
  job: string;
  kind: string;
  ok: boolean;
  snapshot?: string;
  /** Time the restore and its checks took (ms). */
  durationMs: number;
  files?: number;
  bytes?: number;
  tables?: number;
  rows?: number;
  problems: string[];
}

export interface DrillReport {
  time: string;
  ok: boolean;
  jobs: DrillJobResult[];
}

export interface DrillDeps {
  repo: Repository;
  clock: Clock;
  temp: TempSpace;
  alerts: BackupAlerts;
  log: DrillLog;
}

async function drillJob(job: BackupJob, d: DrillDeps): Promise<DrillJobResult> {
  const started = d.clock.now();
  const res: DrillJobResult = { job: job.name, kind: job.source.kind, ok: false, durationMs: 0, problems: [] };
  try {
    const snap = await latestBackup(d.repo, job.name);
    if (snap === undefined) {
      res.problems.push('no snapshot to restore');
      return res;
    }
    res.snapshot = snap.id;
    if (job.source.kind === 'files') {
      const dir = await d.temp.makeDir(`drill-${job.name}-`);
      try {
        // A drill also reads back what it wrote: the test of the plan should trust nothing.
        const r = await restoreFiles(d.repo, snap, dir, [], { verify: true });
        res.files = r.files;
        res.bytes = r.bytes;
        if (r.files !== snap.summary.files)
          res.problems.push(`restored ${r.files} files, the snapshot has ${snap.summary.files}`);
      } finally {
        await d.temp.remove(dir);
      }
    } else {
      const db = job.source.database;
      const scratch = await db.scratch();
      try {
        await restoreDatabase(d.repo, snap, job, { into: scratch, safety: () => Promise.reject(new Error('unused')) });
        const counts = await db.rowCountsOf(scratch);
        const recorded = recordedRowCounts(snap) ?? {};
        for (const [t, n] of Object.entries(recorded)) {
          const got = counts[t];
          if (got === undefined) res.problems.push(`table ${t} missing from the restore`);
          else if (got !== n) res.problems.push(`table ${t}: ${got} rows restored, ${n} at backup time`);
        }
        res.tables = Object.keys(counts).length;
        res.rows = Object.values(counts).reduce((a, b) => a + b, 0);
        res.problems.push(...(await db.checkRestored(scratch)));
      } finally {
        await db.dropScratch(scratch);
      }
    }
    res.ok = res.problems.length === 0;
  } catch (e) {
    res.problems.push(toAppError(e).describe());
  } finally {
    res.durationMs = d.clock.now() - started;
  }
  return res;
}

export async function drill(jobs: readonly BackupJob[], d: DrillDeps): Promise<DrillReport> {
  const report: DrillReport = { time: new Date(d.clock.now()).toISOString(), ok: true, jobs: [] };
  for (const job of jobs) {
    const r = await drillJob(job, d);
    report.jobs.push(r);
    if (!r.ok) {
      report.ok = false;
      await d.alerts.raise({
        rule: 'backup-drill-failed',
        category: 'backup',
        severity: 'high',
        time: d.clock.now(),
        ip: null,
        user: null,
        service: 'backup',
        field: 'job',
        match: job.name,
        message: `restore drill of backup ${job.name} failed: ${r.problems.join('; ')}`,
        groupKey: `backup-drill-failed|${job.name}`,
        evidence: [],
      });
    }
  }
  await d.log.record(report);
  return report;
}

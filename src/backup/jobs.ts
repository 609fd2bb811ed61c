// Running a backup job: file trees through the repository's walk, databases as a dump stream
// that the repository commits only when the stream ends cleanly (the dumper throws at the end
// when the tool failed or the dump did not validate). Snapshots carry the tags `job:NAME`,
// `kind:KIND`, `host:HOST`; database snapshots carry the row counts taken at backup time.
// A failure raises an alert and is returned as the job's error, never as a snapshot.

import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { toAppError } from '../core/errors.ts';
import type { Progress, Repository, SnapshotInfo, SnapshotSummary } from '../snapshots/index.ts';
import type { BackupAlerts, BackupJob, JobKind, OffsiteCopy, RowCounts } from './ports.ts';

export const jobTag = (name: string): string => `job:${name}`;

export interface JobResult {
  job: string;
  kind: JobKind;
  ok: boolean;
  snapshot?: string;
  summary?: SnapshotSummary;
  rowCounts?: RowCounts;
  /** Where the off-site copy went, when the job names one. */
  offsite?: string;
  error?: string;
}

export interface RunDeps {
  repo: Repository;
  alerts: BackupAlerts;
  clock: Clock;
  host?: string;
  offsiteCopy?: OffsiteCopy;
  onProgress?: (job: string, p: Progress) => void;
  /** Extra tags (a safety snapshot before an in-place restore gets `safety`). */
  tags?: string[];
}

/** A job's newest regular backup (not a safety snapshot taken before an in-place restore). */
export async function latestBackup(repo: Repository, job: string): Promise<SnapshotInfo | undefined> {
  return (await jobSnapshots(repo, job)).filter((s) => !s.tags.includes('safety')).at(-1);
}

/**
 * `latest` for a files restore: the newest snapshot of a files job (a database dump taken
 * after it is not what a restore into a folder asks for), else the newest snapshot of any kind.
 */
export async function latestFilesBackup(repo: Repository): Promise<SnapshotInfo> {
  const files = (await repo.listSnapshots()).filter((s) => s.extra['kind'] === 'files');
  return files.at(-1) ?? (await repo.findSnapshot('latest'));
}

/** The snapshots of one job, oldest first. */
export async function jobSnapshots(repo: Repository, job: string): Promise<SnapshotInfo[]> {
  return (await repo.listSnapshots()).filter((s) => s.tags.includes(jobTag(job)));
}

export async function runJob(job: BackupJob, deps: RunDeps): Promise<JobResult> {
  const { repo } = deps;
  const host = deps.host ?? hostname();
  const kind = job.source.kind;
  const tags = [jobTag(job.name), `kind:${kind}`, `host:${host}`, ...(deps.tags ?? [])];
  const onProgress = (p: Progress) => deps.onProgress?.(job.name, p);
  try {
    let id: string;
    let summary: SnapshotSummary;
    let rowCounts: RowCounts | undefined;
    if (job.source.kind === 'files') {
      const prev = (await jobSnapshots(repo, job.name)).at(-1);
      const r = await repo.snapshot(job.source.roots, {
        exclude: job.source.exclude,
        tags,
        host,
        onProgress,
        extra: { job: job.name, kind },
        ...(prev !== undefined ? { parent: prev.id } : {}),
      });
      id = r.id;
      summary = r.summary;
    } else {
      const db = job.source.database;
      const before = await db.rowCounts();
      // The counts go in when the snapshot is committed: by then the dumper may know the
      // dump's own (exact even while the shop writes); otherwise those taken just before.
      const counts = (): RowCounts => {
        rowCounts = db.dumpedRowCounts?.() ?? before;
        return rowCounts;
      };
      const r = await repo.snapshotStream(db.fileName, db.dump(), {
        tags,
        host,
        onProgress,
        extra: () => ({ job: job.name, kind, rowCounts: JSON.stringify(counts()) }),
      });
      id = r.id;
      summary = r.summary;
    }
    const result: JobResult = { job: job.name, kind, ok: true, snapshot: id, summary };
    if (rowCounts !== undefined) result.rowCounts = rowCounts;
    if ((summary.unreadable ?? 0) > 0) {
      // Stored without them, as restic does: one unreadable file must not cost the whole backup,
      // and the owner learns which ones to give the backup access to.
      const named = (summary.unreadablePaths ?? []).slice(0, 5).join(', ');
      const more = (summary.unreadable ?? 0) > 5 ? ', …' : '';
      result.error = `${summary.unreadable} file(s) or folder(s) could not be read (permission denied) and are not in the snapshot: ${named}${more}`;
      await raise(deps, job, 'backup-incomplete', `backup ${job.name} is incomplete: ${result.error}`);
    }
    if (job.offsite !== undefined && deps.offsiteCopy !== undefined) {
      try {
        await deps.offsiteCopy(job.offsite, [id]);
        result.offsite = job.offsite;
      } catch (e) {
        const err = toAppError(e);
        await raise(
          deps,
          job,
          'backup-offsite-failed',
          `off-site copy of backup ${job.name} to ${job.offsite} failed: ${err.describe()}`,
        );
        result.error = `off-site copy failed: ${err.describe()}`;
      }
    }
    return result;
  } catch (e) {
    const err = toAppError(e);
    await raise(deps, job, 'backup-failed', `backup ${job.name} failed: ${err.describe()}`);
    return { job: job.name, kind, ok: false, error: err.describe() };
  }
}

async function raise(deps: RunDeps, job: BackupJob, rule: string, message: string): Promise<void> {
  await deps.alerts.raise({
    rule,
    category: 'backup',
    severity: 'high',
    time: deps.clock.now(),
    ip: null,
    user: null,
    service: 'backup',
    field: 'job',
    match: job.name,
    message,
    groupKey: `${rule}|${job.name}`,
    evidence: [],
  });
}

/** Row counts recorded with a database snapshot (none for files). */
export function recordedRowCounts(s: SnapshotInfo): RowCounts | null {
  const t = s.extra['rowCounts'];
  if (t === undefined) return null;
  const v: unknown = JSON.parse(t);
  if (v === null || typeof v !== 'object') return null;
  const out: RowCounts = {};
  for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
}

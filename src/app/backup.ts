// Wiring of backups (src/backup): the jobs built from `backup.jobs` by the job registry
// (adapters/dump), alerts as findings in the store (the alerts path delivers them), the
// off-site copy (app/backup-copy.ts), temp folders and the drill record. Commands call these
// with an app context; no domain logic here.

import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BackupAlerts,
  type BackupJob,
  type DrillReport,
  type JobResult,
  diffSnapshots,
  drill,
  jobSnapshots,
  latestBackup,
  latestFilesBackup,
  restoreDatabase,
  restoreFiles,
  runJob,
  startSchedule,
  type RunningSchedule,
  forgetJobs,
  type JobForgetResult,
  type SnapshotDiff,
  type FileRestoreResult,
  type DatabaseRestoreResult,
} from '../backup/index.ts';
import { AppError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import { jobKinds } from '../adapters/dump/index.ts';
import type { Progress, SnapshotInfo, Manifest, PruneResult, Repository } from '../snapshots/index.ts';
import { copyToOffsite } from './backup-copy.ts';
import type { App } from './context.ts';

/** The configured jobs (all, or those named; an unknown name is an error naming the known ones). */
export function backupJobs(app: App, names: readonly string[] = []): BackupJob[] {
  const specs = app.config.backup.jobs;
  const known = specs.map((j) => j.name);
  for (const n of names)
    if (!known.includes(n))
      throw new AppError('not_found', `no backup job named ${n}`, {
        where: 'backup.jobs',
        details: [
          known.length > 0 ? `jobs: ${known.join(', ')}` : 'no jobs are configured (backup.jobs in ripcord.yml)',
        ],
      });
  const ctx = {
    baseDir: app.baseDir,
    env: app.env,
    sitePlatform: app.config.site.platform,
    siteRoot: app.config.site.root,
  };
  return specs
    .filter((j) => names.length === 0 || names.includes(j.name))
    .map((j) => {
      // The config holds the specs as checked by this registry's schema; parsing again narrows the type.
      const spec = jobKinds.schema.parse(j);
      return {
        name: spec.name,
        source: jobKinds.create(spec, ctx),
        offsite: spec.offsite,
        keep: spec.keep,
        schedule: spec.schedule,
      };
    });
}

/** Alerts go in as findings; the dispatcher routes them like any other (and `ripcord run` delivers). */
function alertsOf(app: App): BackupAlerts {
  return {
    async raise(f: Finding) {
      try {
        await (await app.findings()).addFindings([f]);
      } catch (e) {
        app.logger.error({ rule: f.rule, error: String(e) }, 'could not record a backup alert');
      }
    },
  };
}

export interface BackupRunOptions {
  jobs?: readonly string[];
  /** `expectedBytes`: the size of the job's previous backup (an estimate for an ETA), 0 for the first. */
  onProgress?: (job: string, p: Progress, expectedBytes: number) => void;
  tags?: string[];
}

export async function backupRun(app: App, o: BackupRunOptions = {}): Promise<JobResult[]> {
  const jobs = backupJobs(app, o.jobs ?? []);
  if (jobs.length === 0)
    throw new AppError('usage', 'no backup jobs are configured', {
      where: 'backup.jobs',
      details: ['see ripcord config sample'],
    });
  // A repository that cannot be opened (locked, unreachable, wrong passphrase) fails every job: alert each.
  const repo = await app.repository({ create: true }).catch(async (e: unknown) => {
    const err = e instanceof AppError ? e.describe() : String(e);
    for (const job of jobs)
      await alertsOf(app).raise({
        rule: 'backup-failed',
        category: 'backup',
        severity: 'high',
        time: app.clock.now(),
        ip: null,
        user: null,
        service: 'backup',
        field: 'job',
        match: job.name,
        message: `backup ${job.name} failed: the repository could not be opened: ${err}`,
        groupKey: `backup-failed|${job.name}`,
        evidence: [],
      });
    throw e;
  });
  const results: JobResult[] = [];
  for (const job of jobs) {
    const report = o.onProgress;
    const expected = report !== undefined ? ((await latestBackup(repo, job.name))?.summary.bytes ?? 0) : 0;
    results.push(
      await runJob(job, {
        repo,
        alerts: alertsOf(app),
        clock: app.clock,
        offsiteCopy: async (name, ids) => {
          await copyToOffsite(app.loaded, name, ids, app.env);
        },
        ...(report !== undefined ? { onProgress: (j: string, p: Progress) => report(j, p, expected) } : {}),
        ...(o.tags !== undefined ? { tags: o.tags } : {}),
      }),
    );
  }
  return results;
}

export interface BackupListItem {
  id: string;
  time: string;
  job: string;
  kind: string;
  host: string;
  tags: string[];
  bytes: number;
  storedBytes: number;
  rowCounts?: Record<string, number>;
}

const item = (s: SnapshotInfo): BackupListItem => {
  const r: BackupListItem = {
    id: s.id,
    time: s.time,
    job: s.extra['job'] ?? '-',
    kind: s.extra['kind'] ?? '-',
    host: s.host,
    tags: s.tags,
    bytes: s.summary.bytes,
    storedBytes: s.summary.storedBytes,
  };
  const rc = s.extra['rowCounts'];
  if (rc !== undefined) r.rowCounts = JSON.parse(rc) as Record<string, number>;
  return r;
};

/** Backup snapshots (those with a job tag), oldest first. */
export async function backupList(app: App, job?: string): Promise<BackupListItem[]> {
  const repo = await app.repository();
  const all = job !== undefined ? await jobSnapshots(repo, job) : await repo.listSnapshots();
  return all.filter((s) => s.tags.some((t) => t.startsWith('job:'))).map(item);
}

export async function backupShow(
  app: App,
  id: string,
): Promise<{
  snapshot: BackupListItem;
  summary: SnapshotInfo['summary'];
  roots: string[];
  entries: number;
  files: string[];
}> {
  const repo = await app.repository();
  const s = await repo.findSnapshot(id);
  const m: Manifest = await repo.loadManifest(s.id);
  const files = m.entries
    .filter((e) => e.type === 'file')
    .map((e) => (e.root.startsWith('stdin:') ? e.root.slice(6) : e.path));
  return {
    snapshot: item(s),
    summary: s.summary,
    roots: s.roots,
    entries: m.entries.length,
    files: files.slice(0, 50),
  };
}

export async function backupDiff(app: App, a: string, b: string): Promise<SnapshotDiff> {
  const repo = await app.repository();
  return diffSnapshots(repo, await repo.findSnapshot(a), await repo.findSnapshot(b));
}

/** Finds a snapshot; `latest` with a job means that job's newest. */
async function snapshotOf(repo: Repository, id: string, job?: string): Promise<SnapshotInfo> {
  if (id === 'latest' && job !== undefined) {
    const s = await latestBackup(repo, job);
    if (s === undefined) throw new AppError('not_found', `job ${job} has no snapshot yet`);
    return s;
  }
  return repo.findSnapshot(id);
}

/** A restore as the incident timeline reads it (`<stateDir>/backup/restores.jsonl`). */
export interface RestoreRecord {
  time: string;
  what: string;
  snapshot: string;
}

/** Where a restore went, without a password a database URL may carry. */
function withoutSecret(where: string): string {
  try {
    const u = new URL(where);
    if (u.password !== '') u.password = '***';
    return u.protocol === 'file:' || u.host === '' ? where : u.toString();
  } catch {
    return where;
  }
}

function recordRestore(app: App, what: string, snapshot: string): void {
  const dir = join(app.config.stateDir, 'backup');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const r: RestoreRecord = { time: new Date(app.clock.now()).toISOString(), what, snapshot };
  appendFileSync(join(dir, 'restores.jsonl'), `${JSON.stringify(r)}\n`, { mode: 0o600 });
}

/** Restores recorded by `backup restore`; a line cut short by a crash is skipped. */
export function readRestores(stateDir: string): RestoreRecord[] {
  const file = join(stateDir, 'backup', 'restores.jsonl');
  if (!existsSync(file)) return [];
  const out: RestoreRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      const r = JSON.parse(line) as Partial<RestoreRecord>;
      if (typeof r.time === 'string' && typeof r.what === 'string' && typeof r.snapshot === 'string')
        out.push({ time: r.time, what: r.what, snapshot: r.snapshot });
    } catch {
      // empty or cut line
    }
  }
  return out;
}

export async function backupRestoreFiles(
  app: App,
  id: string,
  target: string,
  paths: string[],
  opts: { verify?: boolean } = {},
): Promise<FileRestoreResult> {
  const repo = await app.repository();
  const snapshot = id === 'latest' ? await latestFilesBackup(repo) : await repo.findSnapshot(id);
  mkdirSync(target, { recursive: true });
  const r = await restoreFiles(repo, snapshot, target, paths, opts);
  recordRestore(app, `files restored to ${target} (${r.files} files, ${r.bytes} bytes)`, r.snapshot);
  return r;
}

export async function backupRestoreDatabase(
  app: App,
  id: string,
  jobName: string,
  o: { into?: string; inPlace?: boolean },
): Promise<DatabaseRestoreResult> {
  const [job] = backupJobs(app, [jobName]);
  if (job === undefined) throw new AppError('not_found', `no backup job named ${jobName}`);
  const repo = await app.repository();
  const snap = await snapshotOf(repo, id, jobName);
  const r = await restoreDatabase(repo, snap, job, {
    ...(o.into !== undefined ? { into: o.into } : {}),
    ...(o.inPlace === true ? { inPlace: true } : {}),
    safety: () => runJob(job, { repo, alerts: alertsOf(app), clock: app.clock, tags: ['safety'] }),
  });
  recordRestore(
    app,
    `database ${jobName} restored ${r.inPlace ? 'in place' : `into ${withoutSecret(r.into)}`}${r.safetySnapshot !== undefined ? ` (safety snapshot ${r.safetySnapshot.slice(0, 8)})` : ''}`,
    r.snapshot,
  );
  return r;
}

export async function backupDrill(app: App, names: readonly string[] = []): Promise<DrillReport> {
  const jobs = backupJobs(app, names);
  if (jobs.length === 0) throw new AppError('usage', 'no backup jobs are configured', { where: 'backup.jobs' });
  const repo = await app.repository();
  const dir = join(app.config.stateDir, 'backup');
  return drill(jobs, {
    repo,
    clock: app.clock,
    alerts: alertsOf(app),
    temp: {
      async makeDir(prefix) {
        const d = mkdtempSync(join(tmpdir(), `ripcord-${prefix}`));
        chmodSync(d, 0o700);
        return d;
      },
      async remove(d) {
        rmSync(d, { recursive: true, force: true });
      },
    },
    log: {
      async record(report) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        appendFileSync(join(dir, 'drills.jsonl'), `${JSON.stringify(report)}\n`, { mode: 0o600 });
      },
    },
  });
}

export interface BackupForgetResult {
  jobs: JobForgetResult[];
  prune?: PruneResult;
}

/** Applies each job's keep rules to its snapshots; with `prune`, deletes the data none uses any more. */
export async function backupForget(
  app: App,
  o: { jobs?: readonly string[]; dryRun?: boolean; prune?: boolean },
): Promise<BackupForgetResult> {
  const jobs = backupJobs(app, o.jobs ?? []);
  const repo = await app.repository();
  const result: BackupForgetResult = { jobs: await forgetJobs(repo, jobs, { dryRun: o.dryRun === true }) };
  if (o.prune === true && o.dryRun !== true) result.prune = await repo.prune();
  return result;
}

/** The backup schedules of `ripcord run` (null when no job has one). */
export async function startBackupSchedule(app: App): Promise<RunningSchedule | null> {
  const jobs = backupJobs(app).filter((j) => j.schedule !== undefined);
  if (jobs.length === 0) return null;
  const repo = await app.repository({ create: true });
  return startSchedule({
    jobs,
    clock: app.clock,
    alerts: alertsOf(app),
    async lastBackup(job) {
      const s = (await jobSnapshots(repo, job)).filter((x) => !x.tags.includes('safety')).at(-1);
      return s === undefined ? null : Date.parse(s.time);
    },
    async run(job) {
      const [r] = await backupRun(app, { jobs: [job] });
      app.logger.info({ job, ok: r?.ok, snapshot: r?.snapshot, error: r?.error }, 'scheduled backup');
    },
    onError: (job, e) => app.logger.error({ job, err: e instanceof Error ? e.message : String(e) }, 'scheduled backup'),
  });
}

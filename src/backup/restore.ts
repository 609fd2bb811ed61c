// Restores: a file snapshot (or some of its paths) under a target folder, which the repository
// refuses to leave (`within`), and a database snapshot into a scratch database, a URL or file
// given, or in place after a safety snapshot of what it is about to overwrite. Chunk hashes are
// verified by the repository as it reads; whole-file hashes too (with `verify`, read back from disk).

import { AppError } from '../core/errors.ts';
import type { ManifestEntry, Repository, SnapshotInfo } from '../snapshots/index.ts';
import { jobTag, type JobResult } from './jobs.ts';
import type { BackupJob, DatabaseDumper } from './ports.ts';

export interface FileRestoreResult {
  snapshot: string;
  target: string;
  files: number;
  dirs: number;
  bytes: number;
  /** Files already there with the same content (a resumed restore), left as they were. */
  skipped: number;
}

/**
 * Which entries to restore: not the root folder itself (the target stands for it, and stays as
 * the caller made it, so the `within` check holds for every write), and only `--path`s when given
 * ('/'-separated, relative, no `..`).
 */
function pathFilter(paths: readonly string[]): (e: ManifestEntry) => boolean {
  if (paths.length === 0) return (e) => e.path !== '' || e.type !== 'dir';
  const wanted = paths.map((p) => {
    const clean = p.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
    if (clean.split('/').includes('..')) throw new AppError('usage', '--path may not contain ..', { where: p });
    return clean;
  });
  return (e) =>
    e.path !== '' &&
    wanted.some((w) => w === '' || e.path === w || e.path.startsWith(`${w}/`) || w.startsWith(`${e.path}/`));
}

export async function restoreFiles(
  repo: Repository,
  snapshot: SnapshotInfo,
  target: string,
  paths: readonly string[] = [],
  opts: { verify?: boolean } = {},
): Promise<FileRestoreResult> {
  if (snapshot.extra['kind'] !== undefined && snapshot.extra['kind'] !== 'files')
    throw new AppError(
      'usage',
      `snapshot ${snapshot.id.slice(0, 8)} is a ${snapshot.extra['kind']} dump: use --database`,
      {
        where: snapshot.id,
      },
    );
  const filter = pathFilter(paths);
  // resume: a file already there with the same size and SHA-256 (an interrupted restore) is kept.
  const r = await repo.restore(snapshot.id, target, {
    within: target,
    filter,
    resume: true,
    ...(opts.verify === true ? { verify: true } : {}),
  });
  return { snapshot: snapshot.id, target, ...r };
}

/** The one dump entry of a database snapshot. */
export async function dumpEntry(repo: Repository, snapshot: SnapshotInfo): Promise<ManifestEntry> {
  const m = await repo.loadManifest(snapshot.id);
  const e = m.entries.find((x) => x.type === 'file');
  if (e === undefined || !e.root.startsWith('stdin:'))
    throw new AppError('usage', `snapshot ${snapshot.id.slice(0, 8)} is not a database dump`, { where: snapshot.id });
  return e;
}

export interface DatabaseRestoreResult {
  snapshot: string;
  job: string;
  /** Where it went: a scratch database, the URL or file given, or the job's own database. */
  into: string;
  inPlace: boolean;
  /** The snapshot taken of the database before an in-place restore overwrote it. */
  safetySnapshot?: string;
}

export interface DatabaseRestoreOptions {
  /** A URL or file; none makes a scratch database (or file). */
  into?: string;
  inPlace?: boolean;
  /** Takes the safety snapshot before an in-place restore (runs the job with tag `safety`). */
  safety: () => Promise<JobResult>;
}

export async function restoreDatabase(
  repo: Repository,
  snapshot: SnapshotInfo,
  job: BackupJob,
  o: DatabaseRestoreOptions,
): Promise<DatabaseRestoreResult> {
  if (job.source.kind === 'files') throw new AppError('usage', `job ${job.name} backs up files: use --target`);
  if (!snapshot.tags.includes(jobTag(job.name)))
    throw new AppError('usage', `snapshot ${snapshot.id.slice(0, 8)} is not of job ${job.name}`, {
      where: snapshot.id,
    });
  if (o.inPlace === true && o.into !== undefined)
    throw new AppError('usage', '--in-place and --into exclude each other');
  const db: DatabaseDumper = job.source.database;
  const entry = await dumpEntry(repo, snapshot);
  const base = { snapshot: snapshot.id, job: job.name };
  if (o.inPlace === true) {
    const safety = await o.safety();
    if (!safety.ok || safety.snapshot === undefined)
      throw new AppError(
        'refused',
        `no safety snapshot of ${db.describe} (${safety.error ?? 'failed'}): nothing was overwritten`,
      );
    const into = await db.restore(repo.openFile(entry), null);
    return { ...base, into, inPlace: true, safetySnapshot: safety.snapshot };
  }
  const target = o.into ?? (await db.scratch());
  const into = await db.restore(repo.openFile(entry), target);
  return { ...base, into, inPlace: false };
}

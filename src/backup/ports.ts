// What the backup subsystem needs from the outside, implemented in adapters/dump/ (dump tools,
// database drivers) and wired by app/backup.ts. A job's source is either file trees (stored by
// the repository's own walk) or a database reached through a `DatabaseDumper`.

import type { Finding } from '../core/finding.ts';
import type { StreamReader } from '../snapshots/index.ts';

export type JobKind = 'files' | 'postgres' | 'mysql' | 'sqlite';

/** A dump that fills the buffer it is given (0 at its end); `close()` stops the tool. */
export type DumpReader = Required<StreamReader>;

/** Row counts per table, at backup time or of a restored copy. */
export type RowCounts = Record<string, number>;

/**
 * A database a job backs up: its dump as a stream that ends only after the tool exited 0 and
 * the dump validated (otherwise the iteration throws, so the repository never commits it),
 * and the ways back in.
 */
export interface DatabaseDumper {
  readonly kind: Exclude<JobKind, 'files'>;
  /** Name the dump is stored under in its snapshot (`shop.pgdump`, `shop.sql`, `shop.sqlite`). */
  readonly fileName: string;
  /** Where it is, for messages (no secrets). */
  readonly describe: string;
  /** Rows per table of the live database (taken before a dump). */
  rowCounts(): Promise<RowCounts>;
  /**
   * Rows per table of exactly what the last finished dump holds, when the dumper can tell (the
   * SQLite copy; PostgreSQL counted in the snapshot pg_dump reads); else undefined and the
   * counts taken just before the dump stand.
   */
  dumpedRowCounts?(): RowCounts | undefined;
  /**
   * The dump, as pieces or read into the store's buffers; throws (AppError) at the end when the
   * tool failed or the dump did not validate.
   */
  dump(): AsyncIterable<Uint8Array> | DumpReader;
  /**
   * Loads a dump into `target` (a database URL or file, per kind), or into the job's own
   * database when `target` is null (in place). Returns where it went.
   */
  restore(dump: AsyncIterable<Uint8Array>, target: string | null): Promise<string>;
  /** A new empty scratch place on the same server (or a temp file), for restores and drills. */
  scratch(): Promise<string>;
  /** Rows per table of a restored copy. */
  rowCountsOf(target: string): Promise<RowCounts>;
  /** Integrity check of a restored copy: problems found (empty when fine). */
  checkRestored(target: string): Promise<string[]>;
  /** Removes a scratch place made by scratch(). */
  dropScratch(target: string): Promise<void>;
}

/** A job as the domain sees it: a name, its kind, and what it reads. */
export type JobSource =
  | { kind: 'files'; roots: string[]; exclude: (rel: string, isDir: boolean) => boolean }
  | { kind: Exclude<JobKind, 'files'>; database: DatabaseDumper };

export interface BackupJob {
  name: string;
  source: JobSource;
  /** A name from repository.offsite the snapshot is copied to afterwards. */
  offsite?: string | undefined;
  /** Retention (restic's keep rules) applied by `backup forget`; none keeps everything. */
  keep?: JobKeep | undefined;
  /** Cron expression for `ripcord run`; none means only by hand. */
  schedule?: string | undefined;
}

export interface JobKeep {
  last?: number | undefined;
  hourly?: number | undefined;
  daily?: number | undefined;
  weekly?: number | undefined;
  monthly?: number | undefined;
  yearly?: number | undefined;
}

/** Raises an alert (a finding through the alerts path). */
export interface BackupAlerts {
  raise(finding: Finding): Promise<void>;
}

/** Copies a job's new snapshot off-site (app/backup-copy.ts). */
export type OffsiteCopy = (offsite: string, snapshotIds: string[]) => Promise<void>;

/** Private temporary folders (0700) for drills. */
export interface TempSpace {
  makeDir(prefix: string): Promise<string>;
  remove(dir: string): Promise<void>;
}

/** Where drills are recorded (app: `<stateDir>/backup/drills.jsonl`). */
export interface DrillLog {
  record(report: object): Promise<void>;
}

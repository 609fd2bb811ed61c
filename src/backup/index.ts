// Public face of backups: jobs (file trees and database dumps) stored in the snapshot
// repository, restores, diffs and restore drills. Its I/O are the ports in ports.ts.

export type * from './ports.ts';
export {
  jobTag,
  jobSnapshots,
  latestBackup,
  latestFilesBackup,
  runJob,
  recordedRowCounts,
  type JobResult,
  type RunDeps,
} from './jobs.ts';
export {
  restoreFiles,
  restoreDatabase,
  dumpEntry,
  type FileRestoreResult,
  type DatabaseRestoreResult,
  type DatabaseRestoreOptions,
} from './restore.ts';
export { diffSnapshots, type SnapshotDiff } from './diff.ts';
export { drill, type DrillReport, type DrillJobResult, type DrillDeps } from './drill.ts';
export { forgetJobs, type JobForgetResult } from './retention.ts';
export {
  startSchedule,
  findMissed,
  missedSlot,
  checkCron,
  type MissedSchedule,
  type RunningSchedule,
} from './schedule.ts';

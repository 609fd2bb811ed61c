// Public face of the snapshot repository (content-addressed, encrypted, deduplicated; format in
// docs/formats/repository.md). Integrity and backups use only what is exported here.

export type * from './types.ts';
export type { SnapshotId } from '../core/ids.ts';
export { snapshotId } from '../core/ids.ts';
export type { Backend, FileType, FileInfo } from './ports.ts';
export { fileTypes } from './ports.ts';
export { initRepository, openRepository, repositoryExists } from './repository.ts';
export { listEntries, newestOfRoots, type ListedEntry } from './listing.ts';
export { copySnapshots, initCopyTarget } from './copy.ts';
export type { CopyOptions, CopyProgress, CopyResult, CopiedSnapshot } from './copy.ts';

// The integrity state kept in the state dir (`<stateDir>/integrity/`), all owner-only (0600):
// the baseline pointer (which snapshot is known good, plus accepted paths layered on top), the
// stat cache, and the audit log of accepts and reverts. Files are replaced atomically (write a
// temp file, fsync, rename, fsync the folder), so a crash leaves the old or the new version,
// never half of one; the audit log is appended and fsync'ed line by line.

import {
  closeSync,
  fstatSync,
  fsyncSync,
  readSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  constants,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.ts';

export function integrityDir(stateDir: string): string {
  return join(stateDir, 'integrity');
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically and durably, mode 0600. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  ensureDir(dir);
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw new AppError('io', `cannot write: ${e instanceof Error ? e.message : String(e)}`, { where: path, cause: e });
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError('io', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { where: path, cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('corrupt', 'not valid JSON', { where: path });
  }
}

/** Paths accepted on top of the baseline snapshot, from a small snapshot of just those paths. */
export interface BaselineLayer {
  snapshot: string;
  /** `root` + '/'-separated `path` pairs; a path missing from the layer's snapshot was accepted as deleted. */
  paths: { root: string; path: string }[];
  time: string;
  by: string;
  reason: string | null;
}

export interface BaselinePointer {
  version: 1;
  /** The known-good snapshot. */
  snapshot: string;
  roots: string[];
  /** Platform preset the baseline was taken with (`none` for none); later commands use it unless told otherwise. */
  preset?: string;
  time: string;
  by: string;
  reason: string | null;
  layers: BaselineLayer[];
}

export function baselinePath(stateDir: string): string {
  return join(integrityDir(stateDir), 'baseline.json');
}

export function readBaselinePointer(stateDir: string): BaselinePointer | null {
  const v = readJson(baselinePath(stateDir));
  if (v === undefined) return null;
  const p = v as Partial<BaselinePointer>;
  if (p.version !== 1 || typeof p.snapshot !== 'string' || !Array.isArray(p.roots) || !Array.isArray(p.layers)) {
    throw new AppError('corrupt', 'the baseline pointer has an unknown layout', { where: baselinePath(stateDir) });
  }
  return p as BaselinePointer;
}

export function writeBaselinePointer(stateDir: string, p: BaselinePointer): void {
  writeFileAtomic(baselinePath(stateDir), `${JSON.stringify(p, null, 2)}\n`);
}

export interface AuditRecord {
  time: string;
  by: string;
  action: 'baseline' | 'accept' | 'revert' | 'quarantine' | 'refuse';
  reason?: string | null;
  snapshot?: string;
  root?: string;
  path?: string;
  detail?: string;
}

export function auditPath(stateDir: string): string {
  return join(integrityDir(stateDir), 'audit.log');
}

/** Appends records to the audit log (one JSON object per line), durably. */
export function appendAudit(stateDir: string, records: readonly AuditRecord[]): void {
  if (records.length === 0) return;
  ensureDir(integrityDir(stateDir));
  const fd = openSync(
    auditPath(stateDir),
    constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    // A line cut by a crash is closed first, so the next record starts on a line of its own.
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const lead = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a ? '\n' : '';
    writeSync(fd, `${lead + records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readAudit(stateDir: string): AuditRecord[] {
  let text: string;
  try {
    text = readFileSync(auditPath(stateDir), 'utf8');
  } catch {
    return [];
  }
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      // A line cut by a crash mid-write: skipped, the rest is still read.
    }
  }
  return out;
}

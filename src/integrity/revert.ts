// Writes the baseline back: content (atomically: temp file in the same folder, fsync, rename),
// modes, owners (as root), symlinks, deleted folders; added files only when asked, and then
// moved to a quarantine folder under the state dir, never destroyed. It never follows a
// symlink: every path component below the site root is lstat'ed and must be a real folder,
// temp files are created with O_EXCL|O_NOFOLLOW, and manifest paths that are absolute or have
// `..` are refused. Every action (and refusal) goes to the audit log.

import {
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  fsync,
  futimesSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { ManifestEntry } from '../snapshots/index.ts';
import { AppError } from '../core/errors.ts';
import { assertSafeRelPath, type Baseline } from './baseline.ts';
import type { Change } from './check.ts';
import { StatCache } from './statcache.ts';
import { appendAudit, type AuditRecord } from './state.ts';

export type RevertAction =
  | 'restore'
  | 'restore-mode'
  | 'restore-owner'
  | 'recreate'
  | 'quarantine'
  | 'keep-added'
  | 'refused'
  | 'failed';

export interface RevertStep {
  root: string;
  path: string;
  action: RevertAction;
  detail: string | null;
}

export interface RevertOptions {
  dryRun: boolean;
  deleteAdded: boolean;
  stateDir: string;
  /** Who runs it (user@host), for the audit log. */
  by: string;
  now: number;
  /** Reads a baseline file's content (the repository verifies its hash). */
  read(entry: ManifestEntry): Promise<Buffer>;
}

export interface RevertResult {
  steps: RevertStep[];
  restored: number;
  quarantined: number;
  refused: number;
  failed: number;
  quarantineDir: string | null;
  /** Time spent writing back (reading the baseline content, writing, fsync, rename), ms. */
  writeMs: number;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function refuse(message: string, where: string): never {
  throw new AppError('refused', message, { where });
}

/**
 * Makes sure every folder between `root` and `rel`'s parent is a real folder (not a symlink),
 * creating missing ones with the baseline's mode. Returns the parent's absolute path.
 */
function safeParent(root: string, rel: string, baseline: Baseline, create: boolean): string {
  assertSafeRelPath(rel);
  const parts = rel.split('/');
  let cur = root;
  let curRel = '';
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    curRel = curRel === '' ? part : `${curRel}/${part}`;
    cur = join(cur, part);
    let st: Stats | undefined;
    try {
      st = lstatSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (st === undefined) {
      if (!create) refuse('a folder on the way is missing', cur);
      const b = baseline.get(StatCache.key(root, curRel));
      mkdirSync(cur, { mode: b !== undefined && b.type === 'dir' ? b.mode & 0o7777 : 0o755 });
      if (isRoot && b !== undefined) lchownSync(cur, b.uid, b.gid);
    } else if (st.isSymbolicLink()) refuse('a folder on the way is a symlink; not following it', cur);
    else if (!st.isDirectory()) refuse('a folder on the way is not a folder', cur);
  }
  // Belt and braces against a swap between the checks above and now.
  const parent = dirname(join(root, rel));
  const real = realpathSync(parent);
  const expected = join(realpathSync(root), ...parts.slice(0, -1));
  if (real !== expected) refuse('the folder resolves outside the site root', parent);
  return parent;
}

function tempName(parent: string): string {
  return join(parent, `.ripcord-${randomBytes(6).toString('hex')}.tmp`);
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/** A baseline file written to a temp file beside its target, waiting for fsync and rename. */
interface Pending {
  fd: number;
  tmp: string;
  target: string;
  root: string;
  path: string;
}

/** Writes a baseline file's content to a temp file beside the target, with its mode, times and (as root) owner. */
function stageFile(target: string, parent: string, entry: ManifestEntry, content: Buffer): { fd: number; tmp: string } {
  const tmp = tempName(parent);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeAll(fd, content);
    if (isRoot) fchownSync(fd, entry.uid, entry.gid);
    fchmodSync(fd, entry.mode & 0o7777);
    futimesSync(fd, new Date(entry.mtimeMs), new Date(entry.mtimeMs));
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  void target;
  return { fd, tmp };
}

const fsyncAsync = (fd: number) => new Promise<void>((res, rej) => fsync(fd, (e) => (e ? rej(e) : res())));

/**
 * Makes the staged files durable and puts them in place: their fsyncs run concurrently (the
 * file system commits them together, far faster than one after another), then each temp file
 * is renamed over its target (atomic: a reader sees the old or the new file, never a mix).
 */
async function commitStaged(pending: Pending[], onFail: (p: Pending, e: unknown) => void): Promise<void> {
  const results = await Promise.allSettled(pending.map((p) => fsyncAsync(p.fd)));
  pending.forEach((p, i) => {
    closeSync(p.fd);
    const r = results[i];
    try {
      if (r !== undefined && r.status === 'rejected') throw r.reason;
      renameSync(p.tmp, p.target);
    } catch (e) {
      rmSync(p.tmp, { force: true });
      onFail(p, e);
    }
  });
}

function placeSymlink(target: string, parent: string, entry: ManifestEntry): void {
  const tmp = tempName(parent);
  symlinkSync(entry.target ?? '', tmp);
  if (isRoot) lchownSync(tmp, entry.uid, entry.gid);
  try {
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Sets mode and owner through a descriptor opened without following symlinks. */
function fixModeOwner(abs: string, entry: ManifestEntry): void {
  const st = lstatSync(abs);
  if (st.isSymbolicLink()) {
    if (isRoot) lchownSync(abs, entry.uid, entry.gid);
    return;
  }
  const flags =
    constants.O_RDONLY | constants.O_NOFOLLOW | (st.isDirectory() ? constants.O_DIRECTORY : constants.O_NONBLOCK);
  const fd = openSync(abs, flags);
  try {
    if (isRoot) fchownSync(fd, entry.uid, entry.gid);
    fchmodSync(fd, entry.mode & 0o7777);
  } finally {
    closeSync(fd);
  }
}

function moveToQuarantine(abs: string, qdir: string, root: string, rel: string): string {
  const rootTag = createHash('sha256').update(root).digest('hex').slice(0, 8);
  const dest = join(qdir, rootTag, rel);
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  try {
    renameSync(abs, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    // Another file system: copy a regular file, then remove the original.
    const st = lstatSync(abs);
    if (!st.isFile())
      throw new AppError('io', 'cannot move a non-file across file systems to the quarantine', { where: abs });
    copyFileSync(abs, dest, constants.COPYFILE_EXCL);
    unlinkSync(abs);
  }
  return dest;
}

/**
 * One revert under way: what it has done so far (steps, audit records, counts) and the files
 * staged for writing back. Each change goes through revertOne; the steps below it share this.
 */
interface Run {
  opts: RevertOptions;
  baseline: Baseline;
  time: string;
  qdir: string;
  steps: RevertStep[];
  audit: AuditRecord[];
  counts: { restored: number; quarantined: number; refused: number; failed: number };
  usedQuarantine: boolean;
  /** Staged files, committed in batches (bounded so open descriptors stay few). */
  pending: Pending[];
  /** The batch committing now (fsync in the thread pool) while the next is read and staged. */
  inflight: Promise<void>;
  /** An added entry inside an added folder goes with its folder. */
  insideAddedDir: (c: Change) => boolean;
}

const batchSize = 128;

/** Reverts the given changes (as found by check) to the baseline. */
export async function revertChanges(
  changes: readonly Change[],
  baseline: Baseline,
  opts: RevertOptions,
): Promise<RevertResult> {
  const time = new Date(opts.now).toISOString();
  const { sorted, insideAddedDir } = revertOrder(changes);
  const run: Run = {
    opts,
    baseline,
    time,
    qdir: join(opts.stateDir, 'quarantine', time.replace(/[:.]/g, '-')),
    steps: [],
    audit: [],
    counts: { restored: 0, quarantined: 0, refused: 0, failed: 0 },
    usedQuarantine: false,
    pending: [],
    inflight: Promise.resolve(),
    insideAddedDir,
  };
  const started = performance.now();
  for (const c of sorted) await revertOne(run, c);
  await flush(run);
  await run.inflight;
  appendAudit(opts.stateDir, run.audit);
  return {
    steps: run.steps,
    ...run.counts,
    quarantineDir: run.usedQuarantine ? run.qdir : null,
    writeMs: performance.now() - started,
  };
}

/**
 * Quarantine first (an added file may sit where a folder must come back), then folders
 * shallow to deep, then the rest. Added entries inside an added folder go with their folder.
 */
function revertOrder(changes: readonly Change[]): { sorted: Change[]; insideAddedDir: (c: Change) => boolean } {
  const addedDirs = new Set(
    changes
      .filter((c) => c.kinds.includes('added') && c.after?.type === 'dir')
      .map((c) => StatCache.key(c.root, c.path)),
  );
  const insideAddedDir = (c: Change): boolean => {
    let p = c.path;
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/')) {
      p = p.slice(0, i);
      if (addedDirs.has(StatCache.key(c.root, p))) return true;
    }
    return false;
  };
  const order = (c: Change) => (c.kinds.includes('added') ? 0 : c.before?.type === 'dir' ? 1 : 2);
  const sorted = [...changes].sort(
    (a, b) => order(a) - order(b) || a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1),
  );
  return { sorted, insideAddedDir };
}

/** Commits the staged batch in the background, after the one before it. */
async function flush(run: Run): Promise<void> {
  const now = run.pending;
  run.pending = [];
  await run.inflight;
  run.inflight = commitStaged(now, (p, e) => {
    run.counts.restored--;
    run.counts.failed++;
    const msg = e instanceof Error ? e.message : String(e);
    run.steps.push({ root: p.root, path: p.path, action: 'failed', detail: msg });
    run.audit.push({
      time: run.time,
      by: run.opts.by,
      action: 'refuse',
      root: p.root,
      path: p.path,
      detail: `failed: ${msg}`,
    });
  });
}

/** Records what was done to one change (and, unless a dry run, audits it). */
function step(run: Run, c: Change, action: RevertAction, detail: string | null = null): void {
  run.steps.push({ root: c.root, path: c.path, action, detail });
  if (run.opts.dryRun) return;
  const auditAction =
    action === 'quarantine' ? 'quarantine' : action === 'refused' || action === 'failed' ? 'refuse' : 'revert';
  run.audit.push({
    time: run.time,
    by: run.opts.by,
    action: auditAction,
    root: c.root,
    path: c.path,
    detail: detail === null ? action : `${action}: ${detail}`,
  });
}

/** Moves what stands at abs to this run's quarantine folder; returns where it went. */
function quarantine(run: Run, c: Change, abs: string): string {
  const dest = moveToQuarantine(abs, run.qdir, c.root, c.path);
  run.usedQuarantine = true;
  run.counts.quarantined++;
  return dest;
}

/** One change: refused and failed changes are recorded as steps, never thrown. */
async function revertOne(run: Run, c: Change): Promise<void> {
  const abs = c.path === '' ? c.root : join(c.root, c.path);
  try {
    assertSafeRelPath(c.path);
    if (c.kinds.includes('added')) return revertAdded(run, c, abs);
    const b = run.baseline.get(StatCache.key(c.root, c.path));
    if (b === undefined) refuse('not in the baseline', abs);
    if (c.path === '') {
      if (b.type !== 'dir') refuse('the root is not a folder in the baseline', abs);
      return restoreMetadata(run, c, abs, b, 'restore-mode');
    }
    const contentChanged = c.kinds.some((k) => k === 'deleted' || k === 'modified' || k === 'type' || k === 'symlink');
    const parent = safeParent(c.root, c.path, run.baseline, !run.opts.dryRun);
    if (!contentChanged)
      return restoreMetadata(run, c, abs, b, c.kinds.includes('mode') ? 'restore-mode' : 'restore-owner');
    if (run.opts.dryRun) return step(run, c, c.kinds.includes('deleted') ? 'recreate' : 'restore');
    await writeBack(run, c, abs, parent, b);
  } catch (e) {
    const msg = e instanceof AppError ? e.message : e instanceof Error ? e.message : String(e);
    if (e instanceof AppError && e.code === 'refused') {
      run.counts.refused++;
      step(run, c, 'refused', msg);
    } else {
      run.counts.failed++;
      step(run, c, 'failed', msg);
    }
  }
}

/** A file or folder that is not in the baseline: kept, or (--delete-added) quarantined. */
function revertAdded(run: Run, c: Change, abs: string): void {
  if (!run.opts.deleteAdded) {
    step(run, c, 'keep-added', 'use --delete-added to move it to the quarantine');
    return;
  }
  if (run.insideAddedDir(c)) return;
  if (c.path === '') refuse('will not quarantine the site root', abs);
  safeParent(c.root, c.path, new Map(), false);
  step(run, c, 'quarantine', run.opts.dryRun ? null : quarantine(run, c, abs));
}

/** Same content, other mode or owner: put the baseline's back. */
function restoreMetadata(run: Run, c: Change, abs: string, b: ManifestEntry, action: RevertAction): void {
  if (!run.opts.dryRun) {
    fixModeOwner(abs, b);
    run.counts.restored++;
  }
  step(run, c, action);
}

/** Content changed or gone: write the baseline's file, symlink or folder back. */
async function writeBack(run: Run, c: Change, abs: string, parent: string, b: ManifestEntry): Promise<void> {
  // Something else now stands where the baseline has a different type: a folder is
  // moved to the quarantine first (rename cannot replace a folder with a file).
  let st: Stats | undefined;
  try {
    st = lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const quarantineAside = () => {
    const dest = quarantine(run, c, abs);
    run.audit.push({ time: run.time, by: run.opts.by, action: 'quarantine', root: c.root, path: c.path, detail: dest });
  };
  if (st?.isDirectory() && b.type !== 'dir') quarantineAside();
  if (b.type === 'file') {
    const { fd, tmp } = stageFile(abs, parent, b, await run.opts.read(b));
    run.pending.push({ fd, tmp, target: abs, root: c.root, path: c.path });
    if (run.pending.length >= batchSize) await flush(run);
  } else if (b.type === 'symlink') placeSymlink(abs, parent, b);
  else if (b.type === 'dir') {
    if (st !== undefined && !st.isDirectory()) quarantineAside();
    if (st === undefined || !st.isDirectory()) mkdirSync(abs, { mode: b.mode & 0o7777 });
    fixModeOwner(abs, b);
  } else refuse(`cannot restore a ${b.type}`, abs);
  run.counts.restored++;
  step(run, c, c.kinds.includes('deleted') ? 'recreate' : 'restore');
}

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

/** Reverts the given changes (as found by check) to the baseline. */
/** One revert run: its options, what it did so far (steps, audit, counts), and staged writes. */
class Reverting {
  readonly steps: RevertStep[] = [];
  readonly audit: AuditRecord[] = [];
  readonly time: string;
  readonly qdir: string;
  restored = 0;
  quarantined = 0;
  refused = 0;
  failed = 0;
  usedQuarantine = false;
  // Staged files, committed in batches (bounded so open descriptors stay few). One batch
  // commits (fsync in the thread pool) while the next is read and staged.
  #pending: Pending[] = [];
  #inflight: Promise<void> = Promise.resolve();
  static readonly batch = 128;

  readonly baseline: Baseline;
  readonly opts: RevertOptions;

  constructor(baseline: Baseline, opts: RevertOptions) {
    this.baseline = baseline;
    this.opts = opts;
    this.time = new Date(opts.now).toISOString();
    this.qdir = join(opts.stateDir, 'quarantine', this.time.replace(/[:.]/g, '-'));
  }

  /** Records what was done to one change (and audits it unless this is a dry run). */
  step(c: Change, action: RevertAction, detail: string | null = null): void {
    this.steps.push({ root: c.root, path: c.path, action, detail });
    if (this.opts.dryRun) return;
    const auditAction =
      action === 'quarantine' ? 'quarantine' : action === 'refused' || action === 'failed' ? 'refuse' : 'revert';
    this.audit.push({
      time: this.time,
      by: this.opts.by,
      action: auditAction,
      root: c.root,
      path: c.path,
      detail: detail === null ? action : `${action}: ${detail}`,
    });
  }

  quarantine(abs: string, c: Change, audited: boolean): string {
    const dest = moveToQuarantine(abs, this.qdir, c.root, c.path);
    this.usedQuarantine = true;
    this.quarantined++;
    if (audited)
      this.audit.push({
        time: this.time,
        by: this.opts.by,
        action: 'quarantine',
        root: c.root,
        path: c.path,
        detail: dest,
      });
    return dest;
  }

  async stage(p: Pending): Promise<void> {
    this.#pending.push(p);
    if (this.#pending.length >= Reverting.batch) await this.flush();
  }

  async flush(): Promise<void> {
    const now = this.#pending;
    this.#pending = [];
    await this.#inflight;
    this.#inflight = commitStaged(now, (p, e) => {
      this.restored--;
      this.failed++;
      const msg = e instanceof Error ? e.message : String(e);
      this.steps.push({ root: p.root, path: p.path, action: 'failed', detail: msg });
      this.audit.push({
        time: this.time,
        by: this.opts.by,
        action: 'refuse',
        root: p.root,
        path: p.path,
        detail: `failed: ${msg}`,
      });
    });
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.#inflight;
  }
}

/** Quarantine first (an added file may sit where a folder must come back), then folders shallow to deep, then the rest. */
function revertOrder(changes: readonly Change[]): Change[] {
  const order = (c: Change) => (c.kinds.includes('added') ? 0 : c.before?.type === 'dir' ? 1 : 2);
  return [...changes].sort(
    (a, b) => order(a) - order(b) || a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1),
  );
}

/** Whether a change lies inside a folder that was added (it goes with its folder). */
function insideAddedFolder(changes: readonly Change[]): (c: Change) => boolean {
  const addedDirs = new Set(
    changes
      .filter((c) => c.kinds.includes('added') && c.after?.type === 'dir')
      .map((c) => StatCache.key(c.root, c.path)),
  );
  return (c) => {
    let p = c.path;
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/')) {
      p = p.slice(0, i);
      if (addedDirs.has(StatCache.key(c.root, p))) return true;
    }
    return false;
  };
}

/** An added file or folder: kept, or (with deleteAdded) moved to the quarantine, never deleted. */
function revertAdded(r: Reverting, c: Change, abs: string, inAddedFolder: boolean): void {
  if (!r.opts.deleteAdded) {
    r.step(c, 'keep-added', 'use --delete-added to move it to the quarantine');
    return;
  }
  if (inAddedFolder) return;
  if (c.path === '') refuse('will not quarantine the site root', abs);
  safeParent(c.root, c.path, new Map(), false);
  if (r.opts.dryRun) r.step(c, 'quarantine');
  else r.step(c, 'quarantine', r.quarantine(abs, c, false));
}

/** A changed or deleted entry put back as the baseline has it. */
async function revertToBaseline(r: Reverting, c: Change, abs: string): Promise<void> {
  const { opts } = r;
  const b = r.baseline.get(StatCache.key(c.root, c.path));
  if (b === undefined) refuse('not in the baseline', abs);
  if (c.path === '') {
    if (b.type !== 'dir') refuse('the root is not a folder in the baseline', abs);
    if (!opts.dryRun) {
      fixModeOwner(abs, b);
      r.restored++;
    }
    r.step(c, 'restore-mode');
    return;
  }
  const contentChanged = c.kinds.some((k) => k === 'deleted' || k === 'modified' || k === 'type' || k === 'symlink');
  const parent = safeParent(c.root, c.path, r.baseline, !opts.dryRun);
  if (!contentChanged) {
    if (!opts.dryRun) {
      fixModeOwner(abs, b);
      r.restored++;
    }
    r.step(c, c.kinds.includes('mode') ? 'restore-mode' : 'restore-owner');
    return;
  }
  if (opts.dryRun) {
    r.step(c, c.kinds.includes('deleted') ? 'recreate' : 'restore');
    return;
  }
  // Something else now stands where the baseline has a different type: a folder is moved to
  // the quarantine first (rename cannot replace a folder with a file).
  let st: Stats | undefined;
  try {
    st = lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (st?.isDirectory() && b.type !== 'dir') r.quarantine(abs, c, true);
  if (b.type === 'file') {
    const { fd, tmp } = stageFile(abs, parent, b, await opts.read(b));
    await r.stage({ fd, tmp, target: abs, root: c.root, path: c.path });
  } else if (b.type === 'symlink') placeSymlink(abs, parent, b);
  else if (b.type === 'dir') {
    if (st !== undefined && !st.isDirectory()) r.quarantine(abs, c, true);
    if (st === undefined || !st.isDirectory()) mkdirSync(abs, { mode: b.mode & 0o7777 });
    fixModeOwner(abs, b);
  } else refuse(`cannot restore a ${b.type}`, abs);
  r.restored++;
  r.step(c, c.kinds.includes('deleted') ? 'recreate' : 'restore');
}

export async function revertChanges(
  changes: readonly Change[],
  baseline: Baseline,
  opts: RevertOptions,
): Promise<RevertResult> {
  const r = new Reverting(baseline, opts);
  const started = performance.now();
  const inAddedFolder = insideAddedFolder(changes);
  for (const c of revertOrder(changes)) {
    const abs = c.path === '' ? c.root : join(c.root, c.path);
    try {
      assertSafeRelPath(c.path);
      if (c.kinds.includes('added')) revertAdded(r, c, abs, inAddedFolder(c));
      else await revertToBaseline(r, c, abs);
    } catch (e) {
      const msg = e instanceof AppError ? e.message : e instanceof Error ? e.message : String(e);
      if (e instanceof AppError && e.code === 'refused') {
        r.refused++;
        r.step(c, 'refused', msg);
      } else {
        r.failed++;
        r.step(c, 'failed', msg);
      }
    }
  }
  await r.finish();
  appendAudit(opts.stateDir, r.audit);
  return {
    steps: r.steps,
    restored: r.restored,
    quarantined: r.quarantined,
    refused: r.refused,
    failed: r.failed,
    quarantineDir: r.usedQuarantine ? r.qdir : null,
    writeMs: performance.now() - started,
  };
}

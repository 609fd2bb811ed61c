// The integrity operations behind `ripcord integrity baseline|check|diff|accept|revert`, over an
// IntegrityContext (context.ts): the baseline is a snapshot in the repository plus layers of
// accepted paths; the quick check reads only the state-dir index; full check, diff, accept and
// revert read the authenticated repository.

import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { ManifestEntry, Repository, SnapshotId } from '../snapshots/index.ts';
import {
  assertSafeRelPath,
  filterBaseline,
  loadBaseline,
  loadBaselineIndex,
  saveBaselineIndex,
  type Baseline,
} from './baseline.ts';
import { annotateWithTraffic, compare, hashAll, type Change, type CheckStats } from './check.ts';
import {
  excludeOf,
  indexFilter,
  locate,
  presetFor,
  requirePointer,
  rootsFor,
  type IntegrityContext,
} from './context.ts';
import { isBinary, unifiedDiff } from './diff.ts';
import { hashFile, readHead, type HashResult } from './hash.ts';
import { revertChanges, type RevertResult } from './revert.ts';
import { StatCache, loadStatCache, saveStatCache } from './statcache.ts';
import { appendAudit, readBaselinePointer, writeBaselinePointer, type BaselinePointer } from './state.ts';
import { BaselineTable } from './table.ts';
import { walkRoots, type FileStat } from './walk.ts';

export interface BaselineResult {
  snapshot: string;
  roots: string[];
  files: number;
  dirs: number;
  bytes: number;
  storedBytes: number;
  durationMs: number;
}

export async function integrityBaseline(
  ctx: IntegrityContext,
  o: { reason?: string | undefined; onProgress?: (files: number, bytes: number) => void } = {},
): Promise<BaselineResult> {
  const previous = readBaselinePointer(ctx.stateDir);
  const roots = rootsFor(ctx, previous);
  for (const r of roots) if (!existsSync(r)) throw new AppError('not_found', 'no such folder', { where: r });
  const started = ctx.clock.now();
  const preset = presetFor(ctx, previous);
  const exclude = ctx.excludeFor(preset);
  return ctx.repository.use(true, async (repo) => {
    const parent =
      previous !== null && previous.roots.join('\0') === roots.join('\0')
        ? (previous.snapshot as SnapshotId)
        : undefined;
    const res = await repo.snapshot(roots, {
      exclude,
      tags: ['integrity-baseline'],
      ...(parent !== undefined ? { parent } : {}),
      ...(o.onProgress !== undefined
        ? { onProgress: (p: { files: number; bytes: number }) => o.onProgress?.(p.files, p.bytes) }
        : {}),
    });
    const time = new Date(ctx.clock.now()).toISOString();
    const pointer: BaselinePointer = {
      version: 1,
      snapshot: res.id,
      roots,
      preset,
      time,
      by: ctx.by,
      reason: o.reason ?? null,
      layers: [],
    };
    writeBaselinePointer(ctx.stateDir, pointer);
    saveBaselineIndex(ctx.stateDir, pointer, await loadBaseline(repo, pointer), indexFilter(ctx, pointer, roots));
    appendAudit(ctx.stateDir, [
      { time, by: ctx.by, action: 'baseline', snapshot: res.id, reason: o.reason ?? null, detail: roots.join(', ') },
    ]);
    return {
      snapshot: res.id,
      roots,
      files: res.summary.files,
      dirs: res.summary.dirs,
      bytes: res.summary.bytes,
      storedBytes: res.summary.storedBytes,
      durationMs: ctx.clock.now() - started,
    };
  });
}

// ------------------------------------------------------------------------------------- check

export interface CheckResult {
  baseline: string;
  roots: string[];
  full: boolean;
  changes: Change[];
  stats: CheckStats;
  durationMs: number;
}

interface Checked extends CheckResult {
  /** The filtered baseline entries, when read from the repository (revert needs them). */
  entries: Baseline | null;
}

/** The filtered baseline: from the state-dir index when allowed and current, else from the repository (refreshing the index). */
async function baselineOf(
  ctx: IntegrityContext,
  pointer: BaselinePointer,
  roots: readonly string[],
  repo: Repository | null,
): Promise<{ table: BaselineTable; entries: Baseline | null; trustedBefore: number }> {
  const filter = indexFilter(ctx, pointer, roots);
  if (repo === null) {
    const idx = loadBaselineIndex(ctx.stateDir, pointer);
    if (idx === null) return ctx.repository.use(false, (r) => baselineOf(ctx, pointer, roots, r));
    // The usual case: the filter is the one the index was found to pass whole.
    const table = idx.filterKey === filter.key ? idx.table : idx.table.filtered(roots, filter.exclude);
    return { table, entries: null, trustedBefore: idx.trustedBefore };
  }
  const loaded = await loadBaseline(repo, pointer);
  saveBaselineIndex(ctx.stateDir, pointer, loaded, filter);
  const entries = filterBaseline(loaded.entries, roots, filter.exclude);
  return { table: BaselineTable.fromEntries(entries.values()), entries, trustedBefore: loaded.trustedBefore };
}

/** A check; `repo` null means the quick path that may use the baseline index instead of the repository. */
/** The walk of the covered folders, and (for a full check) every file's hash, taken up front. */
interface Walked {
  current: FileStat[];
  errors: string[];
  hashed?: Map<FileStat, HashResult>;
}

async function walkFor(ctx: IntegrityContext, pointer: BaselinePointer): Promise<Walked> {
  const errors: string[] = [];
  const current = await walkRoots(rootsFor(ctx, pointer), excludeOf(ctx, pointer), {
    onError: (p, e) => errors.push(`${p}: ${e instanceof Error ? e.message : String(e)}`),
  });
  return { current, errors };
}

async function runCheck(
  ctx: IntegrityContext,
  repo: Repository | null,
  full: boolean,
  scan = true,
  walked?: Walked,
): Promise<Checked> {
  const started = ctx.clock.now();
  const pointer = requirePointer(ctx);
  const roots = rootsFor(ctx, pointer);
  const base = await baselineOf(ctx, pointer, roots, repo);
  const { current, errors, hashed } = walked ?? (await walkFor(ctx, pointer));
  const cache = loadStatCache(ctx.stateDir);
  const { changes, stats } = compare(base.table, current, cache, {
    full,
    now: ctx.clock.now(),
    baselineTrustedBefore: base.trustedBefore,
    rules: scan ? () => ctx.rules() : [],
    maxScanBytes: ctx.cfg.scan.maxBytes,
    ...(hashed !== undefined ? { hashed } : {}),
  });
  stats.errors.push(...errors);
  if (cache.dirty) saveStatCache(ctx.stateDir, cache);
  stats.errors.push(
    ...(await annotateWithTraffic(changes, ctx.traffic, ctx.cfg.traffic.beforeMinutes * 60_000, ctx.cfg.traffic.limit)),
  );
  return {
    baseline: pointer.snapshot,
    roots,
    full,
    changes,
    stats,
    durationMs: ctx.clock.now() - started,
    entries: base.entries,
  };
}

export async function integrityCheck(ctx: IntegrityContext, o: { full: boolean }): Promise<CheckResult> {
  const strip = ({ entries: _entries, ...r }: Checked): CheckResult => r;
  if (!o.full) return strip(await runCheck(ctx, null, false));
  // Opening the repository derives its key with scrypt on the thread pool (~70 ms): hash the
  // files meanwhile instead of waiting. The modules load first, so the derivation really starts.
  const pointer = requirePointer(ctx);
  ctx.repository.prefetch();
  await new Promise<void>((r) => setImmediate(r));
  const walked = await walkFor(ctx, pointer);
  walked.hashed = await hashAll(walked.current, ctx.cfg.scan.maxBytes);
  return ctx.repository.use(false, async (repo) => strip(await runCheck(ctx, repo, true, true, walked)));
}

// -------------------------------------------------------------------------------------- diff

export interface DiffResult {
  root: string;
  path: string;
  status: 'unchanged' | 'modified' | 'added' | 'deleted' | 'not-a-file';
  binary: boolean;
  before: { size: number; hash: string | null; mode: number } | null;
  after: { size: number; hash: string | null; mode: number } | null;
  /** Unified diff of text files; '' when unchanged or binary. */
  diff: string;
}

export async function integrityDiff(ctx: IntegrityContext, p: string): Promise<DiffResult> {
  const pointer = requirePointer(ctx);
  const where = locate(rootsFor(ctx, pointer), p);
  assertSafeRelPath(where.path);
  return ctx.repository.use(false, async (repo) => {
    const base = (await loadBaseline(repo, pointer)).entries.get(StatCache.key(where.root, where.path));
    const abs = join(where.root, where.path);
    let now: Buffer | null = null;
    let mode = 0;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (st?.isFile()) {
      now = readHead(abs, Number.MAX_SAFE_INTEGER);
      mode = st.mode & 0o7777;
    } else if (st !== undefined && base === undefined) {
      return { ...where, status: 'not-a-file', binary: false, before: null, after: null, diff: '' };
    }
    const before = base !== undefined && base.type === 'file' ? await repo.readFile(base) : null;
    if (before === null && now === null) {
      if (base === undefined && st === undefined)
        throw new AppError('not_found', 'neither in the baseline nor on disk', { where: abs });
      return { ...where, status: 'not-a-file', binary: false, before: null, after: null, diff: '' };
    }
    const binary = (before !== null && isBinary(before)) || (now !== null && isBinary(now));
    const sum = (b: Buffer | null, m: number, h: string | null) =>
      b === null ? null : { size: b.length, hash: h, mode: m };
    const nowHash = now === null ? null : hashFile(abs).hash;
    const status =
      before === null ? 'added' : now === null ? 'deleted' : base?.hash === nowHash ? 'unchanged' : 'modified';
    const diff =
      binary || status === 'unchanged'
        ? ''
        : unifiedDiff(
            before?.toString('utf8') ?? '',
            now?.toString('utf8') ?? '',
            `baseline/${where.path}`,
            `current/${where.path}`,
          );
    return {
      ...where,
      status,
      binary,
      before: sum(before, (base?.mode ?? 0) & 0o7777, base?.hash ?? null),
      after: sum(now, mode, nowHash),
      diff,
    };
  });
}

// ------------------------------------------------------------------------------------ accept

export interface AcceptResult {
  snapshot: string;
  /** Paths (root-relative) whose current state is now the baseline. */
  accepted: { root: string; path: string }[];
  all: boolean;
}

function underAny(path: string, prefixes: ReadonlySet<string>): boolean {
  if (prefixes.has('') || prefixes.has(path)) return true;
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1))
    if (prefixes.has(path.slice(0, i))) return true;
  return false;
}

export async function integrityAccept(
  ctx: IntegrityContext,
  o: { paths: readonly string[]; all: boolean; reason?: string | undefined },
): Promise<AcceptResult> {
  const pointer = requirePointer(ctx);
  if (!o.all && o.paths.length === 0) throw new AppError('usage', 'name the paths to accept, or --all');
  const time = new Date(ctx.clock.now()).toISOString();
  const reason = o.reason ?? null;
  if (o.all) {
    const r = await integrityBaseline(ctx, { reason: reason ?? 'accept --all' });
    appendAudit(ctx.stateDir, [{ time, by: ctx.by, action: 'accept', snapshot: r.snapshot, reason, detail: 'all' }]);
    return { snapshot: r.snapshot, accepted: [], all: true };
  }
  const roots = rootsFor(ctx, pointer);
  const baseExclude = excludeOf(ctx, pointer);
  const selected = new Map<string, Set<string>>();
  for (const p of o.paths) {
    const w = locate(roots, p);
    assertSafeRelPath(w.path);
    let s = selected.get(w.root);
    if (s === undefined) selected.set(w.root, (s = new Set()));
    s.add(w.path);
  }
  return ctx.repository.use(false, async (repo) => {
    const before = (await loadBaseline(repo, pointer)).entries;
    const layers = [...pointer.layers];
    const accepted: { root: string; path: string }[] = [];
    // One small snapshot per root, holding only the accepted paths and the folders leading to them.
    for (const [root, sel] of selected) {
      const ancestors = new Set<string>();
      for (const p of sel) for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) ancestors.add(p.slice(0, i));
      const res = await repo.snapshot([root], {
        tags: ['integrity-accept'],
        exclude: (rel, isDir) => baseExclude(rel, isDir) || !(underAny(rel, sel) || (isDir && ancestors.has(rel))),
      });
      const m = await repo.loadManifest(res.id);
      const keys = new Set<string>();
      for (const e of m.entries) if (e.root === root && underAny(e.path, sel)) keys.add(e.path);
      for (const e of before.values()) if (e.root === root && underAny(e.path, sel)) keys.add(e.path);
      const paths = [...keys].sort().map((path) => ({ root, path }));
      layers.push({ snapshot: res.id, paths, time, by: ctx.by, reason });
      accepted.push(...paths);
      appendAudit(ctx.stateDir, [
        { time, by: ctx.by, action: 'accept', snapshot: res.id, root, reason, detail: [...sel].join(', ') },
      ]);
    }
    const next: BaselinePointer = { ...pointer, layers };
    writeBaselinePointer(ctx.stateDir, next);
    saveBaselineIndex(ctx.stateDir, next, await loadBaseline(repo, next), indexFilter(ctx, next, roots));
    return { snapshot: layers[layers.length - 1]?.snapshot ?? pointer.snapshot, accepted, all: false };
  });
}

// ------------------------------------------------------------------------------------ revert

export async function integrityRevert(
  ctx: IntegrityContext,
  o: { paths: readonly string[]; all: boolean; dryRun: boolean; deleteAdded: boolean },
): Promise<RevertResult & { changes: number }> {
  if (!o.all && o.paths.length === 0) throw new AppError('usage', 'name the paths to revert, or --all');
  return ctx.repository.use(false, async (repo) => {
    const checked = await runCheck(ctx, repo, false, false);
    let changes = checked.changes;
    if (!o.all) {
      const byRoot = new Map<string, Set<string>>();
      for (const p of o.paths) {
        const w = locate(checked.roots, p);
        let s = byRoot.get(w.root);
        if (s === undefined) byRoot.set(w.root, (s = new Set()));
        s.add(w.path);
      }
      changes = changes.filter((c) => {
        const s = byRoot.get(c.root);
        return s !== undefined && underAny(c.path, s);
      });
    }
    if (checked.entries === null)
      throw new AppError('internal', 'revert: the baseline was not read from the repository');
    const r = await revertChanges(changes, checked.entries, {
      dryRun: o.dryRun,
      deleteAdded: o.deleteAdded,
      stateDir: ctx.stateDir,
      by: ctx.by,
      now: ctx.clock.now(),
      read: (e: ManifestEntry) => repo.readFile(e),
    });
    return { ...r, changes: changes.length };
  });
}

// File integrity as the CLI and `ripcord run` see it: which roots (config `integrity.paths`,
// `site.root`, or `--root`), which repository and passphrase, and one function per
// `ripcord integrity` command. The work itself is in src/integrity.
//
// Without a config file (`--root DIR`), state and repository live under ./.ripcord (or
// --state-dir): the passphrase is RIPCORD_PASSPHRASE / RIPCORD_PASSPHRASE_FILE when set, else a
// random key generated once into <stateDir>/integrity/repository.key (mode 0600). Keep a copy
// of that file elsewhere: without it the repository cannot be read.

import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../core/errors.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { IntegrityConfig } from '../core/config/integrity.ts';
import type { ManifestEntry, Repository, SnapshotId } from '../snapshots/index.ts';
import {
  annotateWithTraffic,
  appendAudit,
  assertSafeRelPath,
  compare,
  createFilter,
  filterKey,
  BaselineTable,
  filterBaseline,
  hashFile,
  integrityDir,
  isBinary,
  isScannable,
  loadBaseline,
  loadBaselineIndex,
  saveBaselineIndex,
  loadCodeRules,
  loadStatCache,
  readBaselinePointer,
  readHead,
  resolvePreset,
  revertChanges,
  saveStatCache,
  scanContent,
  scanDatabase,
  startWatch,
  tablesToScan,
  scanText,
  StatCache,
  unifiedDiff,
  walkRoots,
  hashAll,
  writeBaselinePointer,
  writeFileAtomic,
  type BaselinePointer,
  type FileStat,
  type HashResult,
  type Change,
  type CheckStats,
  type CodeFinding,
  type CodeRule,
  type DbScanResult,
  type FileWatcher,
  type IntegrityFinding,
  type IntegrityWatch,
  type ShopDbReader,
  type ExcludeFn,
  type FilterSpec,
  type Baseline,
  type RevertResult,
  type TrafficLookup,
} from '../integrity/index.ts';
import { resolvePath, type LoadedConfig } from './config.ts';

// The quick check (the cron job's command) needs neither the repository, nor the traffic store,
// nor any driver while nothing changed: those modules load on first use (about 0.1 s of
// start-up saved, mysql2 alone is a third of it).
const lazy = {
  repository: () =>
    Promise.all([import('../snapshots/index.ts'), import('../adapters/blob/local.ts'), import('./repo.ts')]),
  traffic: () => import('./traffic-lookup.ts'),
  mysql: () => import('../adapters/shopdb/mysql.ts'),
  postgres: () => import('../adapters/shopdb/postgres.ts'),
  chokidar: () => import('../adapters/fswatch/chokidar.ts'),
};

/** The traffic record, opened (and its module loaded) only when a change needs its requests. */
function lazyTrafficLookup(config: LoadedConfig['config']): TrafficLookup {
  let inner: TrafficLookup | undefined;
  return {
    async requestsAround(timeMs, beforeMs, limit) {
      inner ??= (await lazy.traffic()).storeTrafficLookup(config);
      return inner.requestsAround(timeMs, beforeMs, limit);
    },
  };
}

/** chokidar, loaded when `ripcord run` starts watching. */
const lazyChokidar: FileWatcher = {
  watch: async (dirs, ignored, onEvent, onError) =>
    (await lazy.chokidar()).chokidarWatcher.watch(dirs, ignored, onEvent, onError),
};

type Env = Readonly<Record<string, string | undefined>>;

export interface IntegrityTarget {
  /** `--root DIR` (repeatable): overrides the configured paths. */
  roots?: readonly string[] | undefined;
  /** `--preset NAME`: overrides integrity.preset / site.platform. */
  preset?: string | undefined;
}

export interface IntegrityContext {
  loaded: LoadedConfig;
  cfg: IntegrityConfig;
  /** Absolute roots; empty means "those of the baseline". */
  roots: string[];
  stateDir: string;
  /** Preset name chosen by --preset or the config; null when neither says (then the baseline's is used). */
  preset: string | null;
  /** The filter for a preset name. */
  excludeFor(preset: string): ExcludeFn;
  /** What names that filter under some roots (see filterKey). */
  filterKeyFor(preset: string, roots: readonly string[]): string;
  by: string;
  clock: Clock;
  traffic: TrafficLookup;
  env: Env;
  /** Loaded on first use. */
  rules(): CodeRule[];
}

const presetNames = new Set([
  'auto',
  'none',
  'magento1',
  'magento2',
  'woocommerce',
  'wordpress',
  'prestashop',
  'opencart',
]);

/** Who runs a command, for the audit log: the sudo user when there is one. */
export function whoAmI(env: Env = process.env): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep 'unknown'.
  }
  const sudo = env['SUDO_USER'];
  return `${sudo !== undefined && sudo !== '' && sudo !== user ? `${sudo} (as ${user})` : user}@${hostname()}`;
}

export function integrityContext(
  loaded: LoadedConfig,
  t: IntegrityTarget = {},
  deps: { clock?: Clock; traffic?: TrafficLookup; env?: Env } = {},
): IntegrityContext {
  const cfg = loaded.config.integrity;
  if (t.preset !== undefined && !presetNames.has(t.preset))
    throw new AppError('usage', `unknown preset ${t.preset}`, { details: [`one of: ${[...presetNames].join(', ')}`] });
  // --preset wins; then integrity.preset, then site.platform; with neither (`auto` and a
  // `custom` platform) the preset recorded with the baseline is used.
  let preset: string | null =
    t.preset ??
    (cfg.preset !== 'auto'
      ? cfg.preset
      : loaded.config.site.platform !== 'custom'
        ? loaded.config.site.platform
        : null);
  if (preset === 'auto') preset = loaded.config.site.platform === 'custom' ? null : loaded.config.site.platform;
  let roots: string[];
  if (t.roots !== undefined && t.roots.length > 0) roots = t.roots.map((r) => resolve(process.cwd(), r));
  else if (cfg.paths.length > 0) roots = cfg.paths.map((p) => resolvePath(loaded.baseDir, p));
  else if (loaded.config.site.root !== undefined) roots = [resolvePath(loaded.baseDir, loaded.config.site.root)];
  else roots = [];
  roots = roots.map((r) => r.replace(/\/+$/, '') || '/');
  let rules: CodeRule[] | undefined;
  const spec = (name: string): FilterSpec => ({
    preset: resolvePreset(name as IntegrityConfig['preset'], 'custom'),
    include: cfg.include,
    exclude: cfg.exclude,
  });
  return {
    loaded,
    cfg,
    roots,
    stateDir: loaded.config.stateDir,
    preset,
    excludeFor: (name) => createFilter(spec(name)),
    filterKeyFor: (name, roots) => filterKey(roots, spec(name)),
    by: whoAmI(deps.env),
    clock: deps.clock ?? systemClock,
    traffic: deps.traffic ?? lazyTrafficLookup(loaded.config),
    env: deps.env ?? process.env,
    rules() {
      rules ??= loadCodeRules({
        extra: cfg.scan.rules.map((p) => resolvePath(loaded.baseDir, p)),
        disable: cfg.scan.disable,
      });
      return rules;
    },
  };
}

export function keyFilePath(stateDir: string): string {
  return join(integrityDir(stateDir), 'repository.key');
}

/** The repository passphrase: configured or from the environment; without a config file, a generated key file. */
function integrityPassphrase(
  ctx: IntegrityContext,
  create: boolean,
  passphrase: (loaded: LoadedConfig, env: Env) => string,
): string {
  try {
    return passphrase(ctx.loaded, ctx.env);
  } catch (e) {
    if (ctx.loaded.file !== null) throw e;
  }
  const file = keyFilePath(ctx.stateDir);
  if (existsSync(file)) {
    const line = readFileSync(file, 'utf8').split('\n')[0] ?? '';
    if (line === '') throw new AppError('corrupt', 'the repository key file is empty', { where: file });
    return line;
  }
  if (!create)
    throw new AppError(
      'usage',
      'no passphrase: set RIPCORD_PASSPHRASE, or run `ripcord integrity baseline` here first',
      { where: file },
    );
  const key = randomBytes(32).toString('base64url');
  writeFileAtomic(file, `${key}\n`);
  return key;
}

async function withRepository<T>(
  ctx: IntegrityContext,
  create: boolean,
  f: (repo: Repository) => Promise<T>,
): Promise<T> {
  const repo = await openRepo(ctx, create);
  try {
    return await f(repo);
  } finally {
    await repo.close();
  }
}

async function openRepo(ctx: IntegrityContext, create: boolean): Promise<Repository> {
  const [{ initRepository, openRepository, repositoryExists }, , { passphrase, repoBackend }] = await lazy.repository();
  const backend = repoBackend(ctx.loaded, {}, ctx.env);
  const pass = integrityPassphrase(ctx, create, passphrase);
  let repo: Repository;
  if (await repositoryExists(backend)) {
    repo = await openRepository(backend, pass, { staleLockMs: ctx.loaded.config.repository.staleLockMinutes * 60_000 });
  } else {
    if (!create)
      throw new AppError('not_found', 'no repository: run `ripcord integrity baseline` first', {
        where: backend.location,
      });
    const n = ctx.env['RIPCORD_TEST_SCRYPT_N'];
    repo = await initRepository(backend, pass, {
      compressionLevel: ctx.loaded.config.repository.compression,
      ...(n !== undefined ? { scryptN: Number(n) } : {}),
    });
  }
  return repo;
}

function requirePointer(ctx: IntegrityContext): BaselinePointer {
  const p = readBaselinePointer(ctx.stateDir);
  if (p === null)
    throw new AppError('not_found', 'no baseline yet: run `ripcord integrity baseline` first', { where: ctx.stateDir });
  return p;
}

/** The preset in force: the command's or config's, else the baseline's, else none. */
function presetFor(ctx: IntegrityContext, pointer: BaselinePointer | null): string {
  return ctx.preset ?? pointer?.preset ?? 'none';
}

function excludeOf(ctx: IntegrityContext, pointer: BaselinePointer | null): ExcludeFn {
  return ctx.excludeFor(presetFor(ctx, pointer));
}

/** The filter of a check, named so the baseline index can tell whether it is the one it was checked against. */
function indexFilter(
  ctx: IntegrityContext,
  pointer: BaselinePointer,
  roots: readonly string[],
): { key: string; roots: readonly string[]; exclude: ExcludeFn } {
  return { key: ctx.filterKeyFor(presetFor(ctx, pointer), roots), roots, exclude: excludeOf(ctx, pointer) };
}

function rootsFor(ctx: IntegrityContext, pointer: BaselinePointer | null): string[] {
  if (ctx.roots.length > 0) return ctx.roots;
  if (pointer !== null) return pointer.roots;
  throw new AppError(
    'usage',
    'no folders to cover: give --root DIR, or set integrity.paths or site.root in the config',
  );
}

// ---------------------------------------------------------------------------------- baseline

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
  return withRepository(ctx, true, async (repo) => {
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
    if (idx === null) return withRepository(ctx, false, (r) => baselineOf(ctx, pointer, roots, r));
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
  await lazy.repository();
  const opening = openRepo(ctx, false);
  opening.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  let walked: Walked;
  try {
    await new Promise<void>((r) => setImmediate(r));
    walked = await walkFor(ctx, pointer);
    walked.hashed = await hashAll(walked.current, ctx.cfg.scan.maxBytes);
  } catch (e) {
    await opening.then((r) => r.close()).catch(() => {});
    throw e;
  }
  const repo = await opening;
  try {
    return strip(await runCheck(ctx, repo, true, true, walked));
  } finally {
    await repo.close();
  }
}

// -------------------------------------------------------------------------------------- diff

/** Finds which root a user-given path lies under, and its '/'-separated path there. */
export function locate(roots: readonly string[], p: string): { root: string; path: string } {
  const abs = resolve(process.cwd(), p);
  for (const root of roots) {
    const rel = relative(root, abs);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return { root, path: rel.split(sep).join('/') };
  }
  // A relative path may also be meant relative to the (only) root.
  if (!isAbsolute(p) && roots.length === 1) {
    const rel = p.split(sep).join('/').replace(/^\.\//, '').replace(/\/+$/, '');
    assertSafeRelPath(rel);
    return { root: roots[0] as string, path: rel };
  }
  throw new AppError('usage', 'the path is not under any covered folder', {
    where: p,
    details: roots.map((r) => `covered: ${r}`),
  });
}

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
  return withRepository(ctx, false, async (repo) => {
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
  return withRepository(ctx, false, async (repo) => {
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
  return withRepository(ctx, false, async (repo) => {
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

// -------------------------------------------------------------------------------------- scan

export interface ScanResult {
  findings: CodeFinding[];
  files: number;
  bytes: number;
  durationMs: number;
}

export async function integrityScan(ctx: IntegrityContext, paths: readonly string[]): Promise<ScanResult> {
  const started = ctx.clock.now();
  const rules = ctx.rules();
  const pointer = readBaselinePointer(ctx.stateDir);
  const known = ctx.roots.length > 0 ? ctx.roots : (pointer?.roots ?? []);
  const targets = paths.length > 0 ? paths.map((p) => resolve(process.cwd(), p)) : known;
  if (targets.length === 0)
    throw new AppError(
      'usage',
      'nothing to scan: name files or folders, give --root DIR, or configure integrity.paths',
    );
  // Scanning covers uploads and caches too: only version control and Ripcord's own state are skipped.
  const scanExclude = createFilter({ preset: null, exclude: ctx.cfg.exclude });
  const findings: CodeFinding[] = [];
  let files = 0;
  let bytes = 0;
  for (const t of targets) {
    const st = lstatSync(t, { throwIfNoEntry: false });
    if (st === undefined) throw new AppError('not_found', 'no such file or folder', { where: t });
    // Paths are matched relative to the covered root they lie in (so upload-folder rules work), else to the folder scanned.
    const base = known.find((r) => t === r || t.startsWith(`${r}/`)) ?? (st.isDirectory() ? t : resolve(t, '..'));
    const list = st.isDirectory()
      ? (await walkRoots([t], scanExclude)).filter((e) => e.type === 'file')
      : [{ root: resolve(t, '..'), path: t.slice(t.lastIndexOf('/') + 1) }];
    for (const e of list) {
      const abs = join(e.root, e.path);
      const rel = relative(base, abs).split(sep).join('/');
      if (!isScannable(rel, rules)) continue;
      let head: Buffer;
      try {
        head = readHead(abs, ctx.cfg.scan.maxBytes);
      } catch {
        continue;
      }
      files++;
      bytes += head.length;
      findings.push(...scanContent(scanText(head, ctx.cfg.scan.maxBytes), { path: abs, rel }, rules));
    }
  }
  return { findings, files, bytes, durationMs: ctx.clock.now() - started };
}

/** The real path of a folder, or the path itself when it cannot be resolved. */
export function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

// ----------------------------------------------------------------------------------- scan-db

export interface ScanDbResult extends DbScanResult {
  durationMs: number;
}

/** Opens the shop database named by a mysql:// or postgres:// URL; RIPCORD_SHOPDB_PASSWORD fills in a missing password. */
export async function openShopDb(url: string, env: Env = process.env): Promise<ShopDbReader> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('usage', 'the shop database URL is not a URL (mysql://user@host:3306/db or postgres://…)');
  }
  const pw = env['RIPCORD_SHOPDB_PASSWORD'];
  if (u.password === '' && pw !== undefined && pw !== '') u.password = pw;
  if (u.protocol === 'mysql:' || u.protocol === 'mariadb:') {
    u.protocol = 'mysql:';
    return (await lazy.mysql()).MysqlShopDb.open(u.toString());
  }
  if (u.protocol === 'postgres:' || u.protocol === 'postgresql:')
    return (await lazy.postgres()).PostgresShopDb.open(u.toString());
  throw new AppError('usage', `unsupported shop database ${u.protocol.replace(':', '')}: use mysql:// or postgres://`);
}

export async function integrityScanDb(ctx: IntegrityContext, o: { url?: string | undefined }): Promise<ScanDbResult> {
  const started = ctx.clock.now();
  const url = o.url ?? ctx.cfg.scanDb.url;
  if (url === undefined) throw new AppError('usage', 'no shop database: set integrity.scanDb.url or give --url');
  const tables = tablesToScan(ctx.cfg.scanDb, ctx.loaded.config.site.platform);
  if (tables.length === 0)
    throw new AppError(
      'usage',
      'no tables to scan: set site.platform or integrity.scanDb.preset, or list integrity.scanDb.tables',
    );
  const db = await openShopDb(url, ctx.env);
  try {
    const r = await scanDatabase(db, tables, ctx.rules(), {
      batchSize: ctx.cfg.scanDb.batchSize,
      maxBytes: ctx.cfg.scan.maxBytes,
    });
    return { ...r, durationMs: ctx.clock.now() - started };
  } finally {
    await db.close();
  }
}

// ------------------------------------------------------------------------------------- watch

export interface StartWatchOptions {
  loaded: LoadedConfig;
  /** Each change, and each malicious-code hit in it, as a Finding (category 'integrity'). */
  onFinding(f: IntegrityFinding): void;
  onError?: (e: unknown) => void;
  traffic?: TrafficLookup;
  clock?: Clock;
  /** Overrides the configured folders. */
  roots?: string[];
  /** Defaults to chokidar; tests pass their own. */
  watcher?: FileWatcher;
  /** Overrides integrity.schedule; null for no scheduled check. */
  schedule?: string | null;
  onReady?: (watched: number, unwatched: number) => void;
}

/**
 * For `ripcord run`: real-time watching of the covered folders (when integrity.watch.enabled)
 * and the scheduled full check (integrity.schedule). Needs a baseline; without one the error
 * goes to onError and nothing is watched.
 */
export function startIntegrityWatch(o: StartWatchOptions): IntegrityWatch {
  const onError = o.onError ?? (() => {});
  const ctx = integrityContext(
    o.loaded,
    { roots: o.roots },
    {
      ...(o.clock !== undefined ? { clock: o.clock } : {}),
      ...(o.traffic !== undefined ? { traffic: o.traffic } : {}),
    },
  );
  const pointer = readBaselinePointer(ctx.stateDir);
  if (pointer === null) {
    onError(
      new AppError('not_found', 'integrity watch: no baseline yet; run `ripcord integrity baseline`', {
        where: ctx.stateDir,
      }),
    );
    return { ready: Promise.resolve(), stop: async () => {} };
  }
  const roots = rootsFor(ctx, pointer);
  const exclude = excludeOf(ctx, pointer);
  const cfg = ctx.cfg;
  return startWatch({
    roots,
    exclude,
    loadBaseline: () =>
      withRepository(ctx, false, async (repo) => {
        const p = requirePointer(ctx);
        return filterBaseline((await loadBaseline(repo, p)).entries, roots, exclude);
      }),
    watcher: o.watcher ?? (cfg.watch.enabled ? lazyChokidar : noWatcher),
    maxFolders: cfg.watch.enabled ? cfg.watch.maxFolders : 0,
    settleMs: cfg.watch.settleMs,
    rules: ctx.rules(),
    maxScanBytes: cfg.scan.maxBytes,
    clock: ctx.clock,
    onFinding: o.onFinding,
    onError,
    schedule: o.schedule !== undefined ? o.schedule : cfg.schedule,
    fullCheck: async () => (await integrityCheck(ctx, { full: true })).changes,
    ...(o.onReady !== undefined ? { onReady: o.onReady } : {}),
  });
}

const noWatcher: FileWatcher = {
  watch: async () => ({ add() {}, close: async () => {} }),
};

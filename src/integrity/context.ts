// What every integrity operation works with: the covered folders, the preset and filters, who
// runs it (for the audit log), the clock, and its I/O as ports — the repository holding the
// baselines, the traffic record, the shop database, the file watcher. src/app builds one from
// the configuration (app/integrity.ts); the helpers here turn it into roots, filters and the
// baseline pointer.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { IntegrityConfig } from '../core/config/integrity.ts';
import type { ExcludeFn } from './filter.ts';
import type { FileWatcher, RepositoryAccess, ShopDbOpener, SignatureScanner, TrafficLookup } from './ports.ts';
import type { CodeRule } from './scan/rules.ts';
import { readBaselinePointer, type BaselinePointer } from './state.ts';
import { assertSafeRelPath } from './baseline.ts';

export interface IntegrityContext {
  cfg: IntegrityConfig;
  /** `site.platform` (which shop tables scan-db reads by default). */
  platform: string;
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
  repository: RepositoryAccess;
  openShopDb: ShopDbOpener;
  /** Real-time file watching for the watch. */
  watcher: FileWatcher;
  /** Loaded on first use. */
  rules(): CodeRule[];
  /** The owner's YARA rules (integrity.scan.yara), or null when none are configured. */
  signatures: SignatureScanner | null;
}

export function requirePointer(ctx: IntegrityContext): BaselinePointer {
  const p = readBaselinePointer(ctx.stateDir);
  if (p === null)
    throw new AppError('not_found', 'no baseline yet: run `ripcord integrity baseline` first', { where: ctx.stateDir });
  return p;
}

/** The preset in force: the command's or config's, else the baseline's, else none. */
export function presetFor(ctx: IntegrityContext, pointer: BaselinePointer | null): string {
  return ctx.preset ?? pointer?.preset ?? 'none';
}

export function excludeOf(ctx: IntegrityContext, pointer: BaselinePointer | null): ExcludeFn {
  return ctx.excludeFor(presetFor(ctx, pointer));
}

/** The filter of a check, named so the baseline index can tell whether it is the one it was checked against. */
export function indexFilter(
  ctx: IntegrityContext,
  pointer: BaselinePointer,
  roots: readonly string[],
): { key: string; roots: readonly string[]; exclude: ExcludeFn } {
  return { key: ctx.filterKeyFor(presetFor(ctx, pointer), roots), roots, exclude: excludeOf(ctx, pointer) };
}

export function rootsFor(ctx: IntegrityContext, pointer: BaselinePointer | null): string[] {
  if (ctx.roots.length > 0) return ctx.roots;
  if (pointer !== null) return pointer.roots;
  throw new AppError(
    'usage',
    'no folders to cover: give --root DIR, or set integrity.paths or site.root in the config',
  );
}

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

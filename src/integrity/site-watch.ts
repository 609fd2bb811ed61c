// The integrity watch inside `ripcord run`: real-time watching of the covered folders (when
// integrity.watch.enabled) and the scheduled full check (integrity.schedule), raising a finding
// for each change. Needs a baseline; without one the error goes to onError and nothing is watched.

import { AppError } from '../core/errors.ts';
import { filterBaseline, loadBaseline } from './baseline.ts';
import { excludeOf, requirePointer, rootsFor, type IntegrityContext } from './context.ts';
import { integrityCheck } from './operations.ts';
import type { IntegrityFinding } from './ports.ts';
import { readBaselinePointer } from './state.ts';
import { startWatch, type IntegrityWatch } from './watch.ts';

export interface SiteWatchOptions {
  /** Each change, and each malicious-code hit in it, as a Finding (category 'integrity'). */
  onFinding(f: IntegrityFinding): void;
  onError?: (e: unknown) => void;
  /** Overrides integrity.schedule; null for no scheduled check. */
  schedule?: string | null;
  onReady?: (watched: number, unwatched: number) => void;
}

export function watchSite(ctx: IntegrityContext, o: SiteWatchOptions): IntegrityWatch {
  const onError = o.onError ?? (() => {});
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
      ctx.repository.use(false, async (repo) => {
        const p = requirePointer(ctx);
        return filterBaseline((await loadBaseline(repo, p)).entries, roots, exclude);
      }),
    watcher: ctx.watcher,
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

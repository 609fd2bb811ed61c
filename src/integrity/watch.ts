// Real-time watching for `ripcord run`: a bounded set of folders is watched (the shallowest
// first, at most `maxFolders`, excluded folders never), each event is settled for a moment,
// then the file is compared with the baseline and a change becomes a Finding (category
// 'integrity') within seconds. A scheduled full check (croner; daily by default, PCI DSS asks
// weekly) covers whatever the watcher cannot see.

import { lstatSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Cron } from 'croner';
import type { Clock } from '../core/clock.ts';
import type { Baseline } from './baseline.ts';
import type { Change } from './check.ts';
import { compare } from './check.ts';
import type { ExcludeFn } from './filter.ts';
import { isExecutableName } from './filter.ts';
import type { FileWatcher, IntegrityFinding, IntegritySeverity, WatchHandle } from './ports.ts';
import type { CodeFinding } from './scan/scanner.ts';
import type { CodeRule } from './scan/rules.ts';
import { StatCache } from './statcache.ts';
import { toFileStat, walkRoots, type FileStat } from './walk.ts';
import { languagesOf } from './scan/languages.ts';

const rank: Record<IntegritySeverity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** How bad a change is: code and executable files matter most. */
export function changeSeverity(c: Change): IntegritySeverity {
  const worst = c.findings.reduce<IntegritySeverity>((s, f) => (rank[f.severity] > rank[s] ? f.severity : s), 'info');
  if (worst === 'critical') return 'critical';
  const code = isExecutableName(c.path) || languagesOf(c.path).some((l) => l === 'js' || l === 'html' || l === 'php');
  const base: IntegritySeverity =
    c.kinds.includes('added') || c.kinds.includes('modified') || c.kinds.includes('type') || c.kinds.includes('symlink')
      ? code
        ? 'high'
        : 'medium'
      : 'medium';
  return rank[worst] > rank[base] ? worst : base;
}

/** The findings for one change: the change itself, then each malicious-code hit in it. */
export function findingsOf(c: Change, now: number): IntegrityFinding[] {
  const abs = c.path === '' ? c.root : join(c.root, c.path);
  const time = c.time ?? now;
  const top = c.requests[0];
  const evidence = [
    abs,
    ...c.requests
      .slice(0, 3)
      .map(
        (r) =>
          `${new Date(r.time).toISOString()} ${r.ip} ${r.method} ${r.path}${r.query ? `?${r.query}` : ''} ${r.status}`,
      ),
  ];
  const out: IntegrityFinding[] = [
    {
      rule: `integrity-${c.kinds[0] ?? 'modified'}`,
      category: 'integrity',
      severity: changeSeverity(c),
      time,
      ip: top?.ip ?? null,
      user: null,
      service: 'file',
      field: 'path',
      match: c.path,
      message: `${c.kinds.join(', ')}: ${abs}`,
      groupKey: `integrity|${c.root}`,
      evidence,
    },
  ];
  for (const f of c.findings) out.push(codeFinding(f, time, c.root, top?.ip ?? null));
  return out;
}

export function codeFinding(
  f: CodeFinding,
  time: number,
  groupRoot: string,
  ip: string | null = null,
): IntegrityFinding {
  return {
    rule: `code-${f.rule}`,
    category: 'integrity',
    severity: f.severity,
    time,
    ip,
    user: null,
    service: 'file',
    field: 'content',
    match: f.match,
    message: `${f.description} (${f.path}${f.line > 0 ? ` line ${f.line}` : ''})`,
    groupKey: `integrity|${groupRoot}`,
    evidence: [`${f.path}:${f.line}`],
  };
}

export interface WatchOptions {
  roots: readonly string[];
  exclude: ExcludeFn;
  /** The baseline in force (re-read after each scheduled check, so accepts are picked up). */
  loadBaseline(): Promise<Baseline>;
  watcher: FileWatcher;
  maxFolders: number;
  settleMs: number;
  rules: readonly CodeRule[];
  maxScanBytes: number;
  clock: Clock;
  onFinding(f: IntegrityFinding): void;
  onError(e: unknown): void;
  /** Cron expression of the full check; null for none. */
  schedule: string | null;
  /** The scheduled full check (the app runs `check --full` and passes the changes on). */
  fullCheck?: () => Promise<Change[]>;
  /** Called when the watcher is up, with how many folders it watches and how many it left to the schedule. */
  onReady?: (watched: number, unwatched: number) => void;
}

export interface IntegrityWatch {
  stop(): Promise<void>;
  /** Resolves when watching has started (or failed, reported through onError). */
  ready: Promise<void>;
}

export function startWatch(o: WatchOptions): IntegrityWatch {
  let stopped = false;
  let handle: WatchHandle | null = null;
  let baseline: Baseline = new Map();
  let watchedCount = 0;
  const timers = new Map<string, NodeJS.Timeout>();
  const reported = new Map<string, string>();
  let cron: Cron | null = null;

  const locate = (abs: string): { root: string; path: string } | null => {
    for (const root of o.roots) {
      const rel = relative(root, abs);
      if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep)))
        return { root, path: rel.split(sep).join('/') };
    }
    return null;
  };

  const checkPath = (abs: string) => {
    const where = locate(abs);
    if (where === null || stopped) return;
    let current: FileStat[] = [];
    try {
      const st = lstatSync(abs);
      if (o.exclude(where.path, st.isDirectory())) return;
      current = [toFileStat(where.root, where.path, abs, st)];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return o.onError(e);
    }
    const key = StatCache.key(where.root, where.path);
    const b = baseline.get(key);
    const single: Baseline = new Map(b !== undefined ? [[key, b]] : []);
    const { changes } = compare(single, current, new StatCache(), {
      full: true,
      rules: o.rules,
      maxScanBytes: o.maxScanBytes,
      now: o.clock.now(),
      baselineTrustedBefore: 0,
    });
    const c = changes[0];
    if (c === undefined) {
      reported.delete(key);
      return;
    }
    // Report a given state once: the same content changing again is a new finding.
    const sig = `${c.kinds.join(',')}|${c.after?.hash ?? ''}|${c.after?.mode ?? ''}|${c.after?.target ?? ''}`;
    if (reported.get(key) === sig) return;
    reported.set(key, sig);
    for (const f of findingsOf(c, o.clock.now())) o.onFinding(f);
  };

  const onEvent = (e: { type: string; path: string }) => {
    if (stopped) return;
    if (e.type === 'addDir' && handle !== null && watchedCount < o.maxFolders) {
      const where = locate(e.path);
      if (where !== null && !o.exclude(where.path, true)) {
        watchedCount++;
        handle.add([e.path]);
      }
    }
    const t = timers.get(e.path);
    if (t !== undefined) clearTimeout(t);
    timers.set(
      e.path,
      setTimeout(() => {
        timers.delete(e.path);
        try {
          checkPath(e.path);
        } catch (err) {
          o.onError(err);
        }
      }, o.settleMs),
    );
  };

  const ready = (async () => {
    baseline = await o.loadBaseline();
    // The shallowest folders first: top-level code folders matter more than deep media trees.
    const dirs = (await walkRoots(o.roots, o.exclude))
      .filter((e) => e.type === 'dir')
      .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
    const chosen = dirs.slice(0, o.maxFolders).map((d) => (d.path === '' ? d.root : join(d.root, d.path)));
    watchedCount = chosen.length;
    if (stopped) return;
    handle = await o.watcher.watch(
      chosen,
      (abs, isDir) => {
        const where = locate(abs);
        return where === null ? true : where.path !== '' && o.exclude(where.path, isDir === true);
      },
      onEvent,
      o.onError,
    );
    if (stopped) {
      await handle.close();
      return;
    }
    o.onReady?.(chosen.length, dirs.length - chosen.length);
    if (o.schedule !== null && o.fullCheck !== undefined) {
      const full = o.fullCheck;
      cron = new Cron(o.schedule, { protect: true }, async () => {
        try {
          const changes = await full();
          for (const c of changes) for (const f of findingsOf(c, o.clock.now())) o.onFinding(f);
          baseline = await o.loadBaseline();
        } catch (e) {
          o.onError(e);
        }
      });
    }
  })().catch((e: unknown) => o.onError(e));

  return {
    ready,
    async stop() {
      stopped = true;
      cron?.stop();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await ready;
      await handle?.close();
    },
  };
}

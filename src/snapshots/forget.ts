// Keep rules (restic's forget policy): within each group of snapshots (same host and roots),
// keep the newest `last`, and the newest snapshot of each of the newest N hours, days, ISO
// weeks, months and years that have one. Buckets are in UTC so every server agrees.

import { AppError } from '../core/errors.ts';
import type { ForgetResult, KeepRules, SnapshotInfo } from './types.ts';

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${week}`;
}

const buckets: [keyof KeepRules, (d: Date) => string][] = [
  ['hourly', (d) => d.toISOString().slice(0, 13)],
  ['daily', (d) => d.toISOString().slice(0, 10)],
  ['weekly', isoWeek],
  ['monthly', (d) => d.toISOString().slice(0, 7)],
  ['yearly', (d) => d.toISOString().slice(0, 4)],
];

export function applyKeepRules(all: readonly SnapshotInfo[], rules: KeepRules): ForgetResult {
  const counts = [rules.last, rules.hourly, rules.daily, rules.weekly, rules.monthly, rules.yearly];
  if (counts.every((c) => c === undefined))
    throw new AppError(
      'usage',
      'give at least one keep rule (--keep-last N, --keep-daily N, ...); forgetting everything is not a default',
    );
  for (const c of counts)
    if (c !== undefined && (!Number.isInteger(c) || c < 0))
      throw new AppError('usage', 'keep counts are whole numbers >= 0');
  const keep: SnapshotInfo[] = [];
  const remove: SnapshotInfo[] = [];
  const groups = new Map<string, SnapshotInfo[]>();
  for (const s of all) {
    const considered =
      (rules.host === undefined || s.host === rules.host) && (rules.tags ?? []).every((t) => s.tags.includes(t));
    if (!considered) {
      keep.push(s);
      continue;
    }
    const g = `${s.host}\u0000${[...s.roots].sort().join('\u0000')}`;
    const list = groups.get(g) ?? [];
    list.push(s);
    groups.set(g, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)); // newest first
    const left = new Map<string, number>();
    const seen = new Map<string, Set<string>>();
    for (const [name] of buckets) {
      const n = rules[name];
      if (typeof n === 'number') left.set(name, n);
      seen.set(name, new Set());
    }
    list.forEach((s, i) => {
      let kept = rules.last !== undefined && i < rules.last;
      const d = new Date(s.time);
      for (const [name, bucketOf] of buckets) {
        const n = left.get(name);
        if (n === undefined || n <= 0) continue;
        const b = bucketOf(d);
        const got = seen.get(name) as Set<string>;
        if (got.has(b)) continue;
        got.add(b);
        left.set(name, n - 1);
        kept = true;
      }
      (kept ? keep : remove).push(s);
    });
  }
  return { keep, remove };
}

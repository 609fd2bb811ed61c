// Retention property tests: random snapshot histories against a small reference model of
// restic's documented forget policy — keep-last keeps the N newest; keep-hourly/daily/weekly/
// monthly/yearly keep the newest snapshot of each of the N most recent periods that have a
// snapshot (weeks start on Monday, as ISO weeks do); a snapshot kept by any rule is kept. The
// model works on period numbers (days since the epoch), not the implementation's bucket strings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyKeepRules } from '../../../src/snapshots/forget.ts';
import { snapshotId, type KeepRules, type SnapshotInfo } from '../../../src/snapshots/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Rule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
const rules: Rule[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** The period a time falls in, per rule, as a number (1970-01-05 was a Monday). */
function period(rule: Exclude<Rule, 'last'>, ms: number): number {
  const d = new Date(ms);
  switch (rule) {
    case 'hourly':
      return Math.floor(ms / HOUR);
    case 'daily':
      return Math.floor(ms / DAY);
    case 'weekly':
      return Math.floor((Math.floor(ms / DAY) - 4) / 7);
    case 'monthly':
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    case 'yearly':
      return d.getUTCFullYear();
  }
}

/** restic's rules as documented, on times (ms), returning the kept times. */
function referenceKeep(times: number[], keep: Partial<Record<Rule, number>>): Set<number> {
  const newest = [...times].sort((a, b) => b - a);
  const kept = new Set<number>(newest.slice(0, keep.last ?? 0));
  for (const rule of rules) {
    if (rule === 'last') continue;
    const n = keep[rule];
    if (n === undefined) continue;
    const byPeriod = new Map<number, number>();
    for (const t of newest) if (!byPeriod.has(period(rule, t))) byPeriod.set(period(rule, t), t);
    const recent = [...byPeriod.keys()].sort((a, b) => b - a).slice(0, n);
    for (const p of recent) kept.add(byPeriod.get(p) as number);
  }
  return kept;
}

const info = (ms: number, i: number, tags: string[]): SnapshotInfo => ({
  id: snapshotId(i.toString(16).padStart(64, '0')),
  time: new Date(ms).toISOString(),
  roots: ['-'],
  tags,
  host: 'shop',
  extra: {},
  summary: { files: 1, dirs: 0, bytes: 1, newBytes: 1, storedBytes: 1, durationMs: 1 } as SnapshotInfo['summary'],
});

const start = Date.UTC(2019, 0, 1);
// Histories up to ~3 years, dense enough that hours and days repeat; unique times.
const history = fc
  .uniqueArray(fc.integer({ min: 0, max: 3 * 365 * 24 * 4 }), { minLength: 0, maxLength: 80 })
  .map((qs) => qs.map((q) => start + q * 15 * 60_000 + 7_000));
const keepArb = fc
  .record(
    {
      last: fc.integer({ min: 0, max: 6 }),
      hourly: fc.integer({ min: 0, max: 30 }),
      daily: fc.integer({ min: 0, max: 14 }),
      weekly: fc.integer({ min: 0, max: 8 }),
      monthly: fc.integer({ min: 0, max: 12 }),
      yearly: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  )
  .filter((k) => Object.keys(k).length > 0);

test('the kept set matches the reference model of restic’s rules', () => {
  fc.assert(
    fc.property(history, keepArb, (times, keep) => {
      const snaps = times.map((t, i) => info(t, i, ['job:shop']));
      const r = applyKeepRules(snaps, keep as KeepRules);
      const got = new Set(r.keep.map((s) => Date.parse(s.time)));
      assert.deepEqual([...got].sort(), [...referenceKeep(times, keep)].sort());
      assert.equal(r.keep.length + r.remove.length, snaps.length, 'every snapshot is either kept or removed');
    }),
    { numRuns: 400 },
  );
});

test('one job’s rules leave other jobs’ snapshots alone', () => {
  fc.assert(
    fc.property(history, history, keepArb, (mine, theirs, keep) => {
      const snaps = [
        ...mine.map((t, i) => info(t, i, ['job:shop'])),
        ...theirs.map((t, i) => info(t, 10_000 + i, ['job:files'])),
      ];
      const r = applyKeepRules(snaps, { ...(keep as KeepRules), tags: ['job:shop'] });
      assert.ok(r.remove.every((s) => s.tags.includes('job:shop')));
      assert.equal(r.keep.filter((s) => s.tags.includes('job:files')).length, theirs.length);
    }),
    { numRuns: 100 },
  );
});

test('a known history: daily 3 keeps the newest of each of the last 3 days that have one', () => {
  const t = (d: number, h: number) => Date.UTC(2024, 0, d, h);
  const times = [t(1, 1), t(1, 9), t(3, 2), t(6, 5), t(6, 23), t(7, 4)];
  const r = applyKeepRules(
    times.map((x, i) => info(x, i, [])),
    { daily: 3 },
  );
  assert.deepEqual(
    r.keep.map((s) => s.time).sort(),
    [t(3, 2), t(6, 23), t(7, 4)].map((x) => new Date(x).toISOString()),
  );
});

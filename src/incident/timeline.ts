// The incident's timeline: every subsystem's entries for the window merged in time order with
// the record's own (declared, notes, ticked steps, custody, closed). A source that fails does
// not hide the others: its failure becomes an entry saying what is missing and why.

import type { CustodyEntry, Incident, Note, StepTick, TimelineEntry } from './model.ts';
import type { TimelineSource } from './ports.ts';

const order: Record<TimelineEntry['kind'], number> = {
  incident: 0,
  evidence: 1,
  finding: 2,
  login: 3,
  'file-change': 4,
  alert: 5,
  backup: 6,
  drill: 7,
  notice: 8,
  note: 9,
  step: 10,
};

/** Stable time order; at the same instant, the cause-side kinds (findings, logins) come first. */
function byTime(a: TimelineEntry, b: TimelineEntry): number {
  return (
    a.time - b.time || order[a.kind] - order[b.kind] || (a.summary < b.summary ? -1 : a.summary > b.summary ? 1 : 0)
  );
}

/** The incident record's own entries. `stepText` names a ticked step by its key. */
export function recordEntries(
  i: Incident,
  notes: readonly Note[],
  ticks: readonly StepTick[],
  custody: readonly CustodyEntry[],
  stepText: (key: string) => string,
): TimelineEntry[] {
  const out: TimelineEntry[] = [
    { time: i.discoveredAt, kind: 'incident', source: 'incident', summary: `discovered: ${i.title}` },
    {
      time: i.declaredAt,
      kind: 'incident',
      source: 'incident',
      summary: `${i.id} declared by ${i.declaredBy} (severity ${i.severity})`,
      user: i.declaredBy,
    },
  ];
  for (const n of notes) out.push({ time: n.time, kind: 'note', source: 'incident', summary: n.text, user: n.by });
  for (const t of ticks)
    out.push({ time: t.time, kind: 'step', source: 'incident', summary: `done: ${stepText(t.key)}`, user: t.by });
  for (const c of custody)
    out.push({
      time: c.time,
      kind: 'evidence',
      source: 'incident',
      summary: `evidence ${c.action}: ${c.detail}`,
      user: c.by,
    });
  if (i.status === 'closed')
    out.push({
      time: i.closedAt,
      kind: 'incident',
      source: 'incident',
      summary: `${i.id} closed by ${i.closedBy}`,
      user: i.closedBy,
    });
  return out;
}

export interface Timeline {
  from: number;
  to: number;
  entries: TimelineEntry[];
  /** Sources that could not be read, with why. */
  gaps: { source: string; error: string }[];
}

/** Reads every source for [from, to] (concurrently) and merges them with the record's entries. */
export async function buildTimeline(
  sources: readonly TimelineSource[],
  own: readonly TimelineEntry[],
  from: number,
  to: number,
): Promise<Timeline> {
  const gaps: Timeline['gaps'] = [];
  const parts = await Promise.all(
    sources.map(async (s) => {
      try {
        return await s.entries(from, to);
      } catch (e) {
        gaps.push({ source: s.name, error: e instanceof Error ? e.message : String(e) });
        return [];
      }
    }),
  );
  const entries = [...own, ...parts.flat()].sort(byTime);
  gaps.sort((a, b) => (a.source < b.source ? -1 : 1));
  return { from, to, entries, gaps };
}

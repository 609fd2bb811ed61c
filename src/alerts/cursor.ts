// The dispatcher's place in the findings table. Ids are read in order, but on PostgreSQL a
// lower id can become visible after a higher one (two writers commit out of order), so the
// cursor only moves past a missing id once it has stayed missing for `graceMs`; ids handled
// above a gap are remembered in `seen` so they are not queued twice. Pure.

import type { DispatchCursor } from './ports.ts';

export interface Gaps {
  /** Missing id -> when it was first noticed (dispatcher memory; restarts start the wait over). */
  firstSeen: Map<number, number>;
}

/**
 * Moves the cursor over handled ids. `handled` are ids handled now (all > afterId), `highest`
 * the highest id read. Returns the new cursor position and the handled ids still above it.
 */
export function advance(
  cur: Pick<DispatchCursor, 'afterId' | 'seen'>,
  handled: readonly number[],
  gaps: Gaps,
  now: number,
  graceMs: number,
): { afterId: number; seen: number[] } {
  const done = [...new Set<number>([...cur.seen, ...handled])].filter((id) => id > cur.afterId).sort((a, b) => a - b);
  let at = cur.afterId;
  for (const id of done) {
    if (id > at + 1) {
      // A run of missing ids (at, id): waited out as one gap, keyed by its first id.
      const gap = at + 1;
      const since = gaps.firstSeen.get(gap);
      if (since === undefined) gaps.firstSeen.set(gap, now);
      if (graceMs > 0 && (since === undefined || now - since < graceMs)) break;
      gaps.firstSeen.delete(gap);
    }
    at = id;
  }
  for (const id of gaps.firstSeen.keys()) if (id <= at) gaps.firstSeen.delete(id);
  return { afterId: at, seen: done.filter((id) => id > at) };
}

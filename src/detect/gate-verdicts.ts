// Detection split across two threads. Gates and signature rules are pure functions of one
// event, so another thread can run them (the costly part of detection: cache look-ups,
// decoding, literal scans, rule conditions) while the rules that keep state (counting windows,
// first-seen logins) run where the events are stored, in order, reading the gates' verdicts
// from the other thread instead of working them out again. Both sides compile the same rule
// set; the fingerprint of its gate layout tells them apart when they do not.

import { createHash } from 'node:crypto';
import type { CompiledRules } from './compile.ts';

// The verdicts of a batch cross the thread boundary as one array (transferred, not copied):
// `stride` ints per event, for each gate group its verdicts (a bit per gate of the group) then
// the same verdicts as a mask over gate indices (see compile.ts groupMask).

/** Ints per event in a verdict array of this rule set. */
export const verdictStride = (compiled: Pick<CompiledRules, 'groups'>): number => 2 * compiled.groups.length;

/** The rules and their gates' layout (groups, fields, gate order and patterns): equal on both sides or verdicts mean nothing. */
export function gateFingerprint(compiled: CompiledRules): string {
  const h = createHash('sha256');
  for (const r of compiled.rules) h.update(`r${r.id}:${r.kind}:${r.requireMask}\n`);
  for (const g of compiled.groups) h.update(`g${g.rawSlot.id}:${g.gates.join(',')}\n`);
  for (const g of compiled.gates) h.update(`t${g.slot.id}:${g.group}:${g.bit}:${g.re.source}\n`);
  return h.digest('hex');
}

/** The gate groups reading each kind of event's fields. */
export function groupsByKind(compiled: Pick<CompiledRules, 'groups'>): { http: number[]; auth: number[] } {
  const groupsOf = { http: [] as number[], auth: [] as number[] };
  compiled.groups.forEach((g, i) => {
    groupsOf[g.rawSlot.kind].push(i);
  });
  return groupsOf;
}

// What the record can say about the cause before anyone has looked: the attacks detected before
// the first file change (most severe first, one per rule and address), the request just before
// that change, logins from places never seen for the user, and the known-vulnerable components.
// Candidates only: the owner or the investigator confirms. Also the provisional facts that start
// the breach laws' clocks before the owner has stated the real ones.

import type { Answers } from '../plan/index.ts';
import { placesOf } from '../plan/index.ts';
import { jurisdictionCodeRe, type DataElement, type Facts, type RuleSet } from '../obligations/index.ts';
import type { TimelineEntry } from './model.ts';

const DAY = 86_400_000;
const rank: Record<string, number> = { critical: 0, high: 1, medium: 2 };
const iso = (ms: number) => new Date(ms).toISOString();

export function causesFrom(
  entries: readonly TimelineEntry[],
  discoveredAt: number,
  vulnerable: readonly string[],
): string[] {
  const out: string[] = [];
  const firstChange = entries.find((e) => e.kind === 'file-change' && e.requests !== undefined);
  const before = firstChange?.time ?? discoveredAt;
  const attacks = entries
    .filter((e) => e.kind === 'finding' && e.time <= before && e.severity !== undefined && e.severity in rank)
    .sort((a, b) => (rank[a.severity ?? ''] ?? 9) - (rank[b.severity ?? ''] ?? 9) || b.time - a.time);
  const seen = new Set<string>();
  for (const a of attacks) {
    const k = `${a.summary.split(':')[0]}|${a.ip ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(
      `${iso(a.time)} ${a.severity} ${a.summary}${a.ip ? ` from ${a.ip}` : ''}${firstChange !== undefined ? ' (before the first file change)' : ''}`,
    );
    if (seen.size >= 5) break;
  }
  const q = firstChange?.requests?.[0];
  if (q !== undefined)
    out.push(
      `${iso(q.time)} request just before the first file change: ${q.method} ${q.path} → ${q.status} from ${q.ip}`,
    );
  for (const e of entries)
    if (e.kind === 'login' && e.summary.includes('NEW place') && e.time <= discoveredAt + DAY)
      out.push(`${iso(e.time)} login from a new place: ${e.summary}`);
  for (const v of vulnerable.slice(0, 5)) out.push(`known-vulnerable: ${v}`);
  return out;
}

/**
 * Facts for the obligations engine before the owner states them: one person in each place the
 * plan says customers live, every element the shop stores, so the clocks that could apply run
 * from the moment the incident is declared. Null when the plan names no place the engine knows.
 */
export function provisionalFacts(answers: Answers, rules: RuleSet, discoveredAt: number): Facts | null {
  const codes = placesOf(answers, rules).codes.filter((c) => jurisdictionCodeRe.test(c));
  if (codes.length === 0) return null;
  const elements: DataElement[] = ['name', 'email'];
  if (answers.data.accounts) elements.push('username', 'password');
  if (answers.data.addresses) elements.push('address');
  if (answers.data.phone) elements.push('phone');
  if (answers.data.dateOfBirth) elements.push('date_of_birth');
  if (answers.data.cards !== 'never') elements.push('card_number', 'card_expiry', 'card_security_code');
  return {
    discovered: new Date(discoveredAt).toISOString(),
    elements,
    encrypted: false,
    keyCompromised: false,
    redacted: false,
    affected: Object.fromEntries(codes.map((c) => [c, 1])),
  };
}

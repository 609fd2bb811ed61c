// Which of the pre-written notices (templates/notices/) the shop should have ready, and why:
// the California form for US customers (it also meets most states), the GDPR Art. 34 notice
// for the EU and the UK, a general notice for other places, the password notice when there
// are accounts, and the payment-card notice for a skimmer. Only templates that exist are named.

import type { Answers } from './answers.ts';

/** A shipped notice template: its file name without `.md`, and its front matter. */
export interface NoticeInfo {
  name: string;
  title: string;
  description: string;
}

export interface ChosenNotice extends NoticeInfo {
  why: string;
  /** Jurisdiction codes to lint it for (`ripcord notices lint NAME --for ...`). */
  lintFor: string[];
}

export function chooseNotices(a: Answers, places: readonly string[], available: readonly NoticeInfo[]): ChosenNotice[] {
  const us = places.filter((p) => p.startsWith('US-'));
  const europe = places.filter((p) => p === 'EU' || p === 'GB');
  const other = places.filter((p) => !p.startsWith('US-') && p !== 'EU' && p !== 'GB' && p !== 'PCI');
  const wanted: { name: string; why: string; lintFor: string[] }[] = [];
  if (us.length > 0)
    wanted.push({
      name: 'california',
      why: 'customers in the United States: the California form meets most states',
      lintFor: us.slice(0, 12),
    });
  if (europe.length > 0)
    wanted.push({ name: 'gdpr-art34', why: 'customers in the EU or the UK (GDPR Art. 34)', lintFor: europe });
  if (other.length > 0) wanted.push({ name: 'general', why: `customers in ${other.join(', ')}`, lintFor: other });
  if (a.data.accounts)
    wanted.push({ name: 'credentials', why: 'customer accounts with passwords: a password reset notice', lintFor: [] });
  wanted.push({
    name: 'payment-card',
    why:
      a.data.cards === 'never'
        ? 'a skimmer can fake the payment step even when cards never reach the server'
        : 'a card skimmer on the checkout page',
    lintFor: [],
  });
  const byName = new Map(available.map((n) => [n.name, n]));
  return wanted.flatMap((w) => {
    const n = byName.get(w.name);
    return n === undefined ? [] : [{ ...n, why: w.why, lintFor: w.lintFor }];
  });
}

// Campaigns: one notice version sent to one audience. Pure rules the sender and the stores
// share: which template variant a recipient gets (by jurisdiction), the version hash that makes
// "one message per recipient and notice version" a unique key, deterministic Message-IDs (so a
// relay's log can prove what it took), the retry backoff, and reading Message-IDs out of a
// relay's log to settle the messages a crash left in doubt.

import { createHash } from 'node:crypto';

/**
 * pending: to send (at `nextAt`); claimed: taken by a sender, nothing written to the relay yet;
 * sending: the message's end was about to be written, so the relay may have it; sent: the relay
 * accepted it (250); failed: refused for good (5xx) or given up; uncertain: a sender died while
 * `sending`, so nobody knows whether the relay took it. Uncertain rows are never sent again on
 * their own: the relay's log settles them, or the owner decides.
 */
export type OutboxStatus = 'pending' | 'claimed' | 'sending' | 'sent' | 'failed' | 'uncertain';

export const OUTBOX_STATUSES: readonly OutboxStatus[] = [
  'pending',
  'claimed',
  'sending',
  'sent',
  'failed',
  'uncertain',
];

/** What `--template auto` sends: California's form, the GDPR Art. 34 notice in Europe, else general. */
export const AUTO_VARIANTS: Readonly<Record<string, string>> = {
  'US-CA': 'california',
  EU: 'gdpr-art34',
  GB: 'gdpr-art34',
  IS: 'gdpr-art34',
  LI: 'gdpr-art34',
  NO: 'gdpr-art34',
  '*': 'general',
};

/** The template for a recipient: exact jurisdiction, then its prefix (`EU-DE` → `EU`), then `*`. */
export function chooseVariant(jurisdiction: string | null, variants: Readonly<Record<string, string>>): string {
  if (jurisdiction !== null) {
    const exact = variants[jurisdiction];
    if (exact !== undefined) return exact;
    const dash = jurisdiction.indexOf('-');
    if (dash > 0) {
      const prefix = variants[jurisdiction.slice(0, dash)];
      if (prefix !== undefined) return prefix;
    }
  }
  const rest = variants['*'];
  if (rest === undefined) throw new Error('variants without a "*" entry');
  return rest;
}

/** Stable JSON (sorted keys), so the same values always hash the same. */
function stable(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
    .join(',')}}`;
}

/** The notice version: the same templates and values give the same version, whatever the campaign. */
export function noticeVersion(
  sources: Readonly<Record<string, string>>,
  values: Readonly<Record<string, unknown>>,
): string {
  return createHash('sha256').update(stable({ sources, values })).digest('hex');
}

const domainOf = (from: string): string => {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return (m?.[1] ?? 'localhost').toLowerCase();
};

/**
 * The Message-ID of an outbox row: the same on every attempt, unique across campaigns, and
 * recognisable in a relay's log (`ripcord.` prefix) without holding the address.
 */
export function noticeMessageId(campaignId: number, rowId: number, version: string, from: string): string {
  return `<ripcord.notice.${campaignId}.${rowId}.${version.slice(0, 12)}@${domainOf(from)}>`;
}

/** The Message-ID of a `notices test` message: never a row's, so no relay log can settle a row with it. */
export function testMessageId(campaignId: number, at: number, from: string): string {
  return `<ripcord.test.${campaignId}.${at}@${domainOf(from)}>`;
}

const idPattern = /<ripcord\.notice\.(\d+)\.(\d+)\.[0-9a-f]{12}@[A-Za-z0-9.-]+>/g;

/** The outbox rows (`campaign.row`) a relay log mentions, from any text: Postfix, Exim, a sink's log. */
export function relayLogRows(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(idPattern)) out.add(`${m[1]}.${m[2]}`);
  return out;
}

/** Wait before the next try after `attempts` transient failures: 30 s doubling, at most an hour. */
export function retryDelayMs(attempts: number, baseMs = 30_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

/** After this many transient failures a row is failed, not retried for ever. */
export const MAX_ATTEMPTS = 12;

/** Lines without control characters: what goes into a header from customer data. */
export const headerSafe = (s: string): string =>
  s
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);

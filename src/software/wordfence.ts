// WordPress advisories from the Wordfence Intelligence vulnerability feed (v2, "production":
// public, free, one JSON object keyed by advisory id; OSV publishes no WordPress ecosystem).
// Each record becomes an OSV record in the `WordPress` ecosystem under the names the inventory
// gives WordPress software: `wordpress` (core), `plugin:<slug>`, `theme:<slug>`. Pure: the
// caller reads the file or downloads the feed.

import { z } from 'zod';
import type { OsvRecord } from './osv.ts';

const affectedRange = z.object({
  from_version: z.string().max(200).describe('First affected version, or `*`.'),
  from_inclusive: z.boolean().describe('Whether from_version itself is affected.'),
  to_version: z.string().max(200).describe('Last affected version bound, or `*`.'),
  to_inclusive: z.boolean().describe('Whether to_version itself is affected.'),
});

const software = z.object({
  type: z.enum(['core', 'plugin', 'theme']).describe('What the advisory is about.'),
  name: z.string().max(500).optional().describe('Display name.'),
  slug: z.string().min(1).max(300).describe('wordpress.org slug (the folder name).'),
  affected_versions: z.record(z.string(), affectedRange).describe('Affected ranges, keyed by a label.'),
  patched: z.boolean().optional().describe('Whether a fixed version exists.'),
  patched_versions: z.array(z.string().max(200)).optional().describe('Fixed versions.'),
});

const wordfenceRecordSchema = z.object({
  id: z.string().min(1).max(200).describe('Wordfence advisory id (a UUID).'),
  title: z.string().max(2000).describe('One line.'),
  software: z.array(software).min(1).describe('Affected software.'),
  description: z.string().nullish().describe('Longer text.'),
  references: z.array(z.string()).nullish().describe('Links.'),
  cve: z.string().nullish().describe('CVE id, when one was assigned.'),
  cvss: z
    .object({ vector: z.string().nullish(), score: z.number().nullish(), rating: z.string().nullish() })
    .nullish()
    .describe('CVSS v3.1 vector and score.'),
  published: z.string().nullish().describe('First published.'),
  updated: z.string().nullish().describe('Last updated.'),
});

type WordfenceRecord = z.infer<typeof wordfenceRecordSchema>;

/** Whether a parsed JSON document looks like the Wordfence feed (an object of records with `software` lists). */
export function isWordfenceFeed(json: unknown): json is Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const first = Object.values(json)[0];
  return first !== null && typeof first === 'object' && Array.isArray((first as { software?: unknown }).software);
}

function packageName(s: WordfenceRecord['software'][number]): string {
  return s.type === 'core' ? 'wordpress' : `${s.type}:${s.slug.toLowerCase()}`;
}

/**
 * One Wordfence record as OSV. `from_version` `*` is "all before"; an exclusive lower bound
 * cannot be said in OSV (introduced is inclusive), so that one version is over-matched, which
 * errs on the side of telling the owner. The upper bound is the patched version when the
 * software has one range and one patch, else `last_affected` (inclusive) or `fixed`.
 */
export function wordfenceToOsv(r: WordfenceRecord): OsvRecord {
  const affected = r.software.map((s) => ({
    package: { ecosystem: 'WordPress', name: packageName(s) },
    ranges: Object.values(s.affected_versions).map((a, _i, all) => {
      const introduced = a.from_version === '*' || a.from_version === '' ? '0' : a.from_version;
      const events: { introduced?: string; fixed?: string; last_affected?: string }[] = [{ introduced }];
      // One range and one patched version: that version is the fix (the owner is told what to
      // upgrade to); otherwise the bound as given.
      const patched = all.length === 1 && s.patched_versions?.length === 1 ? s.patched_versions[0] : undefined;
      if (patched !== undefined && patched !== '') events.push({ fixed: patched });
      else if (a.to_version !== '*' && a.to_version !== '')
        events.push(a.to_inclusive ? { last_affected: a.to_version } : { fixed: a.to_version });
      return { type: 'ECOSYSTEM' as const, events };
    }),
    ...(s.patched_versions !== undefined && s.patched_versions.length > 0
      ? { database_specific: { patched_versions: s.patched_versions } }
      : {}),
  }));
  const vector = r.cvss?.vector ?? null;
  return {
    id: `WORDFENCE-${r.id}`,
    modified: r.updated ?? r.published ?? '1970-01-01T00:00:00Z',
    ...(r.published != null ? { published: r.published } : {}),
    ...(r.cve != null && r.cve !== '' ? { aliases: [r.cve] } : {}),
    summary: r.title,
    ...(r.description != null ? { details: r.description } : {}),
    ...(vector?.startsWith('CVSS:3') ? { severity: [{ type: 'CVSS_V3', score: vector }] } : {}),
    affected,
    ...(r.references != null ? { references: r.references.map((url) => ({ type: 'WEB', url })) } : {}),
  };
}

export interface WordfenceProblem {
  id: string;
  details: string[];
}

/** Every record of the feed validated and converted; the first bad record is returned as a problem instead. */
export function readWordfenceFeed(
  json: Record<string, unknown>,
): { records: OsvRecord[] } | { problem: WordfenceProblem } {
  const records: OsvRecord[] = [];
  for (const [key, value] of Object.entries(json)) {
    const r = wordfenceRecordSchema.safeParse(value);
    if (!r.success)
      return {
        problem: {
          id: key,
          details: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
        },
      };
    records.push(wordfenceToOsv(r.data));
  }
  return { records };
}

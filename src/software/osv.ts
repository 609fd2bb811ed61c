// The OSV schema (ossf.github.io/osv-schema) as far as matching needs it, validated with zod,
// and the range semantics: events sorted by version, a version is affected from an
// `introduced` until the next `fixed` (exclusive) or `last_affected` (inclusive); `limit`
// bounds the search; an explicit `versions` list matches exactly. GIT ranges are skipped
// (a shop's files carry no commit hashes).

import { z } from 'zod';
import { comparatorFor, type Compare } from './versions.ts';

const event = z
  .object({
    introduced: z.string().max(200).optional().describe('First affected version (`0` = all before).'),
    fixed: z.string().max(200).optional().describe('First version with the fix.'),
    last_affected: z.string().max(200).optional().describe('Last affected version (inclusive).'),
    limit: z.string().max(200).optional().describe('Upper bound of the range search.'),
  })
  .refine((e) => Object.values(e).filter((v) => v !== undefined).length === 1, 'an event has exactly one field');

const range = z.object({
  type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']).describe('How the events are ordered.'),
  repo: z.string().optional().describe('Repository of a GIT range.'),
  events: z.array(event).min(1).describe('introduced/fixed/last_affected/limit events.'),
  database_specific: z.unknown().optional().describe('Database extras.'),
});

const affected = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1).max(100).describe('OSV ecosystem (Packagist, npm, Debian:12, …).'),
      name: z.string().min(1).max(300).describe('Package name in that ecosystem.'),
      purl: z.string().optional().describe('Package URL.'),
    })
    .optional()
    .describe('The affected package.'),
  severity: z
    .array(z.object({ type: z.string(), score: z.string() }))
    .optional()
    .describe('Per-package severity.'),
  ranges: z.array(range).optional().describe('Affected version ranges.'),
  versions: z.array(z.string().max(200)).optional().describe('Affected versions, listed.'),
  ecosystem_specific: z.unknown().optional().describe('Ecosystem extras.'),
  database_specific: z.unknown().optional().describe('Database extras.'),
});

export const osvRecordSchema = z.object({
  schema_version: z.string().optional().describe('OSV schema version.'),
  id: z.string().min(1).max(200).describe('Advisory id (GHSA-…, CVE-…, DSA-…).'),
  modified: z.string().min(1).describe('Last modified (RFC 3339).'),
  published: z.string().optional().describe('First published.'),
  withdrawn: z.string().optional().describe('Withdrawn at; a withdrawn advisory matches nothing.'),
  aliases: z.array(z.string()).optional().describe('Other ids (CVE-…).'),
  related: z.array(z.string()).optional().describe('Related ids.'),
  upstream: z.array(z.string()).optional().describe('Upstream ids.'),
  summary: z.string().optional().describe('One line.'),
  details: z.string().optional().describe('Longer text.'),
  severity: z
    .array(z.object({ type: z.string().describe('CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu'), score: z.string() }))
    .optional()
    .describe('Severity vectors.'),
  affected: z.array(affected).optional().describe('Affected packages.'),
  references: z
    .array(z.object({ type: z.string(), url: z.string() }))
    .optional()
    .describe('Links.'),
  credits: z.unknown().optional().describe('Credits.'),
  database_specific: z.unknown().optional().describe('Database extras.'),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
type Affected = z.infer<typeof affected>;
type Range = z.infer<typeof range>;

/** The affected entries of a record for one package (ecosystem compared without its release suffix only when the record has none). */
function affectedFor(record: OsvRecord, ecosystem: string, name: string): Affected[] {
  return (record.affected ?? []).filter((a) => {
    const p = a.package;
    if (p === undefined) return false;
    const sameName = ecosystem === 'npm' ? p.name === name : p.name.toLowerCase() === name.toLowerCase();
    if (!sameName) return false;
    return p.ecosystem === ecosystem || (!p.ecosystem.includes(':') && p.ecosystem === ecosystem.split(':')[0]);
  });
}

function inRange(r: Range, version: string, cmp: Compare): boolean {
  const isZero = (v: string) => v === '0';
  const events = [...r.events].sort((a, b) => {
    const va = a.introduced ?? a.fixed ?? a.last_affected ?? a.limit ?? '';
    const vb = b.introduced ?? b.fixed ?? b.last_affected ?? b.limit ?? '';
    if (a.introduced !== undefined && isZero(va)) return -1;
    if (b.introduced !== undefined && isZero(vb)) return 1;
    return cmp(va, vb);
  });
  const limits = events.filter((e) => e.limit !== undefined).map((e) => e.limit as string);
  if (limits.length > 0 && !limits.some((l) => l === '*' || cmp(version, l) < 0)) return false;
  let affectedNow = false;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (isZero(e.introduced) || cmp(version, e.introduced) >= 0) affectedNow = true;
    } else if (e.fixed !== undefined) {
      if (cmp(version, e.fixed) >= 0) affectedNow = false;
    } else if (e.last_affected !== undefined) {
      if (cmp(version, e.last_affected) > 0) affectedNow = false;
    }
  }
  return affectedNow;
}

export interface AffectedVerdict {
  affected: boolean;
  /** The fixed versions named by the ranges that matched (ascending), empty when none is known. */
  fixed: string[];
}

/** Whether `version` of a package is affected by the record, with the fix to move to. */
export function isAffected(record: OsvRecord, ecosystem: string, name: string, version: string): AffectedVerdict {
  if (record.withdrawn !== undefined) return { affected: false, fixed: [] };
  const cmp = comparatorFor(ecosystem);
  const fixed: string[] = [];
  let hit = false;
  for (const a of affectedFor(record, ecosystem, name)) {
    // A branch (dev-*) is equal to every other branch in PHP's order: it matches its own name only.
    if ((a.versions ?? []).some((v) => v === version || (!version.startsWith('dev-') && cmp(v, version) === 0)))
      hit = true;
    for (const r of a.ranges ?? []) {
      // A Composer branch (dev-master) has no place in a version order: only a listed version matches it.
      if (r.type === 'GIT' || version.startsWith('dev-')) continue;
      const c = r.type === 'SEMVER' ? comparatorFor('npm') : cmp;
      if (inRange(r, version, c)) {
        hit = true;
        for (const e of r.events) if (e.fixed !== undefined && c(e.fixed, version) > 0) fixed.push(e.fixed);
      }
    }
  }
  return { affected: hit, fixed: hit ? [...new Set(fixed)].sort(cmp) : [] };
}

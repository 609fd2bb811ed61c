// Matches the inventory against the advisories: each vulnerable component with its advisories,
// severity (CVSS base score from the vector), the version to move to, and whether the traffic
// record shows requests to the vulnerable endpoint. Also the findings for first-seen holes and
// the "patch these first" order the plan and incident record use.

import cvss from 'ae-cvss-calculator';
import type { Finding, Severity } from '../core/finding.ts';
import { componentKey, type Component } from './component.ts';
import { advisoryPaths, componentPaths } from './endpoints.ts';
import { isAffected, type OsvRecord } from './osv.ts';
import type { AdvisoryStore, TrafficProbe } from './ports.ts';
import { comparatorFor } from './versions.ts';

export interface AdvisoryHit {
  id: string;
  aliases: string[];
  summary: string;
  /** CVSS base score (0–10) when the advisory carries a vector, else null. */
  score: number | null;
  vector: string | null;
  severity: Severity;
  /** The lowest fixed version above the installed one, or null when no fix is published. */
  fixed: string | null;
}

export interface Vulnerable {
  component: Component;
  advisories: AdvisoryHit[];
  /** Highest severity of its advisories. */
  severity: Severity;
  /** The newest fix that closes all its advisories, or null when one has none. */
  upgradeTo: string | null;
  /** Paths looked for in the traffic record and what was found there. */
  knocked: { paths: string[]; requests: number; last: number | null };
}

const order: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function severityOf(score: number | null): Severity {
  if (score === null) return 'medium';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** The CVSS base score of a vector (v2, v3.0, v3.1, v4.0), or null when it cannot be read. */
export function cvssScore(vector: string): number | null {
  try {
    const v = vector.startsWith('CVSS:4.0')
      ? new cvss.Cvss4P0(vector)
      : vector.startsWith('CVSS:3.1')
        ? new cvss.Cvss3P1(vector)
        : vector.startsWith('CVSS:3.0')
          ? new cvss.Cvss3P0(vector)
          : new cvss.Cvss2(vector);
    const s = v.calculateScores().base;
    return typeof s === 'number' && Number.isFinite(s) ? s : null;
  } catch {
    return null;
  }
}

function hit(r: OsvRecord, fixed: string[]): AdvisoryHit {
  const vectors = [...(r.severity ?? []), ...(r.affected ?? []).flatMap((a) => a.severity ?? [])].filter((s) =>
    s.type.startsWith('CVSS'),
  );
  let score: number | null = null;
  let vector: string | null = null;
  for (const s of vectors) {
    const n = cvssScore(s.score);
    if (n !== null && (score === null || n > score)) {
      score = n;
      vector = s.score;
    }
  }
  return {
    id: r.id,
    aliases: r.aliases ?? [],
    summary: (r.summary ?? '').slice(0, 300),
    score,
    vector,
    severity: severityOf(score),
    fixed: fixed[0] ?? null,
  };
}

export async function checkComponents(
  components: readonly Component[],
  store: AdvisoryStore,
  traffic: TrafficProbe | null,
): Promise<Vulnerable[]> {
  const out: Vulnerable[] = [];
  for (const c of components) {
    const records = await store.forPackage(c.ecosystem, c.name);
    const hits: AdvisoryHit[] = [];
    for (const r of records) {
      const v = isAffected(r, c.ecosystem, c.name, c.version);
      if (v.affected) hits.push(hit(r, v.fixed));
    }
    if (hits.length === 0) continue;
    hits.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.id.localeCompare(b.id));
    const cmp = comparatorFor(c.ecosystem);
    const fixes = hits.map((h) => h.fixed);
    const upgradeTo = fixes.includes(null) ? null : ([...(fixes as string[])].sort(cmp).at(-1) ?? null);
    const paths = [...new Set([...advisoryPaths(hits.flatMap((h) => [h.id, ...h.aliases])), ...componentPaths(c)])];
    let requests = 0;
    let last: number | null = null;
    if (traffic !== null)
      for (const p of paths) {
        const r = await traffic.requests(p, 1000);
        requests += r.count;
        if (r.last !== null && (last === null || r.last > last)) last = r.last;
      }
    out.push({
      component: c,
      advisories: hits,
      severity: hits.reduce<Severity>(
        (s, h) => (order.indexOf(h.severity) > order.indexOf(s) ? h.severity : s),
        'info',
      ),
      upgradeTo,
      knocked: { paths, requests, last },
    });
  }
  return patchFirst(out);
}

/** "Patch these first": knocked-on before not, then by severity, then by best score. */
export function patchFirst(v: readonly Vulnerable[]): Vulnerable[] {
  const best = (x: Vulnerable) => Math.max(...x.advisories.map((a) => a.score ?? 0));
  return [...v].sort(
    (a, b) =>
      Number(b.knocked.requests > 0) - Number(a.knocked.requests > 0) ||
      order.indexOf(b.severity) - order.indexOf(a.severity) ||
      best(b) - best(a) ||
      a.component.name.localeCompare(b.component.name),
  );
}

/** Findings for component+advisory pairs not seen before (stored like other findings, so alerts deliver them). */
export async function newFindings(vulns: readonly Vulnerable[], store: AdvisoryStore, now: number): Promise<Finding[]> {
  const byKey = new Map<string, { v: Vulnerable; a: AdvisoryHit }>();
  for (const v of vulns) for (const a of v.advisories) byKey.set(`${componentKey(v.component)}|${a.id}`, { v, a });
  const fresh = await store.markSeen([...byKey.keys()], now);
  return fresh.map((k) => {
    const { v, a } = byKey.get(k) as { v: Vulnerable; a: AdvisoryHit };
    const cve = a.aliases.find((x) => x.startsWith('CVE-'));
    return {
      rule: 'software-vulnerable',
      category: 'vulnerable-software',
      severity: a.severity,
      time: now,
      ip: null,
      user: null,
      service: null,
      field: 'version',
      match: `${v.component.name} ${v.component.version}`.slice(0, 200),
      message: `${v.component.name} ${v.component.version} is affected by ${a.id}${cve !== undefined && cve !== a.id ? ` (${cve})` : ''}${a.fixed !== null ? `; fixed in ${a.fixed}` : '; no fix published'}${v.knocked.requests > 0 ? `; ${v.knocked.requests} request(s) to its endpoint in the traffic record` : ''}`,
      groupKey: `software-vulnerable|${v.component.ecosystem}|${v.component.name}`,
      evidence: [v.component.where, ...v.knocked.paths.slice(0, 2)],
    };
  });
}

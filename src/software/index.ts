// The software subsystem: inventory of the shop's and server's software, OSV advisories matched
// to it, and what the plan and incident record take from it ("patch these first", candidate causes).

export type { Component } from './component.ts';
export { componentKey } from './component.ts';
export type { Parsed } from './parse.ts';
export { serverHeaderComponents } from './parse.ts';
export { readTree } from './tree.ts';
export { osvRecordSchema, isAffected, type OsvRecord } from './osv.ts';
export { isWordfenceFeed, readWordfenceFeed, wordfenceToOsv } from './wordfence.ts';
export {
  compareDebian,
  compareComposer,
  compareSemver,
  normalizeComposer,
  phpVersionCompare,
  comparatorFor,
} from './versions.ts';
export type {
  AdvisoryStore,
  PackageProbe,
  BinaryProbe,
  HeaderProbe,
  TrafficProbe,
  OsvReader,
  ShopFiles,
} from './ports.ts';
export {
  checkComponents,
  patchFirst,
  newFindings,
  cvssScore,
  severityOf,
  type Vulnerable,
  type AdvisoryHit,
} from './check.ts';
export { knownPaths, componentPaths } from './endpoints.ts';

import type { Vulnerable } from './check.ts';

/** Candidate causes of a break-in for the incident record: the vulnerable components knocked on, then the rest. */
export function candidateCauses(v: readonly Vulnerable[]): string[] {
  return v.map(
    (x) =>
      `${x.component.name} ${x.component.version} (${x.advisories.map((a) => a.aliases.find((s) => s.startsWith('CVE-')) ?? a.id).join(', ')})${x.knocked.requests > 0 ? ` — ${x.knocked.requests} request(s) to its endpoint` : ''}`,
  );
}

// Application side of breach-notification obligations: reads the facts file and the data set
// from disk, and hands them to the pure engine with the clock. The CLI, the incident record and
// the plan all come through here.

import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import {
  assess,
  byDeadline,
  coverageOf,
  dataElements,
  defaultDataDir,
  loadRules,
  mergeRequirements,
  parseFacts,
  parseYamlText,
  resolveCode,
  type Assessment,
  type CoverageRow,
  type Facts,
  type Jurisdiction,
  type MergedRequirements,
} from '../obligations/index.ts';

export type { Assessment, CoverageRow, Facts, Jurisdiction, MergedRequirements };
export type { Obligation, NoDuty } from '../obligations/index.ts';
/** The facts document's schema (the HTTP API checks a posted one with it). */
export { factsSchema } from '../obligations/index.ts';

export interface ObligationsOptions {
  /** Folder of jurisdiction files (default: the shipped data/obligations). */
  dataDir?: string;
  clock?: Clock;
}

export function dataElementNames(): readonly string[] {
  return dataElements;
}

export function readFacts(file: string): Facts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('not_found', `cannot read the facts file: ${e instanceof Error ? e.message : String(e)}`, {
      where: file,
    });
  }
  return parseFacts(parseYamlText(text, file), file);
}

export function assessFacts(facts: Facts, opts: ObligationsOptions = {}): Assessment {
  const rules = loadRules(opts.dataDir ?? defaultDataDir);
  const a = assess(facts, rules, { clock: opts.clock ?? systemClock });
  return { ...a, obligations: [...a.obligations].sort(byDeadline) };
}

export function assessFile(file: string, opts: ObligationsOptions = {}): Assessment {
  return assessFacts(readFacts(file), opts);
}

export function listJurisdictions(opts: ObligationsOptions = {}): Jurisdiction[] {
  return [...loadRules(opts.dataDir ?? defaultDataDir).values()];
}

/** One jurisdiction by its code; `EU-DE` gives the EU file (its member state is in `memberStates`). */
export function showJurisdiction(code: string, opts: ObligationsOptions = {}): Jurisdiction {
  const rules = loadRules(opts.dataDir ?? defaultDataDir);
  const r = resolveCode(code.toUpperCase(), rules);
  if (r === null) throw new AppError('not_found', `no obligations data for ${code}`, { where: 'obligations show' });
  return r.member === null ? r.rule : { ...r.rule, memberStates: [r.member] };
}

export function contentRequirements(codes: readonly string[], opts: ObligationsOptions = {}): MergedRequirements {
  const merged = mergeRequirements(
    codes.map((c) => c.toUpperCase()),
    loadRules(opts.dataDir ?? defaultDataDir),
  );
  if (merged.missing.length > 0)
    throw new AppError('not_found', `no obligations data for ${merged.missing.join(', ')}`, {
      where: 'obligations requirements',
    });
  return merged;
}

export function coverageReport(opts: ObligationsOptions = {}): CoverageRow[] {
  return listJurisdictions(opts).map(coverageOf);
}

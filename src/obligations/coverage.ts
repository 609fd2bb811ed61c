// What the data set does not know: for each jurisdiction, the fields marked unknown
// (`status: unknown`, `kind: unknown`, a null threshold or contact) and the values not yet
// verified against the statute. Feeds `npm run obligations:report`.

import type { Jurisdiction } from './schema.ts';

export interface CoverageRow {
  code: string;
  name: string;
  lastReviewed: string;
  unknown: string[];
  unverified: string[];
}

// A null here means "not established"; elsewhere null means "not applicable" (a form has no email).
const nullableMeansUnknown = new Set(['minAffected', 'months']);
const memberNullable = new Set(['notifyUrl', 'email', 'phone']);

function walk(v: unknown, path: string, row: CoverageRow): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      const id =
        x !== null && typeof x === 'object' && 'id' in x
          ? String((x as { id: unknown }).id)
          : x !== null && typeof x === 'object' && 'code' in x
            ? String((x as { code: unknown }).code)
            : String(i);
      walk(x, `${path}[${id}]`, row);
    });
    return;
  }
  if (v === null || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  if (o['status'] === 'unknown' || o['kind'] === 'unknown') row.unknown.push(path);
  if (o['verified'] === false) row.unverified.push(path);
  for (const [k, x] of Object.entries(o)) {
    const p = path === '' ? k : `${path}.${k}`;
    const isUnknownNull =
      (nullableMeansUnknown.has(k) && !(k === 'minAffected' && o['required'] === false)) ||
      (memberNullable.has(k) && path.startsWith('memberStates'));
    if (x === null && isUnknownNull) row.unknown.push(p);
    else walk(x, p, row);
  }
}

export function coverageOf(j: Jurisdiction): CoverageRow {
  const row: CoverageRow = { code: j.code, name: j.name, lastReviewed: j.lastReviewed, unknown: [], unverified: [] };
  walk(j, '', row);
  return row;
}

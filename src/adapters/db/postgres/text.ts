// Text and arrays as PostgreSQL's traffic record stores them.

import type { SqlValue } from '../db.ts';

/** PostgreSQL TEXT cannot hold NUL; it is stored as U+2400 (␀) there. */
export const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\u2400') : s);

/** A value for `?::type[]` parameters (pg serialises JS arrays itself; this keeps nulls). */
export function pgArray(values: readonly (string | number | boolean | null)[]): SqlValue {
  return values as unknown as SqlValue;
}

/** SQLite GLOB syntax to LIKE for PostgreSQL: `*` -> `%`, `?` -> `_`, LIKE's own wildcards escaped. */
export function globToLike(glob: string): string {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return out;
}

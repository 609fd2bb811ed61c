// SQLite GLOB patterns (what `ripcord logs search --path` takes) for searches that run in
// JavaScript over request blocks: the same answers as SQLite's own GLOB operator, including its
// odd corners — `]` first in a set is a member, `-` is a range only between two members, a
// reversed range is empty, and an unclosed `[` never matches. Case-sensitive, by code point.

type Token =
  | { kind: 'char'; c: string }
  | { kind: 'one' }
  | { kind: 'many' }
  | { kind: 'set'; invert: boolean; members: string[]; ranges: [number, number][] }
  | { kind: 'never' };

/** Splits a glob into tokens, reading sets exactly as SQLite's patternCompare does. */
function tokens(glob: string): Token[] {
  const cps = Array.from(glob);
  const out: Token[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    if (c === '*') out.push({ kind: 'many' });
    else if (c === '?') out.push({ kind: 'one' });
    else if (c === '[') {
      let j = i + 1;
      const invert = cps[j] === '^';
      if (invert) j++;
      const members: string[] = [];
      const ranges: [number, number][] = [];
      if (cps[j] === ']') {
        members.push(']');
        j++;
      }
      let prior: string | null = null;
      while (j < cps.length && cps[j] !== ']') {
        const x = cps[j] as string;
        const next = cps[j + 1];
        if (x === '-' && next !== undefined && next !== ']' && prior !== null) {
          ranges.push([prior.codePointAt(0) as number, next.codePointAt(0) as number]);
          prior = null;
          j += 2;
          continue;
        }
        members.push(x);
        prior = x;
        j++;
      }
      if (j >= cps.length) {
        // SQLite answers "no match" when a set is not closed.
        out.push({ kind: 'never' });
        return out;
      }
      out.push({ kind: 'set', invert, members, ranges });
      i = j;
    } else out.push({ kind: 'char', c });
  }
  return out;
}

const escapeChar = (c: string): string => `\\u{${(c.codePointAt(0) as number).toString(16)}}`;

/** The glob as an anchored RegExp (flag u: `?` and sets take whole code points, as SQLite does). */
export function globRegExp(glob: string): RegExp {
  let out = '^';
  for (const t of tokens(glob)) {
    if (t.kind === 'char') out += escapeChar(t.c);
    else if (t.kind === 'one') out += '[\\s\\S]';
    else if (t.kind === 'many') out += '[\\s\\S]*';
    else if (t.kind === 'never') out += '(?!)';
    else {
      // Reversed ranges hold nothing (SQLite tests lo <= c <= hi); a JS class would refuse them.
      const parts = [
        ...t.members.map(escapeChar),
        ...t.ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`),
      ];
      if (parts.length === 0) out += t.invert ? '[\\s\\S]' : '(?!)';
      else out += `[${t.invert ? '^' : ''}${parts.join('')}]`;
    }
  }
  return new RegExp(`${out}$`, 'u');
}

/** The longest run of plain characters in a glob: every string it matches contains this. */
export function globLiteral(glob: string): string {
  let best = '';
  let cur = '';
  for (const t of tokens(glob)) {
    if (t.kind === 'char') {
      cur += t.c;
      continue;
    }
    if (cur.length > best.length) best = cur;
    cur = '';
  }
  return cur.length > best.length ? cur : best;
}

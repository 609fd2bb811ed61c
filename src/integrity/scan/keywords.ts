// The scanner's cheap prefilter: which regular expressions could match a text at all, found in
// one pass. Each expression gets the sets of literals every match must hold one of (read from
// its source: `(?:eval|exec)\s*\(\s*\$_(?:GET|POST)` needs "eval" or "exec", and "$_get" or
// "$_post"); one case-insensitive Aho-Corasick pass over a text finds which of all those
// literals occur, and an expression with a set none of whose literals occurs is not run. Profiling showed some fifteen rule and prefilter
// expressions each reading the whole text of every file, most finding nothing.
//
// Sound by construction, never by tuning: a literal is only taken from parts of an expression
// that must match exactly those characters; anything not understood (classes, backreferences,
// optional parts, unknown escapes) counts as "could be anything", and an expression with no
// literal it must contain is always run. The search ignores case, so flags never matter.

/** Literals one of which every match contains (lower case, ASCII); null when none is known. */
export type Needs = readonly string[] | null;

interface Info {
  /** The node matches exactly one of these strings (lower case); null when not a small finite set. */
  exact: Set<string> | null;
  /**
   * Clauses every match satisfies: it contains one literal of each (all useful: no empty
   * literal). Empty when nothing is known.
   */
  clauses: Set<string>[];
  /** Consumes no characters (anchors, lookarounds): adjacent parts stay adjacent. */
  zeroWidth?: boolean;
}

const maxExact = 64;
const unknown = (): Info => ({ exact: null, clauses: [] });
const zeroWidth = (): Info => ({ exact: null, clauses: [], zeroWidth: true });

/** How useful a clause is: the length of its shortest literal (a literal of one char is nearly useless). */
const quality = (s: Set<string> | null): number => {
  if (s === null || s.size === 0) return 0;
  let min = Infinity;
  for (const x of s) min = Math.min(min, x.length);
  return min;
};

const better = (a: Set<string> | null, b: Set<string> | null): Set<string> | null => {
  const qa = quality(a);
  const qb = quality(b);
  if (qb > qa || (qb === qa && qb > 0 && (b as Set<string>).size < (a as Set<string>).size)) return b;
  return qa > 0 ? a : null;
};

/** Every clause a node's matches satisfy, its exact strings counted as one. */
const allClauses = (i: Info): Set<string>[] =>
  i.exact !== null && quality(i.exact) > 0 ? [...i.clauses, i.exact] : i.clauses;

/** The most useful clause of a node, or null. */
const bestClause = (i: Info): Set<string> | null => allClauses(i).reduce<Set<string> | null>(better, null);

/** A literal char as written: printable ASCII and a few control escapes; null for anything else. */
function literalChar(code: number): string | null {
  return code < 128 ? String.fromCharCode(code).toLowerCase() : null;
}

class Reader {
  i = 0;
  readonly src: string;
  constructor(src: string) {
    this.src = src;
  }
  peek(k = 0): string {
    return this.src[this.i + k] ?? '';
  }
  done(): boolean {
    return this.i >= this.src.length;
  }
}

/** Parses an alternation up to `)` or the end. */
function alternation(r: Reader): Info {
  const alts: Info[] = [sequence(r)];
  while (r.peek() === '|') {
    r.i++;
    alts.push(sequence(r));
  }
  if (alts.length === 1) return alts[0] as Info;
  let exact: Set<string> | null = new Set();
  // A match is a match of one alternative: it holds the best literal of one of them.
  let any: Set<string> | null = new Set();
  for (const a of alts) {
    if (exact !== null && a.exact !== null && exact.size + a.exact.size <= maxExact)
      for (const s of a.exact) exact.add(s);
    else exact = null;
    const n = bestClause(a);
    if (any !== null && n !== null) for (const s of n) any.add(s);
    else any = null;
  }
  return { exact, clauses: any === null ? [] : [any] };
}

function sequence(r: Reader): Info {
  let cur: Set<string> = new Set(['']);
  const clauses: Set<string>[] = [];
  let allExact = true;
  // Every part of a sequence is in every match: each run of exact parts and each part's clauses hold.
  const flush = () => {
    if (quality(cur) > 0) clauses.push(cur);
    cur = new Set(['']);
  };
  while (!r.done() && r.peek() !== '|' && r.peek() !== ')') {
    const t = quantified(r);
    if (t.zeroWidth === true) continue;
    if (t.exact !== null && cur.size * t.exact.size <= maxExact) {
      const next = new Set<string>();
      for (const a of cur) for (const b of t.exact) next.add(a + b);
      cur = next;
      clauses.push(...t.clauses);
      continue;
    }
    allExact = false;
    flush();
    // Too many combinations: a new run starts from this part.
    if (t.exact !== null) cur = new Set(t.exact);
    clauses.push(...t.clauses);
  }
  const exact = allExact ? cur : null;
  if (!allExact) flush();
  return { exact, clauses };
}

function quantified(r: Reader): Info {
  const a = atom(r);
  let min = 1;
  let max = 1;
  const c = r.peek();
  if (c === '*' || c === '+' || c === '?') {
    r.i++;
    min = c === '+' ? 1 : 0;
    max = c === '?' ? 1 : Infinity;
  } else if (c === '{') {
    // Without a valid count, `{` is a literal char (the next atom), as JavaScript reads it.
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(r.src.slice(r.i));
    if (m === null) return a;
    r.i += m[0].length;
    min = Number(m[1]);
    max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  } else return a;
  if (r.peek() === '?') r.i++;
  if (a.zeroWidth === true) return a;
  if (min === 0) return unknown();
  if (min === 1 && max === 1) return a;
  // Repeated: the part's literals still occur, but not as one exact string.
  return { exact: null, clauses: allClauses(a) };
}

function atom(r: Reader): Info {
  const c = r.peek();
  r.i++;
  switch (c) {
    case '^':
    case '$':
      return zeroWidth();
    case '.':
      return unknown();
    case '[':
      return charClass(r);
    case '(':
      return group(r);
    case '\\':
      return escapeSequence(r);
    default: {
      const ch = literalChar(c.charCodeAt(0));
      return ch === null ? unknown() : { exact: new Set([ch]), clauses: [] };
    }
  }
}

function group(r: Reader): Info {
  let look = false;
  if (r.peek() === '?') {
    const rest = r.src.slice(r.i, r.i + 3);
    if (rest.startsWith('?:')) r.i += 2;
    else if (rest.startsWith('?=') || rest.startsWith('?!')) {
      r.i += 2;
      look = true;
    } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
      r.i += 3;
      look = true;
    } else if (rest.startsWith('?<')) {
      const end = r.src.indexOf('>', r.i);
      if (end === -1) throw new Error('bad group name');
      r.i = end + 1;
    } else throw new Error('unknown group');
  }
  const inner = alternation(r);
  if (r.peek() !== ')') throw new Error('unclosed group');
  r.i++;
  return look ? zeroWidth() : inner;
}

function escapeSequence(r: Reader): Info {
  const c = r.peek();
  r.i++;
  if (c === 'b' || c === 'B') return zeroWidth();
  const control: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
  if (control[c] !== undefined) return { exact: new Set([control[c] as string]), clauses: [] };
  if (c === 'x' || c === 'u') {
    const m = (c === 'x' ? /^[0-9a-fA-F]{2}/ : /^[0-9a-fA-F]{4}/).exec(r.src.slice(r.i));
    if (m === null) return unknown();
    r.i += m[0].length;
    const ch = literalChar(Number.parseInt(m[0], 16));
    return ch === null ? unknown() : { exact: new Set([ch]), clauses: [] };
  }
  if (c === 'k' && r.peek() === '<') {
    const end = r.src.indexOf('>', r.i);
    if (end !== -1) r.i = end + 1;
    return unknown();
  }
  if ((c === 'p' || c === 'P') && r.peek() === '{') {
    const end = r.src.indexOf('}', r.i);
    if (end !== -1) r.i = end + 1;
    return unknown();
  }
  if (c === 'c' && /[A-Za-z]/.test(r.peek())) {
    r.i++;
    return unknown();
  }
  // Letters and digits are classes, backreferences or octal: not read as literals.
  if (/[A-Za-z0-9]/.test(c)) {
    while (/[0-9]/.test(c) && /[0-9]/.test(r.peek())) r.i++;
    return unknown();
  }
  const ch = literalChar(c.charCodeAt(0));
  return ch === null ? unknown() : { exact: new Set([ch]), clauses: [] };
}

/** A class of a few plain characters (`[eE]`, `["']`) is exact; any other class is unknown. */
function charClass(r: Reader): Info {
  const negated = r.peek() === '^';
  if (negated) r.i++;
  const chars = new Set<string>();
  let plain = !negated;
  let first = true;
  while (true) {
    if (r.done()) throw new Error('unclosed class');
    const c = r.peek();
    if (c === ']' && !first) {
      r.i++;
      break;
    }
    if (c === ']' && first) {
      // `[]` matches nothing, `[^]` anything: unknown either way.
      r.i++;
      return unknown();
    }
    first = false;
    r.i++;
    if (c === '\\') {
      const e = r.peek();
      r.i++;
      if (/[A-Za-z0-9]/.test(e)) plain = false;
      else {
        const ch = literalChar(e.charCodeAt(0));
        if (ch === null) plain = false;
        else chars.add(ch);
      }
      continue;
    }
    if (c === '-' && chars.size > 0 && r.peek() !== ']') plain = false;
    const ch = literalChar(c.charCodeAt(0));
    if (ch === null) plain = false;
    else chars.add(ch);
  }
  return plain && chars.size > 0 && chars.size <= 4 ? { exact: chars, clauses: [] } : unknown();
}

/** The clauses of a source, or null when it cannot be read. */
function clausesIn(source: string): Set<string>[] | null {
  try {
    const r = new Reader(source);
    const info = alternation(r);
    return r.done() ? allClauses(info) : null;
  } catch {
    return null;
  }
}

/**
 * The literals (lower case) one of which every match of `source` contains — the most useful
 * such set — or null when none is known (the expression must then always run). Never throws.
 */
export function needsOf(source: string): Needs {
  const c = clausesIn(source);
  const best = c === null ? null : c.reduce<Set<string> | null>(better, null);
  return best === null ? null : [...best].sort();
}

/**
 * Every set of literals (lower case) that each match of `source` holds one of (each match
 * holds one literal of every set); empty when none is known.
 */
export function clausesOf(source: string): string[][] {
  return (clausesIn(source) ?? []).map((c) => [...c].sort());
}

/**
 * One pass over a text finding which of a fixed set of literals occur, ignoring ASCII case
 * (Aho-Corasick over a dense table; chars above 127 never start or continue a literal).
 */
export class KeywordSearch {
  readonly literals: readonly string[];
  private readonly delta: Int32Array;
  /** Literal ids that end at each state (via failure links too); null for most states. */
  private readonly outputs: (Int32Array | null)[];

  constructor(literals: Iterable<string>) {
    this.literals = [...new Set(literals)].filter((l) => l.length > 0);
    const goto: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    this.literals.forEach((lit, id) => {
      let s = 0;
      for (const ch of lit.toLowerCase()) {
        const c = ch.charCodeAt(0);
        if (c >= 128) throw new Error('keywords are ASCII');
        let next = (goto[s] as Map<number, number>).get(c);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          ends.push([]);
          (goto[s] as Map<number, number>).set(c, next);
        }
        s = next;
      }
      (ends[s] as number[]).push(id);
    });
    const n = goto.length;
    const delta = new Int32Array(n * 128);
    const fail = new Int32Array(n);
    const order: number[] = [];
    for (const [c, t] of goto[0] as Map<number, number>) {
      delta[c] = t;
      order.push(t);
    }
    for (let k = 0; k < order.length; k++) {
      const s = order[k] as number;
      (ends[s] as number[]).push(...(ends[fail[s] as number] as number[]));
      for (let c = 0; c < 128; c++) {
        const t = (goto[s] as Map<number, number>).get(c);
        if (t === undefined) delta[s * 128 + c] = delta[(fail[s] as number) * 128 + c] as number;
        else {
          fail[t] = delta[(fail[s] as number) * 128 + c] as number;
          delta[s * 128 + c] = t;
          order.push(t);
        }
      }
    }
    // Case folding: an upper-case letter moves like its lower-case one.
    for (let s = 0; s < n; s++) for (let c = 65; c <= 90; c++) delta[s * 128 + c] = delta[s * 128 + c + 32] as number;
    // A move into a state where literals end is stored as the state's complement (negative), so
    // the search asks for outputs only there instead of looking them up at every char.
    for (let k = 0; k < delta.length; k++)
      if ((ends[delta[k] as number] as number[]).length > 0) delta[k] = ~(delta[k] as number);
    this.delta = delta;
    this.outputs = ends.map((e) => (e.length === 0 ? null : Int32Array.from(new Set(e))));
  }

  /** Which literals occur in `text`: found[id] is 1 for each. */
  search(text: string): Uint8Array {
    const found = new Uint8Array(this.literals.length);
    const delta = this.delta;
    const outputs = this.outputs;
    const n = text.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        s = 0;
        continue;
      }
      s = delta[(s << 7) | c] as number;
      if (s < 0) {
        s = ~s;
        const out = outputs[s] as Int32Array;
        for (let k = 0; k < out.length; k++) found[out[k] as number] = 1;
      }
    }
    return found;
  }
}

/** What one pass over a text says about a set of expressions: `may(re)` is false only when `re` cannot match. */
export interface Screen {
  may(re: RegExp): boolean;
}

/** The screen of a text nothing is known about: every expression may match. */
export const unscreened: Screen = { may: () => true };

/**
 * Built once for a set of expressions (the rules and the analysers' prefilters): `screen(text)`
 * runs the one keyword pass. An expression outside the set, or one whose literals are a single
 * char (found in nearly every file, so not worth searching for), is always run.
 */
export class Screener {
  private readonly search: KeywordSearch;
  /** Per expression, its clauses as literal ids: it may match only when each clause has one found. */
  private readonly ids = new Map<RegExp, Int32Array[]>();

  constructor(expressions: Iterable<RegExp>) {
    const clauses = new Map<RegExp, string[][]>();
    for (const re of expressions) {
      // The most useful clauses only, and none with a one-char literal (in nearly every file).
      const c = clausesOf(re.source)
        .filter((l) => l.every((x) => x.length >= 2))
        .sort((x, y) => Math.min(...y.map((l) => l.length)) - Math.min(...x.map((l) => l.length)))
        .slice(0, 4);
      if (c.length > 0) clauses.set(re, c);
    }
    this.search = new KeywordSearch([...clauses.values()].flat(2));
    const idOf = new Map(this.search.literals.map((l, i) => [l, i]));
    for (const [re, c] of clauses)
      this.ids.set(
        re,
        c.map((l) => Int32Array.from(l, (x) => idOf.get(x) as number)),
      );
  }

  screen(text: string): Screen {
    if (this.ids.size === 0) return unscreened;
    const found = this.search.search(text);
    const ids = this.ids;
    return {
      may(re: RegExp): boolean {
        const clauses = ids.get(re);
        if (clauses === undefined) return true;
        for (const want of clauses) {
          let any = false;
          for (let k = 0; k < want.length && !any; k++) any = found[want[k] as number] === 1;
          if (!any) return false;
        }
        return true;
      },
    };
  }
}

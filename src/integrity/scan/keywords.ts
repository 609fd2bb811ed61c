// The scanner's cheap prefilter: which regular expressions could match a text at all, found in
// one pass. Each expression gets the literals one of which every match must contain (read from
// its source: `(?:eval|assert)\s*\(` needs "eval" or "assert"); one case-insensitive
// Aho-Corasick pass over a text finds which of all those literals occur, and an expression none
// of whose literals occurs is not run. Profiling showed some fifteen rule and prefilter
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
  /** Every match contains one of these; null when unknown. */
  need: Set<string> | null;
  /** Consumes no characters (anchors, lookarounds): adjacent parts stay adjacent. */
  zeroWidth?: boolean;
}

const maxExact = 64;
const unknown = (): Info => ({ exact: null, need: null });

/** How useful a need is: the length of its shortest literal (a literal of one char is nearly useless). */
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
  let need: Set<string> | null = new Set();
  for (const a of alts) {
    if (exact !== null && a.exact !== null && exact.size + a.exact.size <= maxExact)
      for (const s of a.exact) exact.add(s);
    else exact = null;
    const n = a.exact !== null ? better(a.need, a.exact) : a.need;
    if (need !== null && n !== null && quality(n) > 0) for (const s of n) need.add(s);
    else need = null;
  }
  return { exact, need };
}

function sequence(r: Reader): Info {
  let cur: Set<string> | null = new Set(['']);
  let best: Set<string> | null = null;
  let allExact = true;
  const flush = () => {
    if (cur !== null) best = better(best, cur);
    cur = new Set(['']);
  };
  while (!r.done() && r.peek() !== '|' && r.peek() !== ')') {
    const t = quantified(r);
    if (t.zeroWidth === true) continue;
    if (t.exact !== null && cur !== null && cur.size * t.exact.size <= maxExact) {
      const next = new Set<string>();
      for (const a of cur) for (const b of t.exact) next.add(a + b);
      cur = next;
      continue;
    }
    if (t.exact !== null) {
      // Too many combinations: start a new run from this part.
      allExact = false;
      flush();
      cur = new Set(t.exact);
      continue;
    }
    allExact = false;
    flush();
    best = better(best, t.need);
  }
  const exact = allExact ? cur : null;
  flush();
  return { exact, need: best };
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
  return { exact: null, need: a.exact !== null ? better(a.need, a.exact) : a.need };
}

function atom(r: Reader): Info {
  const c = r.peek();
  r.i++;
  switch (c) {
    case '^':
    case '$':
      return { exact: null, need: null, zeroWidth: true };
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
      return ch === null ? unknown() : { exact: new Set([ch]), need: null };
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
  return look ? { exact: null, need: null, zeroWidth: true } : inner;
}

function escapeSequence(r: Reader): Info {
  const c = r.peek();
  r.i++;
  if (c === 'b' || c === 'B') return { exact: null, need: null, zeroWidth: true };
  const control: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };
  if (control[c] !== undefined) return { exact: new Set([control[c] as string]), need: null };
  if (c === 'x' || c === 'u') {
    const m = (c === 'x' ? /^[0-9a-fA-F]{2}/ : /^[0-9a-fA-F]{4}/).exec(r.src.slice(r.i));
    if (m === null) return unknown();
    r.i += m[0].length;
    const ch = literalChar(Number.parseInt(m[0], 16));
    return ch === null ? unknown() : { exact: new Set([ch]), need: null };
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
  return ch === null ? unknown() : { exact: new Set([ch]), need: null };
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
  return plain && chars.size > 0 && chars.size <= 4 ? { exact: chars, need: null } : unknown();
}

/**
 * The literals (lower case) one of which every match of `source` contains, or null when none
 * is known (the expression must then always run). Never throws: what it cannot read is null.
 */
export function needsOf(source: string): Needs {
  try {
    const r = new Reader(source);
    const info = alternation(r);
    if (!r.done()) return null;
    const need = info.exact !== null ? better(info.need, info.exact) : info.need;
    return need === null || quality(need) === 0 ? null : [...need].sort();
  } catch {
    return null;
  }
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
    this.delta = delta;
    this.outputs = ends.map((e) => (e.length === 0 ? null : Int32Array.from(new Set(e))));
  }

  /** Which literals occur in `text`: found[id] is 1 for each. */
  search(text: string): Uint8Array {
    const found = new Uint8Array(this.literals.length);
    const delta = this.delta;
    const outputs = this.outputs;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? (delta[(s << 7) | c] as number) : 0;
      const out = outputs[s];
      if (out !== null && out !== undefined) for (let k = 0; k < out.length; k++) found[out[k] as number] = 1;
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
  private readonly ids = new Map<RegExp, Int32Array>();

  constructor(expressions: Iterable<RegExp>) {
    const needs = new Map<RegExp, readonly string[]>();
    for (const re of expressions) {
      const n = needsOf(re.source);
      if (n?.every((l) => l.length >= 2)) needs.set(re, n);
    }
    this.search = new KeywordSearch([...needs.values()].flat());
    const idOf = new Map(this.search.literals.map((l, i) => [l, i]));
    for (const [re, n] of needs)
      this.ids.set(
        re,
        Int32Array.from(n, (l) => idOf.get(l) as number),
      );
  }

  screen(text: string): Screen {
    if (this.ids.size === 0) return unscreened;
    const found = this.search.search(text);
    const ids = this.ids;
    return {
      may(re: RegExp): boolean {
        const want = ids.get(re);
        if (want === undefined) return true;
        for (let k = 0; k < want.length; k++) if (found[want[k] as number] === 1) return true;
        return false;
      },
    };
  }
}

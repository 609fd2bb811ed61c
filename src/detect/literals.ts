// Literal prefilters for the merged gate regexes (compile.ts). A gate is one alternation of every
// rule's text test on a field, tens of kilobytes long; V8 tries each alternative at each position,
// so a benign value (most of them: product pages, images) costs the sum of all alternatives. Here
// each top-level alternative is read once, at compile time, for strings a match must contain
// (`passwd` in `etc[/\\]+passwd`, one of `..`/`0x2e` in `\.\.|0x2e`); at run time an alternative
// runs only when one of its strings is in the value. `test(A|B) === test(A) || test(B)`, and an
// alternative whose strings are all absent cannot match, so the verdict is the gate regex's own.
// Anything the reader does not understand gets no strings: that alternative always runs.

/** A regex node as far as required strings go: one character of a small set, or structure. */
type Node =
  | { t: 'char'; set: string[] | null }
  | { t: 'empty' }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; child: Node; min: number };

/** Sets wider than this (a character class, a product of classes) say too little to be worth checking. */
const MAX_SET = 48;
/** A class of more characters than this is read as "any character". */
const MAX_CLASS = 12;

class Reader {
  i = 0;
  readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  alt(): Node {
    const items: Node[] = [this.seq()];
    while (this.src[this.i] === '|') {
      this.i++;
      items.push(this.seq());
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  seq(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.atom();
      const q = this.quantifier();
      const node: Node = q === null ? atom : { t: 'rep', child: atom, min: q };
      // a group of one branch is part of this sequence (its characters stay adjacent to ours)
      if (node.t === 'seq') items.push(...node.items);
      else items.push(node);
    }
    return { t: 'seq', items };
  }

  /** The minimum count of a quantifier after an atom, or null when there is none. */
  quantifier(): number | null {
    const c = this.src[this.i];
    let min: number | null = null;
    if (c === '*' || c === '?') min = 0;
    else if (c === '+') min = 1;
    else if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) return null; // a literal `{`
      this.i += m[0].length - 1;
      min = Number(m[1]);
    }
    if (min === null) return null;
    this.i++;
    if (this.src[this.i] === '?') this.i++;
    return min;
  }

  atom(): Node {
    const c = this.src[this.i++] as string;
    if (c === '(') {
      let look = false;
      if (this.src[this.i] === '?') {
        const rest = this.src.slice(this.i, this.i + 3);
        if (rest.startsWith('?:')) this.i += 2;
        else if (rest.startsWith('?=') || rest.startsWith('?!')) {
          this.i += 2;
          look = true;
        } else if (rest === '?<=' || rest === '?<!') {
          this.i += 3;
          look = true;
        } else if (rest.startsWith('?<')) this.i = this.src.indexOf('>', this.i) + 1;
        else throw new Error('unknown group');
      }
      const inner = this.alt();
      if (this.src[this.i++] !== ')') throw new Error('unclosed group');
      // a lookaround consumes nothing: what it asks of the text is not a string the match contains
      return look ? { t: 'empty' } : inner;
    }
    if (c === '[') return this.charClass();
    if (c === '.') return { t: 'char', set: null };
    if (c === '^' || c === '$') return { t: 'empty' };
    if (c === '\\') return this.escape();
    if (c === ')' || c === '|') throw new Error('unexpected');
    return { t: 'char', set: [c] };
  }

  escape(): Node {
    const c = this.src[this.i++] as string;
    if (c === 'b' || c === 'B') return { t: 'empty' };
    const one = this.escapedChar(c);
    return { t: 'char', set: one === null ? null : [one] };
  }

  /** The one character an escape stands for, or null (a class such as \d, or unknown). */
  escapedChar(c: string): string | null {
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    if (c === 't') return '\t';
    if (c === 'x' || c === 'u') {
      const m = (c === 'x' ? /^[0-9a-fA-F]{2}/ : /^[0-9a-fA-F]{4}/).exec(this.src.slice(this.i));
      if (m === null) return null;
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if (c === 'p' || c === 'P') {
      if (this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
      return null;
    }
    if (/[a-zA-Z0-9]/.test(c)) return null; // \d \w \s \c… \1: a class or something not read here
    return c;
  }

  charClass(): Node {
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const set = new Set<string>();
    let wide = negated;
    let first = true;
    while (this.i < this.src.length && (first || this.src[this.i] !== ']')) {
      first = false;
      const lo = this.classChar();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const hi = this.classChar();
        if (lo === null || hi === null || hi.charCodeAt(0) - lo.charCodeAt(0) > MAX_CLASS) wide = true;
        else for (let k = lo.charCodeAt(0); k <= hi.charCodeAt(0); k++) set.add(String.fromCharCode(k));
      } else if (lo === null) wide = true;
      else set.add(lo);
    }
    if (this.src[this.i++] !== ']') throw new Error('unclosed class');
    return { t: 'char', set: wide || set.size > MAX_CLASS ? null : [...set] };
  }

  classChar(): string | null {
    const c = this.src[this.i++] as string;
    if (c !== '\\') return c;
    const e = this.src[this.i++] as string;
    if (e === 'b') return '\b';
    return this.escapedChar(e);
  }
}

/** Score of a set of strings: the shorter its shortest string and the more strings, the weaker. */
function better(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  const la = Math.min(...a.map((s) => s.length));
  const lb = Math.min(...b.map((s) => s.length));
  if (la !== lb) return la > lb ? a : b;
  return a.length <= b.length ? a : b;
}

function product(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > MAX_SET) return null;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return out;
}

/** Strings of which every match contains at least one, or null when none are known. */
function required(n: Node): string[] | null {
  switch (n.t) {
    case 'empty':
      return null;
    case 'char':
      return n.set;
    case 'rep':
      return n.min >= 1 ? required(n.child) : null;
    case 'alt': {
      const out = new Set<string>();
      for (const item of n.items) {
        const r = required(item);
        if (r === null) return null;
        for (const s of r) out.add(s);
      }
      return out.size > MAX_SET ? null : [...out];
    }
    case 'seq':
      // the strongest of the sequence's runs and items (requiredAll lists them all)
      return requiredAll(n)[0] ?? null;
  }
}

/** Sets of strings each of which a match must satisfy (contain one of its strings); the strongest first. */
function requiredAll(n: Node): string[][] {
  if (n.t !== 'seq') {
    const r = required(n);
    return r === null ? [] : [r];
  }
  const sets: string[][] = [];
  // runs of single characters are matched side by side: their strings join
  // (zero-width items such as \b do not part them; anything else ends the run)
  let run: string[] | null = null;
  const close = () => {
    if (run !== null) sets.push(run);
    run = null;
  };
  for (const item of n.items) {
    if (item.t === 'empty') continue;
    const char =
      item.t === 'char' ? item : item.t === 'rep' && item.min >= 1 && item.child.t === 'char' ? item.child : null;
    if (char === null || char.set === null) {
      close();
      const r = required(item);
      if (r !== null) sets.push(r);
      continue;
    }
    run = run === null ? char.set : product(run, char.set);
    if (run === null) run = char.set;
    // a repeated character: its last copy starts what follows
    if (item.t === 'rep') {
      close();
      run = char.set;
    }
  }
  close();
  // the strongest first: it is the one looked up; the others are checked when it is found
  const strongest = sets.reduce<string[] | null>((b, x) => better(b, x), null);
  return strongest === null ? [] : [strongest, ...sets.filter((x) => x !== strongest)];
}

/**
 * Walks a regex source's characters outside escapes and character classes, with the group
 * depth after each; `visit` returns true to stop.
 */
function walkSyntax(source: string, visit: (c: string, i: number, depth: number) => boolean): void {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    if (visit(c, i, depth)) return;
  }
}

/** Top-level alternatives of a regex source (`a|(?:b|c)|d` -> a, (?:b|c), d). */
function topAlternatives(source: string): string[] {
  const out: string[] = [];
  let start = 0;
  walkSyntax(source, (c, i, depth) => {
    if (c === '|' && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  out.push(source.slice(start));
  return out;
}

/** Every set of strings a match must contain one of (see requiredStrings); [] when none are known. */
export function requiredSets(source: string): string[][] {
  try {
    const r = new Reader(source);
    const node = r.alt();
    if (r.i !== source.length) return [];
    return requiredAll(node).filter((set) => !set.some((s) => s === ''));
  } catch {
    return [];
  }
}

/** A regex source split into alternatives, descending into groups that are a whole alternative (`(?:a|b)`). */
function pieces(source: string): string[] {
  const out: string[] = [];
  for (const a of topAlternatives(source)) {
    const inner = a.startsWith('(?:') && a.endsWith(')') ? a.slice(3, -1) : null;
    // `(?:a)|(?:b)` only: `(?:a)(?:b)` or `(?:a)*` are not one group (the inner text must stand alone)
    if (inner !== null && topAlternatives(a).length === 1 && wholeGroup(a)) out.push(...pieces(inner));
    else out.push(a);
  }
  return out;
}

/** Whether the `(` at 0 closes at the last character. */
function wholeGroup(a: string): boolean {
  let closesAt = -1;
  walkSyntax(a, (c, i, depth) => {
    if (c === ')' && depth === 0) closesAt = i;
    return closesAt >= 0;
  });
  return closesAt === a.length - 1;
}

/** Whether the value contains a string of every set. */
function hasAll(v: string, sets: readonly string[][]): boolean {
  for (const set of sets) {
    let found = false;
    for (const s of set)
      if (v.includes(s)) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

/** Whether a string can be indexed (its first two characters are ASCII). */
const indexable = (s: string): boolean => s.charCodeAt(0) < 128 && (s.length < 2 || s.charCodeAt(1) < 128);

/**
 * Strings indexed by their first one or two characters, found in a text in one pass. Each
 * is reported once per pass (`#seen` holds the pass a string was last reported in).
 */
class LiteralIndex {
  readonly literals: string[] = [];
  readonly #ids = new Map<string, number>();
  /** Literal ids by first character (one-character literals) and by their first two characters. */
  readonly #byChar: (number[] | undefined)[] = new Array(128);
  readonly #byPair: (number[] | undefined)[] = new Array(128 * 128);
  /** Per character: 1 when a one-character literal is it, 2 when a longer literal starts with it (most characters: 0, skipped). */
  readonly #starts = new Uint8Array(128);
  #gen = 0;
  #seen = new Int32Array(0);

  /** The id of a literal (an indexable one), added when new. */
  add(s: string): number {
    const known = this.#ids.get(s);
    if (known !== undefined) return known;
    const c = s.charCodeAt(0);
    const id = this.literals.length;
    this.#ids.set(s, id);
    this.literals.push(s);
    const list = s.length === 1 ? (this.#byChar[c] ??= []) : (this.#byPair[(c << 7) | s.charCodeAt(1)] ??= []);
    this.#starts[c] = (this.#starts[c] as number) | (s.length === 1 ? 1 : 2);
    list.push(id);
    return id;
  }

  /** A new pass: its number (1 after the numbers ran out and started again). */
  pass(): number {
    if (this.#seen.length !== this.literals.length) this.#seen = new Int32Array(this.literals.length);
    if (this.#gen >= 0x3fffffff) {
      this.#gen = 0;
      this.#seen.fill(0);
    }
    return ++this.#gen;
  }

  /**
   * Calls `found` with each literal in `text` not yet reported in pass `gen`, until `found`
   * returns true; returns whether one did.
   */
  find(text: string, gen: number, found: (id: number) => boolean): boolean {
    const n = text.length;
    const starts = this.#starts;
    const byPair = this.#byPair;
    const literals = this.literals;
    const seen = this.#seen;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) continue;
      const kind = starts[c] as number;
      if (kind === 0) continue;
      if ((kind & 1) !== 0)
        for (const id of this.#byChar[c] as number[]) {
          if (seen[id] === gen) continue;
          seen[id] = gen;
          if (found(id)) return true;
        }
      if ((kind & 2) === 0 || i + 1 === n) continue;
      const d = text.charCodeAt(i + 1);
      if (d >= 128) continue;
      const list = byPair[(c << 7) | d];
      if (list === undefined) continue;
      for (const id of list) {
        if (seen[id] === gen) continue;
        // text.startsWith(literal, i), past the two characters the pair matched: compared here
        // rather than through the builtin, whose call costs more than these few characters.
        const lit = literals[id] as string;
        const len = lit.length;
        if (i + len > n) continue;
        let k = 2;
        while (k < len && text.charCodeAt(i + k) === lit.charCodeAt(k)) k++;
        if (k < len) continue;
        seen[id] = gen;
        if (found(id)) return true;
      }
    }
    return false;
  }
}

/**
 * `test` of a gate regex that first looks for the strings each alternative needs: the same
 * verdict as `re.test(value)`, at the cost of the alternatives whose strings are present.
 */
export class LiteralGate {
  /** Alternatives with no known strings, as one regex (null: none). */
  readonly #always: RegExp | null;
  readonly #pieces: RegExp[];
  /** Per alternative, the further sets of strings it needs (beyond the one it is indexed by). */
  readonly #also: string[][][];
  readonly #index = new LiteralIndex();
  /** Per literal, the alternatives needing it. */
  readonly #owners: number[][] = [];
  readonly #pieceGen: Int32Array;
  #value = '';
  #pass = 0;
  readonly #found = (id: number): boolean => this.#tryLiteral(id);

  constructor(re: RegExp) {
    const flags = re.flags;
    // case-insensitive gates would need their values lower-cased first: they run as they are
    const all = flags === '' ? pieces(re.source) : [re.source];
    const always: string[] = [];
    this.#pieces = [];
    this.#also = [];
    for (const p of all) {
      const sets = requiredSets(p);
      const req = sets[0];
      // (an alternative needing a string the index cannot hold runs whatever the value)
      if (req === undefined || !req.every(indexable)) {
        always.push(p);
        continue;
      }
      const ids = req.map((s) => this.#index.add(s));
      const pi = this.#pieces.length;
      this.#pieces.push(new RegExp(p, flags));
      this.#also.push(sets.slice(1));
      for (const id of ids) {
        const owners = (this.#owners[id] ??= []);
        if (!owners.includes(pi)) owners.push(pi);
      }
    }
    this.#always = always.length === 0 ? null : new RegExp(always.map((p) => `(?:${p})`).join('|'), flags);
    this.#pieceGen = new Int32Array(this.#pieces.length);
  }

  /** Alternatives that run whatever the value (for tests and tuning). */
  get alwaysSource(): string | null {
    return this.#always?.source ?? null;
  }

  /** What the gate was read into, for a scan of several gates at once (LiteralScan). */
  get parts(): GateParts {
    return {
      always: this.#always,
      pieces: this.#pieces,
      also: this.#also,
      literals: this.#index.literals,
      owners: this.#owners,
    };
  }

  test(v: string): boolean {
    if (this.#always?.test(v) === true) return true;
    const gen = this.#index.pass();
    if (gen === 1) this.#pieceGen.fill(0);
    this.#value = v;
    this.#pass = gen;
    return this.#index.find(v, gen, this.#found);
  }

  /** Runs (once per value) the alternatives needing a literal found in the value. */
  #tryLiteral(id: number): boolean {
    const v = this.#value;
    const gen = this.#pass;
    for (const p of this.#owners[id] as number[]) {
      if (this.#pieceGen[p] === gen) continue;
      this.#pieceGen[p] = gen;
      if (!hasAll(v, this.#also[p] as string[][])) continue;
      if ((this.#pieces[p] as RegExp).test(v)) return true;
    }
    return false;
  }
}

interface GateParts {
  always: RegExp | null;
  pieces: readonly RegExp[];
  also: readonly string[][][];
  literals: readonly string[];
  owners: readonly number[][];
}

/**
 * Several literal gates whose texts are all pieces of one text (a request's decoded target,
 * when decoding changed nothing but case: its path, query, SQL and compact views are the text
 * or a part of it), tested in one pass over that text instead of one pass per gate. A literal
 * an alternative needs is in the alternative's own text, so in the whole text too; the
 * alternative then runs on its own text, as LiteralGate runs it. So each verdict is the gate's.
 */
export class LiteralScan {
  readonly #always: (RegExp | null)[];
  readonly #pieces: RegExp[] = [];
  readonly #pieceGate: number[] = [];
  readonly #also: string[][][] = [];
  readonly #index = new LiteralIndex();
  /** Per literal, the pieces (ids over all gates) needing it. */
  readonly #owners: number[][] = [];
  readonly #pieceGen: Int32Array;
  #views: readonly string[] = [];
  #mask = 0;
  #pass = 0;
  readonly #found = (id: number): boolean => {
    this.#try(id);
    return false;
  };

  /** `gates[k]` is the gate whose verdict is bit k of `verdicts`. */
  constructor(gates: readonly LiteralGate[]) {
    this.#always = gates.map((g) => g.parts.always);
    gates.forEach((g, k) => {
      const parts = g.parts;
      const base = this.#pieces.length;
      parts.pieces.forEach((p, i) => {
        this.#pieces.push(p);
        this.#pieceGate.push(k);
        this.#also.push(parts.also[i] as string[][]);
      });
      parts.literals.forEach((s, li) => {
        const id = this.#index.add(s);
        for (const p of parts.owners[li] ?? []) (this.#owners[id] ??= []).push(base + p);
      });
    });
    this.#pieceGen = new Int32Array(this.#pieces.length);
  }

  /** The verdicts (bit k: gate k passed) on `text`, gate k reading `views[k]`, a part of `text`. */
  verdicts(text: string, views: readonly string[]): number {
    let mask = 0;
    for (let k = 0; k < this.#always.length; k++)
      if (this.#always[k]?.test(views[k] as string) === true) mask |= 1 << k;
    const gen = this.#index.pass();
    if (gen === 1) this.#pieceGen.fill(0);
    this.#views = views;
    this.#mask = mask;
    this.#pass = gen;
    this.#index.find(text, gen, this.#found);
    return this.#mask;
  }

  /** Runs (once per text) the pieces needing a literal found, of gates not yet passed. */
  #try(id: number): void {
    const gen = this.#pass;
    for (const p of this.#owners[id] ?? []) {
      if (this.#pieceGen[p] === gen) continue;
      this.#pieceGen[p] = gen;
      const k = this.#pieceGate[p] as number;
      if ((this.#mask & (1 << k)) !== 0) continue;
      const v = this.#views[k] as string;
      if (!hasAll(v, this.#also[p] as string[][])) continue;
      if ((this.#pieces[p] as RegExp).test(v)) this.#mask |= 1 << k;
    }
  }
}

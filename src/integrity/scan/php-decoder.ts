// A PHP file's own string decoder, read for the text it returns: obfuscators hide every function
// name and string in calls of one function (`d("sUrAV7pBtV26bbhdrVaxVg==")`) that base64-decodes
// its argument and shifts or XORs each byte with constants written as arithmetic. Such a function
// — loops, conditions, arithmetic, string offsets and a few pure string functions, nothing else —
// is evaluated here on literal arguments, step by step within a budget: decoded, never run by PHP,
// and a function that does anything more is not evaluated at all.

import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

interface PNode {
  kind: string;
  [key: string]: unknown;
}
type Value = string | number | boolean | null;
/** A variable holds a value, or an array of values by key (a decoder's lookup table). */
type Slot = Value | Map<string, Value>;
type Vars = Map<string, Slot>;

const node = (n: PNode, key: string): PNode | null => {
  const v = n[key];
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string'
    ? (v as PNode)
    : null;
};
const nodes = (n: PNode, key: string): PNode[] => {
  const v = n[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null && 'kind' in x) as PNode[]) : [];
};
const str = (n: PNode, key: string): string | null => (typeof n[key] === 'string' ? (n[key] as string) : null);

/** The node kinds a decoder may be made of. */
const allowedKinds = new Set([
  'function',
  'silent',
  'array',
  'identifier',
  'parameter',
  'block',
  'expressionstatement',
  'assign',
  'variable',
  'string',
  'number',
  'boolean',
  'nullkeyword',
  'bin',
  'unary',
  'post',
  'pre',
  'parenthesis',
  'retif',
  'cast',
  'offsetlookup',
  'call',
  'name',
  'if',
  'while',
  'do',
  'for',
  'break',
  'continue',
  'return',
]);

/** The pure functions a decoder may call. */
const builtins = new Set([
  'base64_decode',
  'gzinflate',
  'gzuncompress',
  'gzdecode',
  'strlen',
  'ord',
  'chr',
  'substr',
  'strrev',
  'str_rot13',
  'intval',
  'abs',
  'hexdec',
  'dechex',
  'strtolower',
  'strtoupper',
  'rawurldecode',
  'urldecode',
  'is_numeric',
]);

const shapes = new WeakMap<PNode, boolean>();

/**
 * Whether a function is a decoder by its make: only the kinds above, calls of the pure
 * functions above, plain variables; and it reads its input byte by byte (ord or an offset).
 */
export function isDecoderShaped(fn: PNode): boolean {
  const known = shapes.get(fn);
  if (known !== undefined) return known;
  let ok = true;
  let bytes = false;
  let count = 0;
  const stack: PNode[] = [fn];
  while (stack.length > 0 && ok) {
    const n = stack.pop() as PNode;
    if (++count > 5000 || !allowedKinds.has(n.kind)) ok = false;
    else if (n.kind === 'call') {
      const what = node(n, 'what');
      const name = what?.kind === 'name' ? str(what, 'name')?.replace(/^\\/, '').toLowerCase() : null;
      if (name === null || name === undefined || !builtins.has(name)) ok = false;
      else if (name === 'ord') bytes = true;
    } else if (n.kind === 'variable' && typeof n['name'] !== 'string') ok = false;
    else if (n.kind === 'offsetlookup') bytes = true;
    for (const key of Object.keys(n)) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'attrGroups') continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const x of v) if (typeof x === 'object' && x !== null && 'kind' in x) stack.push(x as PNode);
      } else if (typeof v === 'object' && v !== null && 'kind' in v) stack.push(v as PNode);
    }
  }
  const r = ok && bytes;
  shapes.set(fn, r);
  return r;
}

class Stop extends Error {}
interface Flow {
  type: 'break' | 'continue' | 'return';
  level: number;
  value: Value;
}

const maxText = 65_536;

/** The budget a file's decoding may spend, in evaluated nodes. */
export interface DecodeBudget {
  steps: number;
  /** Reading a variable not yet set stops the evaluation (its value would come from outside). */
  strict?: boolean;
}

/**
 * Runs a decoder-shaped function on literal arguments; its return value as text, or null when
 * it steps outside what is evaluated here or its budget.
 */
export function runDecoder(fn: PNode, params: readonly string[], args: readonly string[], budget: DecodeBudget) {
  if (!isDecoderShaped(fn)) return null;
  const vars = new Map<string, Slot>();
  params.forEach((p, i) => {
    vars.set(p, args[i] ?? null);
  });
  const body = node(fn, 'body');
  if (body === null) return null;
  try {
    const out = exec(body, vars, budget);
    if (out?.type === 'return') return toText(out.value);
    return null;
  } catch (e) {
    if (e instanceof Stop) return null;
    throw e;
  }
}

/**
 * Runs a loop of the file's top level that needs nothing from outside it (every variable it
 * reads, it sets first: `for ($o = 0, $e = '…', $d = ''; …; …) { … $d .= chr(…); }`); the
 * text variables it leaves, or null when it steps outside what is evaluated here.
 */
export function runLoop(loop: PNode, budget: DecodeBudget): Map<string, string> | null {
  if (!isDecoderShaped(loop)) return null;
  const vars = new Map<string, Slot>();
  const local: DecodeBudget = { steps: budget.steps, strict: true };
  try {
    exec(loop, vars, local);
  } catch (e) {
    if (e instanceof Stop) return null;
    throw e;
  } finally {
    budget.steps = local.steps;
  }
  const out = new Map<string, string>();
  for (const [name, v] of vars) if (typeof v === 'string') out.set(name, v);
  return out;
}

function step(budget: DecodeBudget): void {
  if (--budget.steps < 0) throw new Stop();
}

function toText(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  return v === true ? '1' : '';
}

function toNumber(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === '') return 0;
  const m = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i.exec(v);
  return m === null ? 0 : Number(m[0]);
}

function toInt(v: Value): number {
  const n = Math.trunc(toNumber(v));
  if (!Number.isSafeInteger(n)) throw new Stop();
  return n;
}

function truthy(v: Value): boolean {
  if (typeof v === 'string') return v !== '' && v !== '0';
  return Boolean(v);
}

const numericText = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;

function looseEqual(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string')
    return numericText.test(a) && numericText.test(b) ? Number(a) === Number(b) : a === b;
  if (a === null || typeof a === 'boolean' || b === null || typeof b === 'boolean') return truthy(a) === truthy(b);
  if (typeof a === 'string' && !numericText.test(a)) return a === toText(b);
  if (typeof b === 'string' && !numericText.test(b)) return toText(a) === b;
  return toNumber(a) === toNumber(b);
}

function bits(op: string, a: Value, b: Value): Value {
  if (typeof a === 'string' && typeof b === 'string' && (op === '^' || op === '&' || op === '|')) {
    let out = '';
    const n = op === '|' ? Math.max(a.length, b.length) : Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i) || 0;
      const y = b.charCodeAt(i) || 0;
      out += String.fromCharCode(op === '^' ? x ^ y : op === '&' ? x & y : x | y);
    }
    return out;
  }
  const x = toInt(a);
  const y = toInt(b);
  // Beyond 32 bits JavaScript's operators and PHP's differ: not evaluated.
  if (Math.abs(x) > 0x7fffffff || Math.abs(y) > 0x7fffffff) throw new Stop();
  switch (op) {
    case '^':
      return x ^ y;
    case '&':
      return x & y;
    case '|':
      return x | y;
    case '<<':
      if (y < 0 || y > 31) throw new Stop();
      return x << y;
    default:
      if (y < 0 || y > 31) throw new Stop();
      return x >> y;
  }
}

function arith(op: string, a: Value, b: Value): Value {
  const x = toNumber(a);
  const y = toNumber(b);
  let r: number;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
      if (y === 0) throw new Stop();
      r = x / y;
      break;
    default: {
      const m = toInt(b);
      if (m === 0) throw new Stop();
      r = toInt(a) % m;
    }
  }
  if (!Number.isFinite(r) || Math.abs(r) > Number.MAX_SAFE_INTEGER) throw new Stop();
  return r;
}

function binary(op: string, a: Value, b: Value): Value {
  switch (op) {
    case '.': {
      const s = toText(a) + toText(b);
      if (s.length > maxText) throw new Stop();
      return s;
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arith(op, a, b);
    case '^':
    case '&':
    case '|':
    case '<<':
    case '>>':
      return bits(op, a, b);
    case '==':
      return looseEqual(a, b);
    case '!=':
      return !looseEqual(a, b);
    case '===':
      return a === b;
    case '!==':
      return a !== b;
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const both = typeof a === 'string' && typeof b === 'string' && !(numericText.test(a) && numericText.test(b));
      const x: number | string = both ? (a as string) : toNumber(a);
      const y: number | string = both ? (b as string) : toNumber(b);
      return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
    }
    default:
      throw new Stop();
  }
}

/**
 * gzinflate, gzuncompress and gzdecode (raw deflate, zlib, gzip) of latin1 text, the output
 * capped at 4 MB; null when the data does not inflate or inflates past the cap.
 */
export function inflatePhp(name: 'gzinflate' | 'gzuncompress' | 'gzdecode', s: string): string | null {
  const inflate = name === 'gzinflate' ? inflateRawSync : name === 'gzuncompress' ? inflateSync : gunzipSync;
  try {
    return inflate(Buffer.from(s, 'latin1'), { maxOutputLength: 4_000_000 }).toString('latin1');
  } catch {
    return null;
  }
}

function call(name: string, args: Value[]): Value {
  const s = toText(args[0] ?? null);
  switch (name) {
    case 'base64_decode':
      return Buffer.from(s.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
    case 'gzinflate':
    case 'gzuncompress':
    case 'gzdecode': {
      const out = inflatePhp(name, s);
      if (out === null) throw new Stop();
      return out;
    }
    case 'strlen':
      return s.length;
    case 'ord':
      return s.length === 0 ? 0 : s.charCodeAt(0) & 255;
    case 'chr':
      return String.fromCharCode(((toInt(args[0] ?? null) % 256) + 256) % 256);
    case 'substr': {
      const start = toInt(args[1] ?? 0);
      const from = start < 0 ? Math.max(0, s.length + start) : start;
      if (args.length < 3 || args[2] === null) return s.slice(from);
      const len = toInt(args[2] ?? 0);
      return len < 0 ? s.slice(from, s.length + len) : s.slice(from, from + len);
    }
    case 'strrev':
      return [...s].reverse().join('');
    case 'str_rot13':
      return s.replace(/[a-z]/gi, (c) => {
        const b = c <= 'Z' ? 65 : 97;
        return String.fromCharCode(((c.charCodeAt(0) - b + 13) % 26) + b);
      });
    case 'intval':
      return toInt(args[0] ?? null);
    case 'abs':
      return Math.abs(toNumber(args[0] ?? null));
    case 'hexdec':
      return /^[0-9a-f]+$/i.test(s) && s.length <= 12 ? Number.parseInt(s, 16) : 0;
    case 'dechex':
      return toInt(args[0] ?? null).toString(16);
    case 'strtolower':
      return s.toLowerCase();
    case 'strtoupper':
      return s.toUpperCase();
    case 'urldecode':
    case 'rawurldecode':
      return (name === 'urldecode' ? s.replace(/\+/g, ' ') : s).replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) =>
        String.fromCharCode(Number.parseInt(h, 16)),
      );
    case 'is_numeric':
      return typeof args[0] === 'number' || numericText.test(s);
    default:
      throw new Stop();
  }
}

function assign(target: PNode, value: Value, vars: Vars, budget: DecodeBudget): Value {
  if (target.kind === 'variable') {
    vars.set(str(target, 'name') as string, value);
    return value;
  }
  if (target.kind === 'offsetlookup') {
    // $s[$i] = 'x': one character of a string replaced; $t[$k] = $v: an array's element.
    const base = node(target, 'what');
    const off = node(target, 'offset');
    if (base?.kind !== 'variable' || off === null) throw new Stop();
    const name = str(base, 'name') as string;
    const cur = vars.get(name);
    if (cur === undefined || cur === null || cur instanceof Map) {
      const table = cur instanceof Map ? cur : new Map<string, Value>();
      if (table.size >= 4096) throw new Stop();
      table.set(toText(evaluate(off, vars, budget)), value);
      vars.set(name, table);
      return value;
    }
    if (typeof cur !== 'string') throw new Stop();
    const i = toInt(evaluate(off, vars, budget));
    if (i < 0 || i > cur.length || i > maxText) throw new Stop();
    const c = toText(value).charAt(0) || ' ';
    // rebuilding the string costs its length: a loop rewriting a long text byte by byte is
    // quadratic, and is charged so (the budget stops it, not the clock)
    budget.steps -= cur.length >> 6;
    step(budget);
    vars.set(name, cur.slice(0, i) + c + cur.slice(i + 1));
    return value;
  }
  throw new Stop();
}

function evaluate(e: PNode, vars: Vars, b: DecodeBudget): Value {
  step(b);
  const ev = (x: PNode | null): Value => {
    if (x === null) throw new Stop();
    return evaluate(x, vars, b);
  };
  switch (e.kind) {
    case 'string':
    case 'number': {
      const v = str(e, 'value') ?? '';
      if (e.kind === 'string') return v;
      const n = /^0x[0-9a-f]+$/i.test(v)
        ? Number.parseInt(v, 16)
        : /^0b[01]+$/i.test(v)
          ? Number.parseInt(v.slice(2), 2)
          : /^0[0-7]+$/.test(v)
            ? Number.parseInt(v, 8)
            : Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new Stop();
      return n;
    }
    case 'boolean':
      return e['value'] === true;
    case 'nullkeyword':
      return null;
    case 'variable': {
      const name = str(e, 'name') as string;
      if (b.strict === true && !vars.has(name)) throw new Stop();
      const v = vars.get(name) ?? null;
      if (v instanceof Map) throw new Stop();
      return v;
    }
    case 'silent':
      return ev(node(e, 'expr'));
    case 'parenthesis':
      return ev(node(e, 'inner'));
    case 'bin': {
      const op = str(e, 'type') ?? '';
      if (op === '&&' || op === 'and') return truthy(ev(node(e, 'left'))) && truthy(ev(node(e, 'right')));
      if (op === '||' || op === 'or') return truthy(ev(node(e, 'left'))) || truthy(ev(node(e, 'right')));
      return binary(op, ev(node(e, 'left')), ev(node(e, 'right')));
    }
    case 'unary': {
      const v = ev(node(e, 'what'));
      const op = str(e, 'type');
      if (op === '!') return !truthy(v);
      if (op === '-') return arith('-', 0, v);
      if (op === '+') return toNumber(v);
      if (op === '~' && typeof v !== 'string') return ~toInt(v);
      throw new Stop();
    }
    case 'retif': {
      const t = truthy(ev(node(e, 'test')));
      const yes = node(e, 'trueExpr');
      return t ? (yes === null ? true : ev(yes)) : ev(node(e, 'falseExpr'));
    }
    case 'cast': {
      const v = ev(node(e, 'expr'));
      const type = str(e, 'type');
      if (type === 'int') return toInt(v);
      if (type === 'string') return toText(v);
      if (type === 'bool') return truthy(v);
      throw new Stop();
    }
    case 'offsetlookup': {
      const base = node(e, 'what');
      const table = base?.kind === 'variable' ? vars.get(str(base, 'name') as string) : undefined;
      if (table instanceof Map) return table.get(toText(ev(node(e, 'offset')))) ?? null;
      const s = ev(base);
      if (typeof s !== 'string') throw new Stop();
      const i = toInt(ev(node(e, 'offset')));
      return s.charAt(i < 0 ? s.length + i : i);
    }
    case 'post':
    case 'pre': {
      const target = node(e, 'what');
      if (target === null) throw new Stop();
      const before = ev(target);
      const after = arith(str(e, 'type') === '+' ? '+' : '-', before, 1);
      assign(target, after, vars, b);
      return e.kind === 'post' ? before : after;
    }
    case 'assign': {
      const target = node(e, 'left');
      if (target === null) throw new Stop();
      const op = str(e, 'operator') ?? '=';
      const right = node(e, 'right');
      // `$t = array()`: an empty table, filled by the loop.
      if (op === '=' && right?.kind === 'array' && nodes(right, 'items').length === 0 && target.kind === 'variable') {
        vars.set(str(target, 'name') as string, new Map());
        return null;
      }
      const rhs = ev(right);
      const value = op === '=' ? rhs : binary(op.slice(0, -1), ev(target), rhs);
      return assign(target, value, vars, b);
    }
    case 'call': {
      const what = node(e, 'what');
      const name = (what === null ? '' : (str(what, 'name') ?? '')).replace(/^\\/, '').toLowerCase();
      return call(
        name,
        nodes(e, 'arguments').map((a) => ev(a)),
      );
    }
    default:
      throw new Stop();
  }
}

/** Runs statements; a break, continue or return comes back as a Flow. */
function exec(s: PNode, vars: Vars, budget: DecodeBudget): Flow | undefined {
  step(budget);
  const ev = (x: PNode | null) => {
    if (x === null) throw new Stop();
    return evaluate(x, vars, budget);
  };
  const run = (x: PNode | null) => (x === null ? undefined : exec(x, vars, budget));
  const level = (n: PNode) => {
    const l = node(n, 'level');
    return l === null ? 1 : toInt(ev(l));
  };
  switch (s.kind) {
    case 'block':
      for (const c of nodes(s, 'children')) {
        const f = run(c);
        if (f !== undefined) return f;
      }
      return undefined;
    case 'expressionstatement':
      ev(node(s, 'expression'));
      return undefined;
    case 'if':
      return truthy(ev(node(s, 'test'))) ? run(node(s, 'body')) : run(node(s, 'alternate'));
    case 'return':
      return { type: 'return', level: 0, value: node(s, 'expr') === null ? null : ev(node(s, 'expr')) };
    case 'break':
      return { type: 'break', level: level(s), value: null };
    case 'continue':
      return { type: 'continue', level: level(s), value: null };
    case 'while':
    case 'do':
    case 'for': {
      const tests = s.kind === 'for' ? nodes(s, 'test') : [node(s, 'test') as PNode];
      const check = () => {
        let ok = true;
        for (const t of tests) ok = truthy(ev(t));
        return ok;
      };
      if (s.kind === 'for') for (const i of nodes(s, 'init')) ev(i);
      let first = s.kind === 'do';
      while (first || check()) {
        first = false;
        const f = run(node(s, 'body'));
        if (f !== undefined) {
          if (f.type === 'return') return f;
          if (f.level > 1) return { ...f, level: f.level - 1 };
          if (f.type === 'break') break;
        }
        if (s.kind === 'for') for (const i of nodes(s, 'increment')) ev(i);
      }
      return undefined;
    }
    default:
      throw new Stop();
  }
}

// The JavaScript analyser: parses a script with acorn (acorn-loose when it is broken or cut) and
// looks for what a card skimmer must do, whatever it is called: read payment fields or harvest
// every form input, encode them, and send them to another host (an image beacon, XHR, fetch,
// WebSocket, sendBeacon); run decoded text (eval/Function of atob, fromCharCode...); load a
// script from an address it spells in pieces; wear an obfuscator's shape (`_0x` string arrays).
// Strings are read decoded — escapes resolved by the parser, and atob/fromCharCode/unescape and
// concatenations of literals folded — so hiding `cc_number` as `\x63\x63...` changes nothing.

import { rethrowTrap } from './traps.ts';
import { createRequire } from 'node:module';
import type { AnyNode, Program } from 'acorn';
import { decodeArrayCalls, isPlainText, obfuscatorBase64 } from './js-strings.ts';
import { decodeRotationCalls } from './js-rotation.ts';
import { constantTest, isHiddenFunction, operatorCases } from './js-shapes.ts';
import { type Screen, unscreened } from './keywords.ts';
import { clip, type Signal, SignalSet } from './signals.ts';

// The parsers load on the first script worth parsing: a quick check that finds nothing changed
// never pays for them.
const requireLazily = createRequire(import.meta.url);
let parsers: {
  acorn: typeof import('acorn');
  loose: typeof import('acorn-loose');
  walk: typeof import('acorn-walk');
} | null = null;
function js(): NonNullable<typeof parsers> {
  parsers ??= {
    acorn: requireLazily('acorn') as typeof import('acorn'),
    loose: requireLazily('acorn-loose') as typeof import('acorn-loose'),
    walk: requireLazily('acorn-walk') as typeof import('acorn-walk'),
  };
  return parsers;
}
const parse = (text: string, o: import('acorn').Options) => js().acorn.parse(text, o);
const parseLoose = (text: string, o: import('acorn').Options) => js().loose.parse(text, o);
const full = (node: AnyNode | Program, cb: (n: AnyNode) => void) => js().walk.full(node, cb);
type AncestorVisit = (n: AnyNode, state: unknown, ancestors: AnyNode[]) => void;
const ancestor = (node: Program, visitors: Record<string, AncestorVisit>) => js().walk.ancestor(node, visitors);

/** Words of payment fields a skimmer looks for (decoded strings and identifiers). */
const paymentTerm =
  /cc_?(?:number|num|cid|exp|owner|type)|card.?(?:number|num|holder|code|cvv|expir)|\bcvv2?\b|\bcvc\b|security.?code|cc-(?:number|exp|csc)|payment\[cc|\bbilling\b|checkout|exp(?:iry|iration)?.?(?:month|year|date)|credit.?card/i;
const externalUrl = /^(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#]|$)|^wss?:\/\/[a-z0-9.-]+/i;
const harvestSelector =
  /^\s*(?:input|select|textarea|form)(?:\s*[,\s]\s*(?:input|select|textarea|form|button|checkbox))*\s*$/i;

/** Addresses that are names, not places data is sent (XML namespaces, schemas). */
const namespaceUrl =
  /^(?:https?:)?\/\/(?:www\.)?(?:w3\.org|schema\.org|purl\.org|ns\.adobe\.com|xmlns\.com|json-schema\.org)\b/i;
const isExternal = (s: string) => externalUrl.test(s.trim()) && !namespaceUrl.test(s.trim());

/** How near (in characters) the pieces of one skimmer lie: an injected skimmer is compact even inside a big bundle. */
const window = 6000;

interface Placed {
  v: string;
  at: number;
}

interface JsFacts {
  strings: Placed[];
  decodedStrings: Placed[];
  readsValues: number[];
  harvests: number[];
  sends: Placed[];
  encodes: number[];
  listens: number[];
  execDecoded: AnyNode | null;
  execDynamic: AnyNode | null;
  scriptInject: AnyNode | null;
  obfuscatorNames: number;
  sendNode: AnyNode | null;
  fromCharCodeLoops: number;
  /** String literals written with \\x or \\u escapes in the source. */
  escapedStrings: number;
  /** Where those literals start. */
  escapedAt: Set<number>;
  /** A location test against checkout page names (`/onepage|checkout/.test(location)`). */
  checkoutGate: number | null;
  /** Tiny functions that only apply one operator to their parameters (Jscrambler's function tables). */
  operatorFunctions: number;
  /** A long percent- or entity-encoded string decoded at run time (an encrypted string table). */
  encodedTable: AnyNode | null;
  /** An address sent with the page's cookies in it. */
  cookieTheft: AnyNode | null;
  /** Reads of the script's own source (a function's toString(), its script element's text). */
  selfReads: AnyNode[];
  /** charCodeAt is called: with fromCharCode and a self-read, the source keys a decoder. */
  charCodeAt: boolean;
  /** Functions the checkout's buttons are given as click handlers (`$("#place-order").attr("onclick", "f()")`). */
  checkoutHandlers: Set<string>;
  /** Where each named function's body lies. */
  functionSpans: Map<string, { start: number; end: number }>;
  /** The visitor sent to another host with data appended (`location.href = "//x.example/?d=" + …`). */
  leavesWithData: AnyNode | null;
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function lineOf(text: string, node: AnyNode | null): number {
  return node === null ? 1 : lineAtOffset(text, node.start);
}

/** Scripts worth parsing: something that sends or runs, and something a skimmer or packer needs. */
const sendish =
  /\blocation(?:\.href)?\s*=\s*['"]\s*(?:https?:)?\/\/|\battr\s*\(\s*['"]href['"]\s*,\s*['"](?:https?:)?\/\/|new\s+(?:Image|XMLHttpRequest|WebSocket|Function)\b|\bfetch\s*\(|sendBeacon|\.ajax\s*\(|\.post\s*\(|\.src\s*=|\.action\s*=|\beval\s*\(|\bFunction\s*\(|document\.write|createElement|setTimeout\s*\(\s*['"`]|\[\s*['"](?:eval|write|src|Function)['"]\s*\]/;
const termish =
  /cc_?num|cvv|cvc|card.?(?:num|code|holder)|billing|expir(?:y|ation)|credit.?card|\batob\b|fromCharCode|_0x[0-9a-f]{3}|\\x[0-9a-f]{2}|\bunescape\s*\(|\beval\s*\(|['"](?:eval|atob)['"]|document\.cookie|onepage|onestep|checkout|&#\d{2,3};/i;

/** Obfuscated scripts hide what they call, so they are always parsed. */
const obfuscated =
  /_0x[0-9a-f]{4}|(?:\\x[0-9a-f]{2}){8}|(?:\\u00[0-9a-f]{2}){8}|(?:[{,;]\s*[\w$]{1,4}\s*[:=]\s*function\s*\(\s*\w\s*(?:,\s*\w\s*)?\)\s*\{\s*return\s+\w\s*(?:[-+*%<>!=&|^]{1,3}\s*\w\s*)?;?\s*\}){6}/i;

/**
 * Hand-rolled packers hide the rest: method names spelled as character codes, opaque predicates
 * that pick one of two letters (`(74>23?"h":"_")`), switch tables of operators over `arguments`
 * (`case 1:v=l[1]*l[0]`), a rotation cipher's decoder (`t=(t+i)%n.length)r+=n.charAt(t)`).
 */
const packed =
  /fromCharCode\s*\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,|\d[<>]\d+\?["']|case\s*\d+\s*:\s*[\w$]+\s*=\s*[-+(]*[\w$]+\[\d\]\s*[-+*/%&|^<>]|%\s*[\w$]+(?:\.length)?\s*\)\s*[\w$]+\s*\+=\s*[\w$]+\.charAt\(/;

function jsWorthParsing(text: string, screen: Screen): boolean {
  const test = (re: RegExp) => screen.may(re) && re.test(text);
  return (test(sendish) && test(termish)) || test(obfuscated) || test(packed);
}

/** The prefilter's expressions, for the scanner's keyword screen. */
export const jsPrefilter: readonly RegExp[] = [sendish, termish, obfuscated, packed];

const moduleSyntax = /^\s*(?:import\s*[\w{*'"]|export\s+(?:default|const|let|var|function|class|\{|\*))/m;

const parseOptions = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true } as const;

/** The script parsed as written; null when it does not parse. `comments` collects the comments' spans. */
function parseStrict(text: string, comments?: { start: number; end: number }[]): Program | null {
  try {
    return parse(text, {
      ...parseOptions,
      sourceType: moduleSyntax.test(text) ? 'module' : 'script',
      ...(comments === undefined
        ? {}
        : { onComment: (_b: boolean, _t: string, start: number, end: number) => comments.push({ start, end }) }),
    });
  } catch (err) {
    rethrowTrap(err);
    return null;
  }
}

/** The script parsed loosely (a cut or broken script still yields its statements). */
function parseLenient(text: string): Program | null {
  try {
    return parseLoose(text, parseOptions) as Program;
  } catch (err) {
    rethrowTrap(err);
    return null;
  }
}

/** Name of a member or identifier callee: `a.b.c` -> `c`, with its object's name when simple. */
/**
 * Arrays of string literals of the script being analysed (`var _0x679c = ["\x76\x61\x6c", ...]`):
 * obfuscators call every method through them (`el[_0x679c[2]]()`), so a computed name that
 * indexes one is read as the string it holds.
 */
let stringArrays = new Map<string, readonly string[]>();

/**
 * The script's string arrays and payload variables (which hold one long encoded literal), in one walk: both
 * look only at declarations, and a walk of a big library is what they cost.
 */
function declarationsOf(program: Program): {
  arrays: Map<string, readonly string[]>;
  payloads: Set<string>;
  functions: Set<string>;
} {
  const out = new Map<string, readonly string[]>();
  const payloads = new Set<string>();
  const functions = new Set<string>();
  const literals = (n: AnyNode | null | undefined): string[] | null => {
    if (n?.type !== 'ArrayExpression') return null;
    const items: string[] = [];
    for (const e of n.elements) {
      if (e?.type !== 'Literal' || typeof e.value !== 'string') return null;
      items.push(e.value);
    }
    return items.length >= 3 ? items : null;
  };
  full(program, (n: AnyNode) => {
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier') {
      const items = literals(n.init) ?? splitList(n.init);
      if (items !== null) out.set(n.id.name, items);
      if (isPayloadDeclarator(n) && payloads.size < 1000) payloads.add(n.id.name);
    }
    if ((n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') && n.id && functions.size < 10000)
      functions.add(n.id.name);
    // Newer obfuscators wrap the array in a function that returns it (`function _0x1() { var a = […]; … }`).
    if (n.type === 'FunctionDeclaration' && n.id !== null && n.body.body.length <= 4) {
      const first = n.body.body[0];
      const items = first?.type === 'VariableDeclaration' ? literals(first.declarations[0]?.init) : null;
      if (items !== null) out.set(n.id.name, items);
    }
  });
  return { arrays: out, payloads, functions };
}

/** A list of names made by splitting a string (`String.fromCharCode(…)[…](",")`), as packers keep their method names. */
function splitList(n: AnyNode | null | undefined): string[] | null {
  if (n?.type !== 'CallExpression') return null;
  const items = arrayOf(n, 0);
  return items !== null && items.length >= 3 ? items : null;
}

/** Calls of a string-array decoder, by start offset, and the strings they stand for. */
let decodedCalls = new Map<number, string>();

/** The string a computed key stands for: a literal, or an index into a known string array. */
function keyOf(n: AnyNode): string | null {
  if (n.type === 'Literal') return typeof n.value === 'string' ? n.value : null;
  if (n.type === 'CallExpression') return decodedCalls.get(n.start) ?? null;
  // Names spelled in pieces: `"l"+"engt"+(74>23?"h":"_")`.
  if (n.type === 'BinaryExpression' || n.type === 'ConditionalExpression') return fold(n);
  if (n.type === 'MemberExpression' && n.computed && n.object.type === 'Identifier') {
    const arr = stringArrays.get(n.object.name);
    const idx = n.property.type === 'Literal' && typeof n.property.value === 'number' ? n.property.value : null;
    return arr === undefined || idx === null ? null : (arr[idx] ?? null);
  }
  return null;
}

function memberName(n: AnyNode): { prop: string | null; object: string | null } {
  if (n.type === 'Identifier') return { prop: n.name, object: null };
  if (n.type === 'MemberExpression') {
    let prop: string | null = null;
    if (!n.computed && n.property.type === 'Identifier') prop = n.property.name;
    else if (n.property.type !== 'PrivateIdentifier') prop = keyOf(n.property);
    const o = n.object;
    const object =
      o.type === 'Identifier'
        ? o.name
        : o.type === 'MemberExpression'
          ? !o.computed && o.property.type === 'Identifier'
            ? o.property.name
            : o.property.type !== 'PrivateIdentifier'
              ? keyOf(o.property)
              : null
          : null;
    return { prop, object };
  }
  return { prop: null, object: null };
}

/** Folds literals, concatenation and the common decoders; null when the value is not known. */
function fold(n: AnyNode, depth = 0): string | null {
  if (depth > 30) return null;
  switch (n.type) {
    case 'Literal':
      return typeof n.value === 'string' ? n.value : typeof n.value === 'number' ? String(n.value) : null;
    case 'MemberExpression':
      return n.computed ? keyOf(n) : null;
    case 'TemplateLiteral':
      return n.expressions.length === 0 ? n.quasis.map((q) => q.value.cooked ?? '').join('') : null;
    case 'ConditionalExpression': {
      // An opaque predicate: a test between two numbers that always picks the same string.
      const t = constantTest(n.test);
      return t === null ? null : fold(t ? n.consequent : n.alternate, depth + 1);
    }
    case 'BinaryExpression': {
      if (n.operator !== '+') return null;
      const l = n.left.type === 'PrivateIdentifier' ? null : fold(n.left, depth + 1);
      const r = l === null ? null : fold(n.right, depth + 1);
      return l === null || r === null ? null : l + r;
    }
    case 'CallExpression': {
      const decoded = decodedCalls.get(n.start);
      if (decoded !== undefined) return decoded;
      const { prop, object } = memberName(n.callee);
      const args = n.arguments.filter(
        (a): a is Exclude<typeof a, { type: 'SpreadElement' }> => a.type !== 'SpreadElement',
      );
      const a0 = args[0] === undefined ? null : fold(args[0], depth + 1);
      if ((prop === 'atob' && object === null) || (prop === 'atob' && object === 'window')) {
        if (a0 === null || !/^[A-Za-z0-9+/=\s]*$/.test(a0)) return null;
        return Buffer.from(a0, 'base64').toString('latin1');
      }
      if (prop === 'fromCharCode' && object === 'String') {
        const codes = args.map((a) => (a === undefined ? null : fold(a, depth + 1)));
        if (codes.some((c) => c === null || !Number.isFinite(Number(c)))) return null;
        return String.fromCharCode(...codes.map((c) => Number(c)));
      }
      if ((prop === 'unescape' || prop === 'decodeURIComponent' || prop === 'decodeURI') && a0 !== null) {
        try {
          return prop === 'unescape' ? unescape(a0) : decodeURIComponent(a0);
        } catch {
          return null;
        }
      }
      if (n.callee.type === 'MemberExpression' && !n.callee.computed) {
        const base = fold(n.callee.object as AnyNode, depth + 1);
        if (base !== null && prop === 'concat') {
          const rest = args.map((a) => fold(a, depth + 1));
          return rest.some((r) => r === null) ? null : base + rest.join('');
        }
        if (base !== null && (prop === 'toLowerCase' || prop === 'toUpperCase'))
          return prop === 'toLowerCase' ? base.toLowerCase() : base.toUpperCase();
        // 'x.y'.split('').reverse().join('') and ['a','b'].join('')
        if (prop === 'join') {
          const glue = a0 ?? (args.length === 0 ? ',' : null);
          const arr = arrayOf(n.callee.object as AnyNode, depth + 1);
          if (glue !== null && arr !== null) return arr.join(glue);
        }
      }
      return null;
    }
    default:
      return null;
  }
}

function arrayOf(n: AnyNode, depth: number): string[] | null {
  if (n.type === 'ArrayExpression') {
    const out: string[] = [];
    for (const e of n.elements) {
      if (e === null || e.type === 'SpreadElement') return null;
      const s = fold(e, depth + 1);
      if (s === null) return null;
      out.push(s);
    }
    return out;
  }
  if (n.type === 'CallExpression' && n.callee.type === 'MemberExpression') {
    // `s[String.fromCharCode(115,112,108,105,116)](",")` is `s.split(",")` too.
    const prop = n.callee.computed ? fold(n.callee.property as AnyNode, depth + 1) : memberName(n.callee).prop;
    if (prop === 'reverse') {
      const a = arrayOf(n.callee.object as AnyNode, depth + 1);
      return a === null ? null : [...a].reverse();
    }
    if (prop === 'split') {
      const base = fold(n.callee.object as AnyNode, depth + 1);
      const sepNode = n.arguments[0];
      const sep = sepNode === undefined || sepNode.type === 'SpreadElement' ? null : fold(sepNode, depth + 1);
      return base === null || sep === null ? null : base.split(sep);
    }
  }
  return null;
}

const isPayloadText = (v: string) => v.length >= 40 && (v.match(/\s/g)?.length ?? 0) * 20 < v.length;

/** Variables of the script that hold one long encoded literal (`var lII = '=oQKpkyJ8dCK0…'`). */
let payloadVars = new Set<string>();

/** A declaration of a variable that holds one long encoded literal (read by declarationsOf). */
function isPayloadDeclarator(n: AnyNode): boolean {
  return (
    n.type === 'VariableDeclarator' &&
    n.id.type === 'Identifier' &&
    n.init?.type === 'Literal' &&
    typeof n.init.value === 'string' &&
    isPayloadText(n.init.value)
  );
}

/** A string literal long and dense enough to be an encoded payload, not a message (or a variable holding one). */
const isPayloadLiteral = (n: AnyNode | null | undefined): boolean =>
  (n?.type === 'Literal' && typeof n.value === 'string' && isPayloadText(n.value)) ||
  (n?.type === 'Identifier' && payloadVars.has(n.name));

function isDecodingCall(n: AnyNode, depth = 0): boolean {
  if (depth > 6) return false;
  if (n.type === 'CallExpression') {
    const { prop } = memberName(n.callee);
    if (prop !== null && /^(?:atob|unescape|decodeURIComponent|fromCharCode|decode)$/.test(prop)) return true;
    // A payload literal run through string methods or a decoder function of the script
    // ("…".replace(/./g, fn), "…".split("").reverse().join(""), d("…")).
    if (n.arguments.some((a) => isPayloadLiteral(a as AnyNode))) return true;
    let o: AnyNode = n.callee;
    for (let i = 0; i < 8 && (o.type === 'MemberExpression' || o.type === 'CallExpression'); i++) {
      o = o.type === 'MemberExpression' ? (o.object as AnyNode) : o.callee;
      if (isPayloadLiteral(o)) return true;
    }
    return n.arguments.some((a) => a.type !== 'SpreadElement' && isDecodingCall(a, depth + 1));
  }
  if (n.type === 'BinaryExpression')
    return isDecodingCall(n.left as AnyNode, depth + 1) || isDecodingCall(n.right, depth + 1);
  return false;
}

/** Variables given String.fromCharCode of computed codes, and those derived from them. */
function charCodeBuilt(bindings: readonly { name: string; value: AnyNode }[]): Set<string> {
  const out = new Set<string>();
  const mentions = (n: AnyNode, test: (x: AnyNode) => boolean) => {
    let hit = false;
    full(n, (x: AnyNode) => {
      hit ||= test(x);
    });
    return hit;
  };
  for (const b of bindings)
    if (
      mentions(
        b.value,
        (x) =>
          x.type === 'CallExpression' &&
          memberName(x.callee).prop === 'fromCharCode' &&
          x.arguments.some((a) => a.type !== 'Literal' && a.type !== 'SpreadElement'),
      )
    )
      out.add(b.name);
  for (let round = 0; round < 2 && out.size > 0; round++)
    for (const b of bindings)
      if (!out.has(b.name) && mentions(b.value, (x) => x.type === 'Identifier' && out.has(x.name))) out.add(b.name);
  return out;
}

/** Checkout page names that skimmers test the location against before they run. */
const checkoutPage = /onepage|onestep|firecheckout|checkout/i;
/** What a checkout's buttons are selected by: their step, their save call, placing the order. */
const checkoutAction = /checkout|onestep|onepage|payment|place.?order|shippingMethod|billing\.save|review\.save/i;

/** The first piece of a concatenation, when it is a literal (`"//x.example/?d=" + data`). */
function headLiteral(n: AnyNode, depth = 0): string | null {
  if (depth > 30) return null;
  if (n.type === 'Literal') return typeof n.value === 'string' ? n.value : null;
  if (n.type === 'BinaryExpression' && n.operator === '+') return headLiteral(n.left as AnyNode, depth + 1);
  if (n.type === 'TemplateLiteral') return n.quasis[0]?.value.cooked ?? null;
  return null;
}

/** An address of another host with something computed appended: navigation that carries data. */
function leavesWith(n: AnyNode): boolean {
  const carries =
    (n.type === 'BinaryExpression' && n.operator === '+') || (n.type === 'TemplateLiteral' && n.expressions.length > 0);
  const head = headLiteral(n);
  return carries && head !== null && isExternal(head);
}

function decodeEntities(s: string): string {
  return s.replace(/&#(x[0-9a-f]+|\d+);/gi, (_m, c: string) =>
    String.fromCharCode(c[0] === 'x' || c[0] === 'X' ? Number.parseInt(c.slice(1), 16) : Number(c)),
  );
}

/** `function(x, y) { return x * y; }`, `function(y) { return y; }`: an operator wrapped to hide it. */
/** Whether a function turns character codes into text: calls both charCodeAt and fromCharCode (of a computed code). */
function decodesByCharCode(fn: AnyNode): boolean {
  let reads = false;
  let writes = false;
  full(fn, (x: AnyNode) => {
    if (x.type !== 'CallExpression') return;
    const { prop } = memberName(x.callee);
    if (prop === 'charCodeAt') reads = true;
    else if (prop === 'fromCharCode' && x.arguments.some((a) => a.type !== 'Literal')) writes = true;
  });
  return reads && writes;
}

/**
 * The first read of the script's own source that keys a decoder: made in a function that turns
 * character codes into text, and (for `fn.toString()`) of a function that encloses the read — a
 * minified library's `h.toString()` of some other function is data, not a key.
 */
function sourceKeyedRead(program: Program, reads: readonly AnyNode[]): AnyNode | null {
  const wanted = new Set(reads);
  let found: AnyNode | null = null;
  const visit: AncestorVisit = (n, _state, ancestors) => {
    if (found !== null || !wanted.has(n)) return;
    const fns = ancestors.filter((a) => a.type === 'FunctionExpression' || a.type === 'FunctionDeclaration');
    const inner = fns[fns.length - 1];
    if (inner === undefined || !decodesByCharCode(inner)) return;
    const callee = n.type === 'CallExpression' ? n.callee : null;
    if (callee?.type === 'MemberExpression' && callee.object.type === 'Identifier') {
      const name = callee.object.name;
      if (
        !fns.some((x) => (x.type === 'FunctionExpression' || x.type === 'FunctionDeclaration') && x.id?.name === name)
      )
        return;
    }
    found = n;
  };
  ancestor(program, { CallExpression: visit, MemberExpression: visit });
  return found;
}

/** Whether an expression is a script element (`document.currentScript`, `getElementsByTagName("script")[i]`). */
function ofScriptElement(n: AnyNode, boundTo: (name: string) => AnyNode | undefined, depth = 0): boolean {
  if (depth > 4) return false;
  if (n.type === 'MemberExpression') {
    if (memberName(n).prop === 'currentScript') return true;
    return ofScriptElement(n.object as AnyNode, boundTo, depth + 1);
  }
  // `var k = document.getElementsByTagName("script"); k[k.length - 1].innerHTML`
  if (n.type === 'Identifier') {
    const v = boundTo(n.name);
    return v !== undefined && ofScriptElement(v, boundTo, depth + 1);
  }
  if (n.type === 'CallExpression') {
    const { prop } = memberName(n.callee);
    const a0 = n.arguments[0];
    return (
      prop === 'getElementsByTagName' &&
      a0 !== undefined &&
      a0.type !== 'SpreadElement' &&
      fold(a0)?.toLowerCase() === 'script'
    );
  }
  return false;
}

function isOperatorFunction(n: AnyNode): boolean {
  if (n.type !== 'FunctionExpression' || n.params.length === 0 || n.params.length > 2) return false;
  const body = n.body.body;
  if (body.length !== 1 || body[0]?.type !== 'ReturnStatement') return false;
  const r = body[0].argument;
  const names = new Set(n.params.map((p) => (p.type === 'Identifier' ? p.name : '')));
  const isParam = (x: AnyNode) => x.type === 'Identifier' && names.has(x.name);
  if (r === null || r === undefined) return false;
  if (isParam(r)) return true;
  return (
    (r.type === 'BinaryExpression' || r.type === 'LogicalExpression') && isParam(r.left as AnyNode) && isParam(r.right)
  );
}

/** Whether an expression reads `document.cookie` (in functions inside it too). */
function readsCookie(n: AnyNode): boolean {
  let found = false;
  full(n, (x: AnyNode) => {
    if (found || x.type !== 'MemberExpression') return;
    if (memberName(x).prop === 'cookie' && memberName(x).object === 'document') found = true;
  });
  return found;
}

/** Whether an expression holds a piece that is another host's address. */
function hasExternalPiece(n: AnyNode): boolean {
  let found = false;
  full(n, (x: AnyNode) => {
    if (!found && x.type === 'Literal' && typeof x.value === 'string' && isExternal(x.value)) found = true;
  });
  return found;
}

/**
 * Arrays of base64 strings (javascript-obfuscator's string arrays, whichever alphabet), decoded
 * whole: what they hold counts even when the calls that read them are not resolved. Entries that
 * do not decode to plain text (RC4-encrypted arrays) are left.
 */
function decodeStringArrays(): Placed[] {
  const out: Placed[] = [];
  for (const items of stringArrays.values()) {
    if (items.length < 5 || items.length > 5000) continue;
    if (!items.every((v) => /^[A-Za-z0-9+/=]{2,}$/.test(v))) continue;
    for (const swapped of [true, false]) {
      const decoded = items.map((v) => obfuscatorBase64(v, swapped)).filter((t) => t !== null && isPlainText(t));
      if (decoded.length * 10 < items.length * 8) continue;
      for (const t of decoded) out.push({ v: t as string, at: 0 });
      break;
    }
  }
  return out;
}

function collect(program: Program, text: string): JsFacts {
  const declared = declarationsOf(program);
  stringArrays = declared.arrays;
  decodedCalls = decodeArrayCalls(program, text, stringArrays, full);
  // A rotation cipher's decoder is small and spelled out: only a script that holds its loop has one.
  if (rotationLoop.test(text)) for (const [at, v] of decodeRotationCalls(program, text, full)) decodedCalls.set(at, v);
  const f: JsFacts = {
    strings: [],
    decodedStrings: [],
    readsValues: [],
    harvests: [],
    sends: [],
    encodes: [],
    listens: [],
    execDecoded: null,
    execDynamic: null,
    scriptInject: null,
    obfuscatorNames: 0,
    sendNode: null,
    fromCharCodeLoops: 0,
    escapedStrings: 0,
    escapedAt: new Set(),
    checkoutGate: null,
    operatorFunctions: 0,
    encodedTable: null,
    cookieTheft: null,
    selfReads: [],
    charCodeAt: false,
    checkoutHandlers: new Set(),
    functionSpans: new Map(),
    leavesWithData: null,
  };
  /** Names of the script's functions, whose source a self-keyed decoder reads with toString(). */
  const functionNames = declared.functions;
  let hiddenFunction = null as AnyNode | null;
  let writesVariable: AnyNode | null = null;
  let evalsVariable: AnyNode | null = null;
  const bindings: { name: string; value: AnyNode }[] = [];
  payloadVars = declared.payloads;
  const mentionsLocation = /\blocation\b/.test(text);
  const obf = new Set<string>();
  let creates: string | null = null;
  full(program, (node: AnyNode) => {
    switch (node.type) {
      case 'Literal': {
        const isRegex = typeof node.regex?.pattern === 'string';
        const v = typeof node.value === 'string' ? node.value : isRegex ? (node.regex?.pattern ?? null) : null;
        if (v === null) return;
        if (typeof node.value === 'string' && f.strings.length < 20000) f.strings.push({ v, at: node.start });
        // \x and \u escapes, and three-digit octal ones (`'\166ar\40snd'`), hide a string's text.
        if (typeof node.value === 'string' && /\\(?:[xu][0-9a-fA-F{]|[0-3][0-7]{2})/.test(node.raw ?? '')) {
          f.escapedStrings++;
          if (f.escapedAt.size < 1000) f.escapedAt.add(node.start);
        }
        // Alternatives of checkout page names (`onepage|checkout`) are what a skimmer's gate tests.
        if (
          f.checkoutGate === null &&
          mentionsLocation &&
          v.length < 300 &&
          (/\|/.test(v) || isRegex) &&
          checkoutPage.test(v)
        )
          f.checkoutGate = node.start;
        // Text spelled as HTML entities (`&#104;&#116;…`), decoded when a page parses it.
        if (/(?:&#x?[0-9a-f]{2,4};){6}/i.test(v) && f.decodedStrings.length < 20000)
          f.decodedStrings.push({ v: decodeEntities(v), at: node.start });
        return;
      }
      case 'FunctionExpression':
        if (isOperatorFunction(node)) f.operatorFunctions++;
        return;
      case 'FunctionDeclaration':
        if (node.id !== null && f.functionSpans.size < 5000) f.functionSpans.set(node.id.name, node.body);
        return;
      case 'SwitchStatement': {
        // A switch of eight or more operator cases stands for as many operator functions.
        const cases = operatorCases(node);
        if (cases >= 8) f.operatorFunctions += cases;
        return;
      }
      case 'Identifier':
        if (/^_0x[0-9a-f]{3,}(?:x[0-9a-f]+)?$/i.test(node.name)) obf.add(node.name);
        return;
      case 'MemberExpression': {
        const { prop } = memberName(node);
        // el.value, form.elements, and jQuery's $(el).val().
        if (prop === 'value' || prop === 'elements' || prop === 'val') f.readsValues.push(node.start);
        if (f.selfReads.length < 20 && prop !== null && elementText.has(prop))
          if (ofScriptElement(node.object as AnyNode, (name) => bindings.findLast((b) => b.name === name)?.value))
            f.selfReads.push(node);
        return;
      }
      case 'NewExpression': {
        const { prop } = memberName(node.callee);
        if (prop === 'Image' || prop === 'WebSocket' || prop === 'XMLHttpRequest' || prop === 'EventSource') {
          f.sends.push({ v: prop, at: node.start });
          f.sendNode ??= node;
        }
        if (prop === 'FormData') f.harvests.push(node.start);
        const pattern = node.arguments[0];
        if (
          prop === 'RegExp' &&
          f.checkoutGate === null &&
          mentionsLocation &&
          pattern?.type === 'Literal' &&
          typeof pattern.value === 'string' &&
          checkoutPage.test(pattern.value)
        )
          f.checkoutGate = node.start;
        if (prop === 'Function' && node.arguments.some((a) => a.type !== 'SpreadElement' && isDecodingCall(a)))
          f.execDecoded ??= node;
        return;
      }
      case 'VariableDeclarator':
        if (node.id.type === 'Identifier' && node.init && bindings.length < 5000)
          bindings.push({ name: node.id.name, value: node.init });
        return;
      case 'AssignmentExpression': {
        if (node.left.type === 'Identifier' && bindings.length < 5000)
          bindings.push({ name: node.left.name, value: node.right });
        if (node.left.type === 'MemberExpression') {
          const { prop } = memberName(node.left);
          if ((prop === 'src' || prop === 'action') && node.right.type !== 'Literal') {
            const s = fold(node.right);
            if (s === null || isExternal(s)) {
              f.sends.push({ v: `${prop}=`, at: node.start });
              f.sendNode ??= node;
            }
            if (prop === 'src' && f.cookieTheft === null && readsCookie(node.right) && hasExternalPiece(node.right))
              f.cookieTheft = node;
            // A script element given an address decoded at run time (`s.src = atob(…)`, or a
            // variable that holds one).
            if (prop === 'src' && creates === 'script' && f.scriptInject === null) {
              const r = node.right;
              const value = r.type === 'Identifier' ? bindings.findLast((b) => b.name === r.name)?.value : r;
              if (value !== undefined && isDecodingCall(value)) f.scriptInject = node;
            }
          }
          if (prop === 'onclick' || prop === 'onsubmit' || prop === 'onchange') f.listens.push(node.start);
          if ((prop === 'href' || prop === 'location') && f.leavesWithData === null && leavesWith(node.right))
            f.leavesWithData = node;
          // Collected values kept in a cookie until they are sent (`document.cookie = "v=" + data`):
          // a harvest's staging step, as encoding is.
          if (prop === 'cookie' && memberName(node.left).object === 'document' && node.right.type !== 'Literal')
            f.encodes.push(node.start);
        }
        return;
      }
      case 'CallExpression': {
        const { prop, object } = memberName(node.callee);
        const args = node.arguments;
        const a0 = args[0] !== undefined && args[0].type !== 'SpreadElement' ? args[0] : null;
        const folded = fold(node);
        if (folded !== null && folded.length > 0 && (node.callee.type !== 'Identifier' || prop === 'atob'))
          f.decodedStrings.push({ v: folded, at: node.start });
        if (prop === null) return;
        if (prop === 'fromCharCode' && a0 !== null && a0.type !== 'Literal') f.fromCharCodeLoops++;
        if (
          (prop === 'attr' || prop === 'setAttribute') &&
          a0?.type === 'Literal' &&
          typeof a0.value === 'string' &&
          node.callee.type === 'MemberExpression'
        ) {
          const target = text.slice(node.callee.object.start, node.callee.object.end);
          const a1 = args[1];
          const handler =
            a1?.type === 'Literal' && typeof a1.value === 'string'
              ? /^\s*([\w$]+)\s*\(/.exec(a1.value)?.[1]
              : undefined;
          if (
            handler !== undefined &&
            f.checkoutHandlers.size < 20 &&
            /^on(?:click|submit)$/i.test(a0.value) &&
            checkoutAction.test(target)
          )
            f.checkoutHandlers.add(handler);
          if (
            f.leavesWithData === null &&
            a0.value === 'href' &&
            /\blocation\b/.test(target) &&
            a1 !== undefined &&
            a1.type !== 'SpreadElement' &&
            leavesWith(a1)
          )
            f.leavesWithData = node;
        }
        if (prop === 'charCodeAt') f.charCodeAt = true;
        // fn.toString() of one of the script's own functions, or of arguments.callee: its source as data.
        if (
          prop === 'toString' &&
          args.length === 0 &&
          f.selfReads.length < 20 &&
          node.callee.type === 'MemberExpression'
        ) {
          const o = node.callee.object;
          if ((o.type === 'Identifier' && functionNames.has(o.name)) || memberName(o as AnyNode).prop === 'callee')
            f.selfReads.push(node);
        }
        if (
          hiddenFunction === null &&
          isHiddenFunction(
            node.callee,
            prop,
            (x) => memberName(x).prop,
            (name) => bindings.find((b) => b.name === name)?.value,
          )
        )
          hiddenFunction = node;
        if (
          f.checkoutGate === null &&
          (prop === 'indexOf' || prop === 'includes' || prop === 'search' || prop === 'match') &&
          a0?.type === 'Literal' &&
          typeof a0.value === 'string' &&
          checkoutPage.test(a0.value) &&
          /location/.test(text.slice(node.callee.start, node.callee.end))
        )
          f.checkoutGate = node.start;
        if (prop === 'decodeURIComponent' || prop === 'decodeURI' || prop === 'unescape') {
          const raw = a0?.type === 'Literal' && typeof a0.value === 'string' ? a0.value : '';
          if (raw.length >= 200 && (raw.match(/%[0-9a-f]{2}/gi)?.length ?? 0) * 10 >= raw.length / 3)
            f.encodedTable ??= node;
        }
        if (a0 !== null && f.harvests.length < 1000 && prop !== 'querySelectorAll' && prop !== 'getElementsByTagName') {
          // jQuery and its aliases: $("input, select"), t("input, select, textarea").
          const sel = a0.type === 'Literal' && typeof a0.value === 'string' ? a0.value : null;
          if (sel !== null && harvestSelector.test(sel) && /,/.test(sel)) f.harvests.push(node.start);
        }
        if (prop === 'sendBeacon' || prop === 'fetch' || (prop === 'open' && object !== 'window' && args.length >= 2)) {
          f.sends.push({ v: prop, at: node.start });
          f.sendNode ??= node;
        }
        if (
          ((prop === 'ajax' || prop === 'post' || prop === 'get' || prop === 'getJSON') &&
            (object === '$' || object === 'jQuery')) ||
          // jQuery under another name (`jQuery(function (t) { t.post(…) })`).
          ((prop === 'ajax' || prop === 'post') && object !== null && /^[\w$]{1,2}$/.test(object))
        ) {
          f.sends.push({ v: `$.${prop}`, at: node.start });
          f.sendNode ??= node;
        }
        if (
          prop === 'btoa' ||
          prop === 'encodeURIComponent' ||
          prop === 'escape' ||
          prop === 'stringify' ||
          prop === 'serialize' ||
          // JSEncrypt and the like: what is sent is encrypted for the attacker's key.
          prop === 'encrypt'
        )
          f.encodes.push(node.start);
        if (prop === 'serialize' || prop === 'serializeArray') f.harvests.push(node.start);
        if (
          prop === 'addEventListener' ||
          prop === 'attachEvent' ||
          prop === 'on' ||
          prop === 'click' ||
          prop === 'submit'
        )
          f.listens.push(node.start);
        if ((prop === 'querySelectorAll' || prop === 'getElementsByTagName') && a0 !== null) {
          const sel = fold(a0);
          if (sel !== null && harvestSelector.test(sel)) f.harvests.push(node.start);
        }
        if (prop === 'createElement' && a0 !== null) creates = fold(a0)?.toLowerCase() ?? creates;
        // el.setAttribute('src', url + data) on an image or a frame sends like `.src =` does.
        const attr = prop === 'setAttribute' && a0 !== null ? fold(a0) : null;
        const attrValue = args[1];
        if (
          (attr === 'src' || attr === 'action') &&
          attrValue !== undefined &&
          attrValue.type !== 'SpreadElement' &&
          attrValue.type !== 'Literal'
        ) {
          const v = fold(attrValue);
          if (v === null || isExternal(v)) {
            f.sends.push({ v: `setAttribute('${attr}')`, at: node.start });
            f.sendNode ??= node;
          }
        }
        if (prop === 'setAttribute' && a0 !== null && fold(a0) === 'src' && creates === 'script') {
          const v = args[1];
          if (v !== undefined && v.type !== 'SpreadElement' && (fold(v) === null || isDecodingCall(v)))
            f.scriptInject ??= node;
        }
        if (
          (prop === 'eval' && object === null) ||
          prop === 'setTimeout' ||
          prop === 'setInterval' ||
          prop === 'Function'
        ) {
          if (
            a0 !== null &&
            a0.type !== 'FunctionExpression' &&
            a0.type !== 'ArrowFunctionExpression' &&
            a0.type !== 'Identifier'
          ) {
            if (isDecodingCall(a0)) f.execDecoded ??= node;
            else if (prop === 'eval' && fold(a0) === null) f.execDynamic ??= node;
          } else if (prop === 'eval' && a0?.type === 'Identifier') {
            f.execDynamic ??= node;
            evalsVariable ??= node;
          }
        }
        if (prop === 'write' && object === 'document' && a0 !== null) {
          const s = fold(a0);
          if (
            (s === null && isDecodingCall(a0)) ||
            (s !== null && /<script[^>]+src\s*=\s*["']?(?:https?:)?\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/i.test(s))
          )
            if (s === null || isDecodingCall(a0) || !/<script/i.test(text.slice(a0.start, a0.end)))
              f.scriptInject ??= node;
          if (a0.type === 'Identifier') writesVariable ??= node;
        }
        return;
      }
      default:
        return;
    }
  });
  f.obfuscatorNames = obf.size;
  // document.write of a variable built by a character-code loop writes decoded text.
  // document.write or eval of a variable a character-code loop built (`m += String.fromCharCode(
  // s.charCodeAt(i) - 1)`, then `w = unescape(m)`) shows or runs decoded text.
  const built = charCodeBuilt(bindings);
  // The Function constructor reached through a literal runs its argument like eval.
  if (hiddenFunction?.type === 'CallExpression') {
    const arg = hiddenFunction.arguments[0];
    if (arg !== undefined && arg.type !== 'SpreadElement' && arg.type !== 'Literal')
      if ((arg.type === 'Identifier' && built.has(arg.name)) || isDecodingCall(arg)) f.execDecoded ??= hiddenFunction;
      else f.execDynamic ??= hiddenFunction;
  }
  for (const use of [writesVariable, evalsVariable] as (AnyNode | null)[]) {
    const arg = use?.type === 'CallExpression' ? use.arguments[0] : undefined;
    if (use !== null && arg?.type === 'Identifier' && built.has(arg.name)) f.execDecoded ??= use;
  }
  for (const d of decodeStringArrays()) if (f.decodedStrings.length < 20000) f.decodedStrings.push(d);
  for (const [at, v] of decodedCalls) if (f.decodedStrings.length < 20000) f.decodedStrings.push({ v, at });
  if (
    creates === 'script' &&
    f.scriptInject === null &&
    /\.src\s*=/.test(text) &&
    f.decodedStrings.some((s) => isExternal(s.v))
  )
    f.scriptInject = f.sendNode;
  return f;
}

export interface JsAnalysis {
  signals: Signal[];
  parsed: boolean;
}

/**
 * Analyses one script's text. `base` is the line the script starts on within its file; `screen`
 * is the keyword screen of this very text (or of a text it is cut from).
 */
export function analyseJs(text: string, base = 1, nested = false, screen: Screen = unscreened): JsAnalysis {
  if (!jsWorthParsing(text, screen)) return { signals: [], parsed: false };
  if (text.length <= bigScript) {
    // A script kept with its quotes escaped (`var a=\'x\'`: a database dump, a JSON or PHP
    // string) is read as the script it becomes once stored back in a page.
    const strict = parseStrict(text);
    if (strict === null && escapedQuote.test(text)) {
      const plain = text.replace(/\\(['"\\])/g, '$1');
      const program = parseStrict(plain);
      if (program !== null) return analyseScript(plain, base, program, nested);
    }
    return analyseScript(text, base, strict ?? parseLenient(text), nested);
  }
  // A big bundle: only the stretches where something that sends meets something a skimmer needs
  // are parsed (loosely: a stretch cuts statements). An injected skimmer is compact.
  const set = new SignalSet();
  for (const r of suspectRegions(text)) {
    const slice = text.slice(r.start, r.end);
    let program: Program | null = null;
    try {
      program = parseLoose(slice, { ecmaVersion: 'latest' }) as Program;
    } catch (err) {
      rethrowTrap(err);
      program = null;
    }
    for (const sig of analyseScript(slice, base - 1 + lineAtOffset(text, r.start), program, nested).signals)
      set.add(sig);
  }
  return { signals: set.all(), parsed: true };
}

/**
 * Past this size a script is a library or a bundle, where an injected skimmer is compact: only
 * the stretches around what sends are parsed. At 256 KiB, prototype.js and ext-tree.min.js
 * (~200 KiB each) were parsed whole in every shop tree, a tenth of a Magento 1 scan's time.
 */
const bigScript = 128 * 1024;
/** Properties that hold an element's text (a script element's own source, read as a key). */
const elementText = new Set(['innerHTML', 'text', 'textContent', 'innerText']);
/** The loop of a rotation cipher's decoder (`t=(t+i)%n.length)r+=n.charAt(t)`). */
const rotationLoop = /%\s*[\w$]+(?:\.length)?\s*\)\s*[\w$]+\s*\+=\s*[\w$]+\.charAt\(/;
const escapedQuote = /\\['"]/;

/** Stretches of a big script around each send-like token that has a skimmer-like term nearby, merged. */
function suspectRegions(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const terms: number[] = [];
  const termsRe = new RegExp(termish.source, 'gi');
  for (let m = termsRe.exec(text); m !== null && terms.length < 100_000; m = termsRe.exec(text)) terms.push(m.index);
  const anchors = new RegExp(sendish.source, 'g');
  let t = 0;
  for (let m = anchors.exec(text); m !== null; m = anchors.exec(text)) {
    const start = Math.max(0, m.index - window);
    const end = Math.min(text.length, m.index + window);
    while (t < terms.length && (terms[t] as number) < start) t++;
    if (t >= terms.length || (terms[t] as number) > end) continue;
    const last = out[out.length - 1];
    if (last !== undefined && start <= last.end) last.end = end;
    else out.push({ start, end });
    if (out.length > 200) break;
  }
  return out;
}

function analyseScript(text: string, base: number, program: Program | null, nested = false): JsAnalysis {
  const out = new SignalSet();
  if (program === null) return { signals: [], parsed: false };
  const f = collect(program, text);
  const at = (n: AnyNode | null) => base - 1 + lineOf(text, n);
  // Each send is judged by what lies near it: the payment words, the harvest and the address.
  const near = (xs: readonly number[], at: number) => xs.some((x) => Math.abs(x - at) <= window);
  const nearPlaced = (xs: readonly Placed[], at: number, test: (s: string) => boolean) =>
    xs.find((x) => Math.abs(x.at - at) <= window && test(x.v))?.v ?? null;
  const isPayment = (s: string) => s.length < 200 && paymentTerm.test(s);
  const isHidden = (s: string) => isExternal(s) || /https?:\/\//i.test(s);
  const pool = [...f.strings, ...f.decodedStrings];
  let verdict: { id: string; weight: number; send: Placed; payment: string | null; address: string } | null = null;
  for (const send of f.sends) {
    const payment = nearPlaced(pool, send.at, isPayment);
    const hidden = nearPlaced(f.decodedStrings, send.at, isHidden);
    const address = hidden ?? nearPlaced(f.strings, send.at, isExternal);
    const gated = f.checkoutGate !== null && near(f.harvests, send.at);
    if (address === null) {
      // Every input of the checkout page, sent wherever: the address may be built at run time.
      if (gated)
        verdict ??= { id: 'js-form-harvest', weight: 12, send, payment, address: 'an address built at run time' };
      continue;
    }
    const reads = near(f.readsValues, send.at) || near(f.harvests, send.at);
    if (payment !== null && reads) verdict = { id: 'js-card-exfiltration', weight: 20, send, payment, address };
    else if (gated) verdict = { id: 'js-form-harvest', weight: 15, send, payment, address };
    else if (near(f.harvests, send.at) && near(f.encodes, send.at))
      verdict ??= { id: 'js-form-harvest', weight: 15, send, payment, address };
    else if (payment !== null && hidden !== null && near(f.encodes, send.at) && near(f.listens, send.at))
      verdict ??= { id: 'js-card-exfiltration', weight: 18, send, payment, address };
    else if (hidden !== null) verdict ??= { id: 'js-hidden-address', weight: 6, send, payment, address };
    else if (reads && near(f.encodes, send.at) && near(f.listens, send.at))
      verdict ??= { id: 'js-listen-encode-send', weight: 4, send, payment, address };
    if (verdict?.weight === 20) break;
  }
  const payment = pool.find((s) => isPayment(s.v))?.v ?? null;
  const hiddenExternal = f.decodedStrings.find((s) => isHidden(s.v))?.v ?? null;
  if (verdict !== null)
    out.add({
      id: verdict.id,
      category: verdict.weight >= 10 ? 'skimmer' : 'obfuscation',
      weight: verdict.weight,
      line: base - 1 + lineAtOffset(text, verdict.send.at),
      evidence: clip(
        `${verdict.payment === null ? '' : `reads "${verdict.payment}", `}sends with ${verdict.send.v} to ${verdict.address}`,
      ),
      description:
        verdict.id === 'js-card-exfiltration'
          ? 'Reads payment fields and sends them to another host — a card skimmer.'
          : verdict.id === 'js-form-harvest'
            ? 'Collects every form input, encodes it and sends it to another host.'
            : verdict.id === 'js-hidden-address'
              ? 'Sends data to an address that appears only after decoding.'
              : 'Listens to page events, reads input values, encodes and sends them off-site.',
    });
  if (f.execDecoded !== null)
    out.add({
      id: 'js-decode-exec',
      category: 'obfuscation',
      weight: 12,
      line: at(f.execDecoded),
      evidence: clip(text.slice(f.execDecoded.start, f.execDecoded.start + 120)),
      description: 'Runs decoded text as code (eval/Function/setTimeout of atob, fromCharCode, unescape…).',
    });
  else if (f.execDynamic !== null)
    out.add({
      id: 'js-eval-dynamic',
      category: 'obfuscation',
      weight: 4,
      line: at(f.execDynamic),
      evidence: clip(text.slice(f.execDynamic.start, f.execDynamic.start + 120)),
      description: 'eval() of text built at run time.',
    });
  if (f.scriptInject !== null)
    out.add({
      id: 'js-hidden-script-loader',
      category: 'skimmer',
      weight: 12,
      line: at(f.scriptInject),
      evidence: clip(hiddenExternal ?? text.slice(f.scriptInject.start, f.scriptInject.start + 120)),
      description: 'Loads a script from an address it spells in pieces or decodes at run time.',
    });
  if (f.cookieTheft !== null)
    out.add({
      id: 'js-cookie-theft',
      category: 'skimmer',
      weight: 12,
      line: at(f.cookieTheft),
      evidence: clip(text.slice(f.cookieTheft.start, f.cookieTheft.start + 120)),
      description: "Sends the page's cookies (sessions) to another host.",
    });
  // The checkout's buttons rewired to a function that sends the visitor, with data, to another
  // host: a fake payment page takes the card there. A gateway's redirect is the platform's own
  // step after the order is placed, not an onclick rewritten on the shop's buttons.
  const leaves = f.leavesWithData;
  const rewired =
    leaves !== null &&
    [...f.checkoutHandlers].some((h) => {
      const span = f.functionSpans.get(h);
      return span !== undefined && span.start <= leaves.start && leaves.end <= span.end;
    });
  if (rewired && f.leavesWithData !== null)
    out.add({
      id: 'js-checkout-redirect',
      category: 'skimmer',
      weight: 12,
      line: at(f.leavesWithData),
      evidence: clip(text.slice(f.leavesWithData.start, f.leavesWithData.start + 120)),
      description:
        "Rewires the checkout's buttons and sends the visitor, with data, to another host (a fake payment page).",
    });
  if (f.checkoutGate !== null && verdict === null && (f.harvests.length > 0 || f.scriptInject !== null))
    out.add({
      id: 'js-checkout-gate',
      category: 'skimmer',
      weight: 4,
      line: base - 1 + lineAtOffset(text, f.checkoutGate),
      evidence: clip(text.slice(f.checkoutGate, f.checkoutGate + 100)),
      description: 'Runs only on checkout pages (tests the address against checkout page names).',
    });
  if (f.operatorFunctions >= 20)
    out.add({
      id: 'js-function-table-shape',
      category: 'obfuscation',
      weight: 8,
      line: base,
      evidence: `${f.operatorFunctions} functions that only apply an operator`,
      description: 'Shaped like Jscrambler output: tables of tiny functions that hide every operator and call.',
    });
  const selfRead =
    f.selfReads.length > 0 && f.charCodeAt && f.fromCharCodeLoops > 0 ? sourceKeyedRead(program, f.selfReads) : null;
  if (selfRead !== null)
    out.add({
      id: 'js-self-keyed-decoder',
      category: 'obfuscation',
      // Decoding with one's own source as the key breaks the code when anyone edits it or
      // reads it in a debugger: an anti-analysis trick of skimmer packers, not of minifiers.
      weight: 10,
      line: at(selfRead),
      evidence: clip(text.slice(selfRead.start, selfRead.start + 120)),
      description:
        "Decodes its strings with its own source text as the key (a function's toString(), its script element).",
    });
  if (f.encodedTable !== null)
    out.add({
      id: 'js-encoded-string-table',
      category: 'obfuscation',
      weight: 4,
      line: at(f.encodedTable),
      evidence: clip(text.slice(f.encodedTable.start, f.encodedTable.start + 80)),
      description: 'A long percent-encoded string decoded at run time (an encrypted table of strings).',
    });
  if (f.obfuscatorNames >= 8)
    out.add({
      id: 'js-obfuscator-shape',
      category: 'obfuscation',
      weight: f.obfuscatorNames >= 25 ? 8 : 5,
      line: base,
      evidence: `${f.obfuscatorNames} _0x… names`,
      description: 'Shaped like javascript-obfuscator output (_0x string arrays and decoders).',
    });
  const hiddenCode =
    f.obfuscatorNames >= 8 || f.execDecoded !== null || f.escapedStrings >= 40 || f.operatorFunctions >= 20;
  const anyAddress = [...f.strings, ...f.decodedStrings].find((x) => isExternal(x.v) || /^wss?:\/\//i.test(x.v));
  if (payment !== null && hiddenCode)
    out.add({
      id: 'js-obfuscated-payment',
      category: 'skimmer',
      // Obfuscated code that carries payment field names and an address of another host is a
      // skimmer whatever calls it hides; either alone is less.
      weight: anyAddress !== undefined ? 14 : 8,
      line: base,
      evidence: clip(anyAddress === undefined ? payment : `${payment} … ${anyAddress.v}`),
      description:
        anyAddress === undefined
          ? 'Obfuscated code that handles payment fields.'
          : 'Obfuscated code that handles payment fields and holds the address of another host.',
    });
  const escapes = text.match(/\\x[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}/g)?.length ?? 0;
  if (escapes >= 60 && escapes * 30 > text.length)
    out.add({
      id: 'js-escaped-strings',
      category: 'obfuscation',
      weight: 4,
      line: base,
      evidence: `${escapes} \\x and \\u escapes`,
      description: 'Strings spelled as \\x escapes, as obfuscated code does.',
    });
  // A script carried inside a string (escaped, or decoded at run time) is read as the script it
  // is, once: a skimmer shipped as "\x76\x61\x72…" and run by eval or a script element.
  if (!nested) {
    let budget = 256 * 1024;
    const carried = [...f.strings.filter((x) => f.escapedAt.has(x.at)), ...f.decodedStrings].filter(
      (x) => x.v.length >= 200 && scriptInString.test(x.v),
    );
    for (const x of carried.slice(0, 10)) {
      if ((budget -= x.v.length) < 0) break;
      for (const sig of analyseJs(x.v, base - 1 + lineAtOffset(text, x.at), true).signals) out.add(sig);
    }
  }
  return { signals: out.all(), parsed: true };
}

/** Text that reads as a script: statements and the page objects skimmers use. */
const scriptInString =
  /(?:\bfunction\b|=>|\bvar\s|\blet\s)[\s\S]*(?:document\.|window\.|jQuery|\$\()|(?:document\.|window\.)[\s\S]*(?:\bfunction\b|=>)/;

/** Inline scripts and event-handler attributes of an HTML (or PHP template) text, with their lines. */
export function scriptsOf(html: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = scriptTagsOf(html);
  handlersOf(html, out);
  return out;
}

const lineIn = (text: string, i: number) => {
  let line = 1;
  for (let k = text.indexOf('\n'); k !== -1 && k < i; k = text.indexOf('\n', k + 1)) line++;
  return line;
};

/** The bodies of `<script>` elements (200 at most), with where their tag starts. */
function scriptTagsOf(html: string): { code: string; line: number; at: number }[] {
  const out: { code: string; line: number; at: number }[] = [];
  const tag = /<script\b([^>]*)>([\s\S]*?)(?:<\/script\s*>|$)/gi;
  for (let m = tag.exec(html); m !== null && out.length < 200; m = tag.exec(html)) {
    const attrs = m[1] ?? '';
    const body = m[2] ?? '';
    // Data and templates are no script; PHP 5's `<script language="php">` is PHP's to read.
    if (
      /type\s*=\s*["']?(?:text\/x-magento-init|application\/(?:ld\+)?json|text\/template|text\/x-template)/i.test(
        attrs,
      ) ||
      /\blanguage\s*=\s*["']?php\b/i.test(attrs)
    )
      continue;
    if (body.trim() !== '')
      out.push({ code: body, line: lineIn(html, m.index + 1 + (m[0].indexOf('>') ?? 0)), at: m.index });
  }
  return out;
}

/** Event handler attributes (`onclick="…"`), entities decoded, added to `out` (400 scripts at most). */
function handlersOf(html: string, out: { code: string; line: number }[]): void {
  const lineAt = (i: number) => lineIn(html, i);
  const handler = /\son[a-z]{3,20}\s*=\s*(["'])([^"']{8,4000})\1/gi;
  for (let m = handler.exec(html); m !== null && out.length < 400; m = handler.exec(html))
    out.push({
      code: (m[2] ?? '')
        .replace(/&quot;/g, '"')
        .replace(/&#0?39;|&apos;/g, "'")
        .replace(/&amp;/g, '&'),
      line: lineAt(m.index),
    });
}

/**
 * A script file that sniffs as markup too, because its strings hold `<script>` tags (a library
 * that writes scripts into the page, like prototype.js): parsed once, whole. The scripts inside
 * its string literals (and concatenations of them) are read from the strings' values — what the
 * page would run — instead of from a cut of the file's text that runs on to its end (a second,
 * loose parse of most of the file). A `<script` in a comment or a regular expression runs
 * nothing and is not read (the text is read for tags with those blanked out); one anywhere else
 * (a template with expressions), event handler attributes, and files that do not parse as
 * written or are too big are read as markup, as before.
 */
/** The value of a string literal, a template without expressions, or a `+` of those (and numbers). */
function literalValue(n: AnyNode, depth = 0): string | null {
  if (depth > 200) return null;
  if (n.type === 'Literal')
    return typeof n.value === 'string' ? n.value : typeof n.value === 'number' ? String(n.value) : null;
  if (n.type === 'TemplateLiteral')
    return n.expressions.length === 0 ? n.quasis.map((q) => q.value.cooked ?? '').join('') : null;
  if (n.type !== 'BinaryExpression' || n.operator !== '+' || n.left.type === 'PrivateIdentifier') return null;
  const l = literalValue(n.left, depth + 1);
  const r = l === null ? null : literalValue(n.right, depth + 1);
  return l === null || r === null ? null : l + r;
}

export function analyseScriptFile(text: string, screen: Screen = unscreened): Signal[] {
  const set = new SignalSet();
  const take = (signals: readonly Signal[]) => {
    for (const sig of signals) set.add(sig);
  };
  const tags = scriptTagsOf(text);
  // Where the script holds text that never runs: its comments and regular expressions.
  const inert: { start: number; end: number }[] = [];
  const program =
    tags.length > 0 && text.length <= bigScript && jsWorthParsing(text, screen) ? parseStrict(text, inert) : null;
  if (program === null) {
    for (const s of scriptsOf(text)) take(analyseJs(s.code, s.line).signals);
    take(analyseJs(text, 1, false, screen).signals);
    return set.all();
  }
  // The literal strings and concatenations of them that hold a `<script` of the text, widest.
  // (Every `<script`: a tag cut from the text may run on over the next ones.)
  const opens: number[] = [];
  const open = /<script\b/gi;
  for (let m = open.exec(text); m !== null; m = open.exec(text)) opens.push(m.index);
  const holdsOpen = (n: { start: number; end: number }) => {
    let lo = 0;
    let hi = opens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((opens[mid] as number) <= n.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < opens.length && (opens[lo] as number) < n.end;
  };
  const inStrings: { start: number; end: number; value: string }[] = [];
  full(program, (n: AnyNode) => {
    if (n.type !== 'Literal' && n.type !== 'TemplateLiteral' && n.type !== 'BinaryExpression') return;
    if (!holdsOpen(n)) return;
    if (n.type === 'Literal' && n.regex !== undefined) inert.push({ start: n.start, end: n.end });
    const value = literalValue(n);
    if (value !== null) inStrings.push({ start: n.start, end: n.end, value });
  });
  inStrings.sort((a, b) => a.start - b.start || b.end - a.end);
  const widest: typeof inStrings = [];
  for (const x of inStrings) {
    const last = widest[widest.length - 1];
    if (last === undefined || x.start >= last.end) widest.push(x);
  }
  // In the text's order: the tags that start outside strings cut from the text as before, and
  // each string's scripts read from its value.
  let count = 0;
  // A tag in a comment or a regular expression (`/<script[^>]*>/`, a library's own parser) runs
  // nothing, and cut from the text it would run on to the file's end: the tags are read from the
  // text with those blanked out (same offsets and lines).
  const blank = inert.filter(holdsOpen);
  const cut = blank.length === 0 ? tags : scriptTagsOf(blanked(text, blank));
  const fromText = cut.filter((t) => !widest.some((x) => t.at > x.start && t.at < x.end));
  const pieces = [
    ...fromText.map((t) => ({ at: t.at, read: () => [t] })),
    ...widest.map((x) => ({
      at: x.start,
      read: () => scriptTagsOf(x.value).map((s) => ({ code: s.code, line: lineAtOffset(text, x.start) + s.line - 1 })),
    })),
  ].sort((a, b) => a.at - b.at);
  for (const p of pieces)
    for (const s of p.read()) {
      if (count++ >= 200) break;
      take(analyseJs(s.code, s.line).signals);
    }
  const handlers: { code: string; line: number }[] = [];
  handlersOf(text, handlers);
  for (const s of handlers.slice(0, Math.max(0, 400 - tags.length))) take(analyseJs(s.code, s.line).signals);
  take(analyseScript(text, 1, program).signals);
  return set.all();
}

/** The text with each span's characters but line breaks made spaces. */
function blanked(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = '';
  let at = 0;
  for (const x of [...spans].sort((a, b) => a.start - b.start)) {
    if (x.start < at) continue;
    out += text.slice(at, x.start) + text.slice(x.start, x.end).replace(/[^\n]/g, ' ');
    at = x.end;
  }
  return out + text.slice(at);
}

/** Top-level domains where throwaway skimmer hosts cluster (cheap, anonymous registration). */
const riskyTld =
  /\.(?:pw|cc|top|xyz|club|site|online|icu|cyou|buzz|su|tk|ml|ga|cf|gq|ws|link|click|host|space|fun|rest)$/i;
/** Paths of a shop's own assets, copied onto another host to look like them. */
const shopAssetPath =
  /^\/(?:media|skin|js\/(?:mage|varien|extjs|prototype|scriptaculous|lib|calendar)|static|pub\/static|lib|wp-content|wp-includes|modules|themes)\//i;
/** A script named for the checkout's payment step. */
const paymentScriptName = /\/[^/]*(?:pay|checkout|card|billing)[^/]*\.js(?:$|\?)/i;

/**
 * `<script src>` of markup pointing at another host: the Magecart loader injected into a
 * footer, a CMS block or a template. One such tag is common (a CDN, analytics); a host on a
 * throwaway domain, a bare IP, or a path that mimics the shop's own assets adds up.
 */
export function externalScriptSignals(html: string): Signal[] {
  const set = new SignalSet();
  const tag = /<script\b[^>]*\bsrc\s*=\s*["']?((?:https?:)?\/\/([^/"'\s>:]+)(?::\d+)?(\/[^"'\s>]*)?)/gi;
  for (let m = tag.exec(html); m !== null; m = tag.exec(html)) {
    const host = (m[2] ?? '').toLowerCase();
    const path = m[3] ?? '/';
    let weight = 2;
    const why: string[] = [];
    if (riskyTld.test(host)) {
      weight += 6;
      why.push('a throwaway top-level domain');
    }
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) {
      weight += 6;
      why.push('a bare IP address');
    }
    if (shopAssetPath.test(path)) {
      weight += 4;
      why.push("a path that mimics the shop's own assets");
      // (the shop's own scripts never live on another host; one named for its payment step is the skimmer)
      if (paymentScriptName.test(path)) {
        weight += 4;
        why.push('a name for the payment step');
      }
    }
    if (why.length === 0) continue;
    set.add({
      id: 'html-suspicious-script-host',
      category: 'skimmer',
      weight,
      line: lineAtOffset(html, m.index),
      evidence: clip(m[1] ?? ''),
      description: `Loads a script from another host with ${why.join(' and ')}.`,
    });
  }
  return set.all();
}

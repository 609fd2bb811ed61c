// The PHP analyser: parses a file with php-parser (never runs it) and asks questions of its
// structure that a list of spellings cannot: does request data reach code execution, a shell,
// a dynamic callee or a file write; is a called function's name assembled from pieces
// (`'as'.'sert'`, `$s[17].$s[41]`, `chr(115)...`, constants) that fold to a dangerous name;
// is decoded text executed. Analysis is flow-insensitive over the whole file (a variable is
// tainted if any assignment taints it), with a few rounds to a fixed point and user functions'
// parameters tainted by their callers, which is what the one-line bypass shells defeat.
// Weak signals (obfuscation, long encoded strings, web-shell tool features) are scored beside
// the flows in signals.ts.

import { rethrowTrap } from './traps.ts';
import { escapeRegExp } from '../../core/escape.ts';
import { createRequire } from 'node:module';
import type { Engine } from 'php-parser';
import { type DecodeBudget, inflatePhp, isDecoderShaped, runDecoder, runLoop } from './php-decoder.ts';
import { type Screen, unscreened } from './keywords.ts';
import { clip, entropy, type Signal, SignalSet } from './signals.ts';
import { trailerPayload } from './php-trailer.ts';
import { phpOpenTag } from './sniff.ts';

/** A php-parser node, read without trusting its shape. */
interface PNode {
  kind: string;
  loc?: { start: { line: number; offset?: number }; end?: { offset?: number } } | null;
  [key: string]: unknown;
}

/** The parameters' names of a function, method or closure, in order ('' for one without a name). */
function paramNames(n: PNode): string[] {
  return nodesAt(n, 'arguments').map((p) => {
    const pn = nodeAt(p, 'name');
    return (pn === null ? strAt(p, 'name') : strAt(pn, 'name')) ?? '';
  });
}

/** Appends to the list a map keeps under a key, up to `cap` items (a file cannot grow one without bound). */
function pushCapped<K, V>(map: Map<K, V[]>, key: K, value: V, cap: number): void {
  const list = map.get(key) ?? [];
  if (list.length < cap) list.push(value);
  map.set(key, list);
}

const isNode = (v: unknown): v is PNode =>
  typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';

const nodeAt = (n: PNode, key: string): PNode | null => {
  const v = n[key];
  return isNode(v) ? v : null;
};

const nodesAt = (n: PNode, key: string): PNode[] => {
  const v = n[key];
  return Array.isArray(v) ? v.filter(isNode) : [];
};

const strAt = (n: PNode, key: string): string | null => {
  const v = n[key];
  return typeof v === 'string' ? v : null;
};

const lineOf = (n: PNode | null): number => n?.loc?.start.line ?? 0;

/** `$this->name` as the pseudo-variable name `this->name`; null for anything else. */
const thisProperty = (n: PNode): string | null => {
  if (n.kind !== 'propertylookup') return null;
  const what = nodeAt(n, 'what');
  const off = nodeAt(n, 'offset');
  if (what?.kind !== 'variable' || strAt(what, 'name') !== 'this' || off?.kind !== 'identifier') return null;
  const name = strAt(off, 'name');
  return name === null ? null : `this->${name}`;
};

/** A variable's name, also when spelled `${"name"}`. */
const variableName = (n: PNode): string | null => {
  if (n.kind !== 'variable') return null;
  const name = strAt(n, 'name');
  if (name !== null) return name;
  const lit = nodeAt(n, 'name');
  return lit?.kind === 'string' ? strAt(lit, 'value') : null;
};

/**
 * The operands of a chain of one operator nested to the left (`"a" . $x . "b" . …`), in order,
 * gathered in a loop: a chain is one level however long it is, and a packed file's chain of
 * thousands of pieces must not exhaust the stack as recursion down its left side would.
 */
const chainOperands = (e: PNode): PNode[] => {
  const type = strAt(e, 'type');
  const operands: PNode[] = [];
  let at: PNode | null = e;
  while (at?.kind === 'bin' && strAt(at, 'type') === type) {
    const right = nodeAt(at, 'right');
    if (right !== null) operands.push(right);
    at = nodeAt(at, 'left');
  }
  if (at !== null) operands.push(at);
  return operands.reverse();
};

// Loaded on the first file worth parsing: a quick check that finds nothing changed never pays for it.
const requireLazily = createRequire(import.meta.url);
let engine: Engine | null = null;
function parser(): Engine {
  const { Engine: PhpParser } = requireLazily('php-parser') as typeof import('php-parser');
  engine ??= new PhpParser({
    parser: { extractDoc: false, suppressErrors: true, php8: true },
    ast: { withPositions: true },
    lexer: { short_tags: true, asp_tags: false },
  });
  return engine;
}

const superglobals = new Set([
  '_GET',
  '_POST',
  '_REQUEST',
  '_COOKIE',
  '_FILES',
  '_SERVER',
  '_ENV',
  // PHP 4's long names, still in old shells.
  'HTTP_GET_VARS',
  'HTTP_POST_VARS',
  'HTTP_COOKIE_VARS',
  'HTTP_POST_FILES',
]);
/** $_SERVER keys an attacker writes. */
const serverTainted = /^(?:HTTP_|QUERY_STRING|REQUEST_URI|PATH_INFO|PHP_AUTH|REDIRECT_)/i;
/**
 * A command-line script by what it checks or uses (the SAPI, the argument count, the standard
 * streams, a `#!` line) or what it is (a test case, a console command): its `$_SERVER['argv']`
 * are its arguments. Elsewhere they are the query string, split, wherever register_argc_argv is
 * on (PHP's compiled default).
 */
const cliScript =
  /\bPHP_SAPI\b|\bphp_sapi_name\s*\(|\[\s*['"]argc['"]\s*\]|\$argc\b|\bSTD(?:IN|OUT|ERR)\b|^#!|\bextends\s+\\?(?:\w+\\)*\w*TestCase\b|Symfony\\Component\\Console\\/m;

/** Functions whose result cannot carry attacker text into code. */
const sanitisers = new Set([
  'intval',
  'floatval',
  'boolval',
  'count',
  'strlen',
  'isset',
  'empty',
  'is_numeric',
  'is_array',
  'is_string',
  'md5',
  'sha1',
  'crc32',
  'hash',
  'in_array',
  'array_key_exists',
  'preg_match',
  'strpos',
  'stripos',
  'abs',
  'round',
  'ctype_digit',
  'ctype_alnum',
  'filter_var',
  'password_verify',
  'hash_equals',
]);
const shellEscapes = new Set(['escapeshellarg', 'escapeshellcmd']);

/** Functions that run PHP text. */
const codeSinks = new Set(['assert', 'create_function']);
const shellSinks = new Set([
  'system',
  'exec',
  'passthru',
  'shell_exec',
  'popen',
  'proc_open',
  'pcntl_exec',
  'expect_popen',
]);
/** Callee name that, folded from pieces, shows the intent to hide a dangerous call. */
const dangerousNames = new Set([
  ...codeSinks,
  ...shellSinks,
  'eval',
  'base64_decode',
  'gzinflate',
  'gzuncompress',
  'gzdecode',
  'str_rot13',
  'strrev',
  'call_user_func',
  'call_user_func_array',
  'file_put_contents',
  'file_get_contents',
  'fwrite',
  'fopen',
  'move_uploaded_file',
  'preg_replace',
  'array_map',
  'array_filter',
  'usort',
  'uasort',
  'uksort',
  'array_walk',
  'register_shutdown_function',
  'forward_static_call',
  'forward_static_call_array',
  'hex2bin',
  'convert_uudecode',
  'curl_exec',
  'fsockopen',
  'mail',
  'unserialize',
  'include',
  'require',
]);
/** Functions that take an array's values by position, whatever their keys. */
const positional = new Set([
  'array_values',
  'array_slice',
  'array_reverse',
  'end',
  'reset',
  'current',
  'array_pop',
  'array_shift',
]);
/** Functions taking a callback, and the argument index of it (-1: the last argument). */
const callbackArg = new Map<string, number>([
  ['call_user_func', 0],
  ['call_user_func_array', 0],
  ['forward_static_call', 0],
  ['forward_static_call_array', 0],
  ['array_map', 0],
  ['array_filter', 1],
  ['array_walk', 1],
  ['array_walk_recursive', 1],
  ['array_reduce', 1],
  ['usort', 1],
  ['uasort', 1],
  ['uksort', 1],
  ['register_shutdown_function', 0],
  ['register_tick_function', 0],
  ['set_error_handler', 0],
  ['set_exception_handler', 0],
  ['iterator_apply', 1],
  ['ob_start', 0],
  ['preg_replace_callback', 1],
  ['mb_ereg_replace_callback', 1],
  ['array_intersect_ukey', -1],
  ['array_intersect_uassoc', -1],
  ['array_uintersect', -1],
  ['array_udiff', -1],
  ['array_udiff_assoc', -1],
  ['array_diff_ukey', -1],
  ['array_diff_uassoc', -1],
  ['header_register_callback', 0],
]);
/**
 * The /e modifier of a pattern known only at its ends (`chr(47) . $key . chr(47) . chr(101)`):
 * the delimiter it opens with closes it before modifiers that include `e`.
 */
function partialEFlag(head: string | null, tail: string | null): boolean {
  const delimiter = head?.trimStart()[0];
  if (delimiter === undefined || tail === null || /[\w\s\\]/.test(delimiter)) return false;
  const close = ({ '(': ')', '[': ']', '{': '}', '<': '>' } as Record<string, string>)[delimiter] ?? delimiter;
  const end = /[a-zA-Z]*\s*$/.exec(tail)?.index ?? tail.length;
  return tail[end - 1] === close && /e/.test(tail.slice(end));
}

/** The signals of PHP code held in a string when they add up to a finding's worth (10), else null. */
function maliciousCode(code: string, depth: number): Signal[] | null {
  const signals = analysePhp(code, depth + 1, unscreened).signals;
  return signals.reduce((sum, sig) => sum + sig.weight, 0) >= 10 ? signals : null;
}

/** The filter functions, whose FILTER_CALLBACK runs the function an `options` entry names. */
const filterCalls = new Set(['filter_var', 'filter_var_array', 'filter_input', 'filter_input_array']);

/** The function name an `options` entry of these arguments holds (at any depth of arrays), folded. */
function optionsCallback(f: PhpFile, args: readonly PNode[]): string | null {
  const seek = (e: PNode | null, depth: number): string | null => {
    if (e === null || e.kind !== 'array' || depth > 3) return null;
    for (const item of nodesAt(e, 'items')) {
      const key = nodeAt(item, 'key');
      const value = nodeAt(item, 'value');
      if (key !== null && value !== null && f.fold(key)?.toLowerCase() === 'options') {
        const name = f.callbackName(value);
        if (name !== null) return name;
      }
      const inner = seek(value, depth + 1);
      if (inner !== null) return inner;
    }
    return null;
  };
  for (const a of args) {
    const name = seek(a, 0);
    if (name !== null) return name;
  }
  return null;
}

const decoders = new Set([
  'base64_decode',
  'gzinflate',
  'gzuncompress',
  'gzdecode',
  'str_rot13',
  'strrev',
  'hex2bin',
  'convert_uudecode',
  'urldecode',
  'rawurldecode',
  'pack',
  'unserialize',
  'bzdecompress',
]);
const dbLogins = new Set([
  'mysql_connect',
  'mysqli_connect',
  'mysql_pconnect',
  'pg_connect',
  'mssql_connect',
  'oci_connect',
]);
const fileReads = new Set([
  'readfile',
  'highlight_file',
  'show_source',
  'fopen',
  'file',
  'file_get_contents',
  'fpassthru',
]);
const fileDeletes = new Set(['unlink', 'rmdir']);
const fileWrites = new Set(['file_put_contents', 'fwrite', 'fputs', 'error_log']);
const netSinks = new Set([
  'mail',
  'curl_setopt',
  'curl_init',
  'fsockopen',
  'file_get_contents',
  'fopen',
  'stream_socket_client',
]);
const serialisers = new Set([
  'serialize',
  'json_encode',
  'urlencode',
  'rawurlencode',
  'print_r',
  'var_export',
  'implode',
  'http_build_query',
  'base64_encode',
]);
/** Names of payment fields that a skimmer's logger collects. */
const cardField =
  /^(?:cc_?(?:number|num|cid|exp|owner|type|ss)|card_?(?:number|num|code|cvv|holder)|cvv2?|cvc|payment)$/i;

/** Payment words inside a field or cookie name (`currentcvv`, `billing_cc_number`). */
const cardWord = /cvv|cvc|cc_?num|card_?num|ccnumber|cc_?exp|cc_?owner/i;

/** Functions that log someone in, whose password parameter a credential stealer copies. */
const loginFunction =
  /^(?:_*(?:login|log_?in|signin|sign_?in|authenticate|auth|check_?login|validate_?login|authorize))$/i;

/** What a walk through a value looks for (`PhpFile.#reach`). */
interface Question {
  /** The deepest level read. */
  depth: number;
  /** Kinds walked through to their parts when `at` has no answer (the rest answer no). */
  through: ReadonlySet<string>;
  /** Whether only `.` of the binary operators is walked through. */
  concatOnly: boolean;
  /** The question asked again of a part (memoised where the question is). */
  ask(e: PNode | null, depth: number): boolean;
  /** The question's own answer at a node; undefined walks on through its parts. */
  at(e: PNode, depth: number): boolean | undefined;
}

/** The code an unpacked layer runs in: the file whose eval at offset `at` runs it, and the names the layer reads. */
interface Enclosing {
  file: PhpFile;
  at: number;
  names: ReadonlySet<string>;
  /** The variable names the enclosing code reads: what a layer may set for it. */
  wanted: ReadonlySet<string>;
}

interface FoldCtx {
  depth: number;
  /** Variables being folded (cycles). */
  seen: Set<string>;
  /** A variable's value while its next assignment is folded (`$_ = 'a'.$_.'t'`). */
  bound?: Map<string, string>;
  /**
   * The offset of the use being folded: a variable then takes the value its assignments before
   * that point give (packers reuse a variable for a name, then for a number).
   */
  at?: number;
}

class PhpFile {
  readonly assigns = new Map<string, PNode[]>();
  readonly appends = new Map<string, PNode[]>();
  readonly constants = new Map<string, PNode>();
  /** The code's functions; `owner`: the enclosing code that defines one (its offsets are that code's). */
  readonly functions = new Map<string, UserFunction>();
  /** Parameter names of every function and closure (assigned by their callers). */
  readonly params = new Set<string>();
  /** Functions, methods and closures: where each stands in the text and its parameters' names. */
  readonly scopes: { start: number; end: number; params: readonly string[] }[] = [];
  /** Methods' parameter names by lower-case method name (`$this->m($x)` assigns them). */
  readonly methods = new Map<string, string[]>();
  /** Methods by lower-case name. */
  readonly methodNodes = new Map<string, PNode>();
  /** Parameter names of functions that log someone in (`login($username, $password)`). */
  readonly loginParams = new Set<string>();
  /** User functions that can return request data. */
  readonly taintedReturns = new Set<string>();
  readonly calls: PNode[] = [];
  readonly evals: PNode[] = [];
  readonly includes: PNode[] = [];
  readonly shells: PNode[] = [];
  readonly foreachs: PNode[] = [];
  readonly varVarAssigns: PNode[] = [];
  readonly strings: PNode[] = [];
  /** What echo and print write into the page. */
  readonly echoes: PNode[] = [];
  /** Functions reached by name through reflection (`new ReflectionFunction($n)`, `Closure::fromCallable($n)`). */
  readonly byName: { node: PNode; name: PNode; via: string }[] = [];
  gotos = 0;
  /** How many times a folded value was cut at its bound (its reader has not read all of it). */
  cuts = 0;
  tainted = new Set<string>();
  /** A question's answer for a node, computed once; a cycle through variables answers no. */
  #remember(memo: Map<PNode, boolean>, e: PNode | null, compute: () => boolean): boolean {
    if (e === null) return false;
    const known = memo.get(e);
    if (known !== undefined) return known;
    memo.set(e, false);
    const r = compute();
    memo.set(e, r);
    return r;
  }

  /** Answers per node, asked after taint has settled (each is a pure function of the file then). */
  readonly #memo = {
    isDirect: new Map<PNode, boolean>(),
    isDecoded: new Map<PNode, boolean>(),
    isAssembled: new Map<PNode, boolean>(),
    isScrambled: new Map<PNode, boolean>(),
  };
  /** `extract($_POST)`, `$$k = $v` from request data: every variable may be the attacker's. */
  globalTaint = false;

  /** Assignments to one key of a variable (`$config['list'] = …`), by the variable's name. */
  readonly keyed = new Map<string, { key: PNode; value: PNode }[]>();
  /** How many values `$a[] = …` has appended to each variable so far. */
  readonly #pushed = new Map<string, number>();

  /** Assignments to `$GLOBALS[key]`, whose keys may fold only once other names are known. */
  readonly globalKeyed: { key: PNode; value: PNode }[] = [];

  /** See `cliScript`: set by the reader before any question is asked. */
  cli = false;

  /**
   * `enclosing`: the code whose eval runs this code. Its variables, constants and functions are
   * in scope here (an unpacked layer mails the `$message` its loader built).
   */
  constructor(root: PNode, enclosing?: Enclosing) {
    this.#walk(root);
    if (enclosing !== undefined) {
      this.#inherit(enclosing);
      this.#decodeBudget = enclosing.file.#decodeBudget;
    }
    // Packers keep their alphabet and their function names in $GLOBALS under computed keys.
    const pending = new Set(this.globalKeyed);
    for (let round = 0; round < 4 && pending.size > 0; round++) {
      let moved = false;
      for (const g of pending) {
        const k = this.fold(g.key);
        if (k === null || !/^[A-Za-z_\x80-\xff][\w\x80-\xff]*$/.test(k)) continue;
        pushCapped(this.assigns, k, g.value, 50);
        pending.delete(g);
        moved = true;
      }
      if (!moved) break;
    }
  }

  /** Assignments and appends of the enclosing code: they ran before this code, wherever they sit. */
  readonly #inherited = new Set<PNode>();

  /**
   * The names this code reads take the value they have at the eval when it folds (a packer
   * reassigns one variable layer after layer: `$_V = gzinflate(…$_V…)`); otherwise their
   * assignments and appends join this code's, ahead of them (they ran first).
   */
  #inherit({ file: outer, at, names }: Enclosing): void {
    for (const name of names) {
      const value = outer.fold({ kind: 'variable', name }, { depth: 0, seen: new Set(), at });
      const theirs: PNode[] =
        value !== null
          ? [{ kind: 'string', value }]
          : [...(outer.assigns.get(name) ?? []), ...(outer.appends.get(name) ?? [])];
      if (theirs.length === 0) continue;
      for (const v of theirs) this.#inherited.add(v);
      const into = value === null && !outer.assigns.has(name) ? this.appends : this.assigns;
      into.set(name, [...theirs, ...(into.get(name) ?? [])]);
    }
    for (const [name, value] of outer.constants) if (!this.constants.has(name)) this.constants.set(name, value);
    for (const [name, fn] of outer.functions)
      if (!this.functions.has(name)) this.functions.set(name, { ...fn, owner: fn.owner ?? outer });
    for (const p of outer.params) this.params.add(p);
    for (const p of outer.loginParams) this.loginParams.add(p);
  }

  #walk(root: PNode): void {
    const stack: PNode[] = [root];
    let guard = 0;
    while (stack.length > 0 && guard++ < 2_000_000) {
      const n = stack.pop() as PNode;
      this.#visit(n);
      for (const key of Object.keys(n)) {
        if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue;
        const v = n[key];
        if (Array.isArray(v)) {
          for (let i = v.length - 1; i >= 0; i--) if (isNode(v[i])) stack.push(v[i] as PNode);
        } else if (isNode(v)) stack.push(v);
      }
    }
  }

  /**
   * Records what later passes look up of one node. Each kind with more to do than a push has a
   * method of its own: one switch holding them all was optimised again for every new node shape
   * (25 times in one copy of OpenMage, 0.4 s of CPU), where small methods cost little to redo.
   */
  #visit(n: PNode): void {
    switch (n.kind) {
      case 'assign':
      case 'assignref': // `$c = &$b`: $c is $b from here on, as far as folding can tell
        this.#visitAssign(n);
        return;
      case 'call':
        this.#visitCall(n);
        return;
      case 'constantstatement':
      case 'classconstant':
        this.#visitConstants(n);
        return;
      case 'function':
        this.#visitFunction(n);
        return;
      case 'method':
      case 'closure':
      case 'arrowfunc':
        this.#visitCallable(n);
        return;
      case 'eval':
        this.evals.push(n);
        return;
      case 'include':
        this.includes.push(n);
        return;
      case 'encapsed':
        if (strAt(n, 'type') === 'shell') this.shells.push(n);
        return;
      case 'foreach':
        this.foreachs.push(n);
        return;
      case 'goto':
        this.gotos++;
        return;
      case 'echo':
        if (this.echoes.length < 2000) this.echoes.push(...nodesAt(n, 'expressions'));
        return;
      case 'new':
        this.#visitNew(n);
        return;
      case 'print': {
        const x = nodeAt(n, 'expression');
        if (x !== null && this.echoes.length < 2000) this.echoes.push(x);
        return;
      }
      case 'global':
      case 'static':
      case 'catch':
        this.#visitScoped(n);
        return;
      case 'string':
        if (this.strings.length < 5000) this.strings.push(n);
        return;
      default:
        return;
    }
  }

  /** An assignment: what it gives the variable, array key or property it sets. */
  #visitAssign(n: PNode): void {
    const left = nodeAt(n, 'left');
    const right = nodeAt(n, 'right');
    if (left === null || right === null) return;
    const name = left.kind === 'variable' ? strAt(left, 'name') : null;
    const op = strAt(n, 'operator');
    // (a reference is followed into a plain variable only: an encoder's virtual machine keeps
    // references to every superglobal in its register array, `$r[$i] = &$_GET`, and evals others)
    if (n.kind === 'assignref' && name === null) return;
    if (name !== null) {
      pushCapped(op === '.=' ? this.appends : this.assigns, name, right, 50);
    } else if (left.kind === 'variable' && isNode(left['name'])) {
      const literal = left['name'] as PNode;
      // ${"name"} = ... is a plain assignment spelled oddly.
      const lit = literal.kind === 'string' ? strAt(literal, 'value') : null;
      if (lit !== null) pushCapped(this.assigns, lit, right, 50);
      else this.varVarAssigns.push(n);
    } else if (thisProperty(left) !== null) {
      // $this->x = …: an object's property, followed like a variable named `this->x`.
      pushCapped(op === '.=' ? this.appends : this.assigns, thisProperty(left) as string, right, 50);
    } else if (left.kind === 'offsetlookup') {
      // $a['x'] = ... taints $a when tainted: record as an assignment to the base variable.
      let base: PNode | null = left;
      while (base !== null && base.kind === 'offsetlookup') base = nodeAt(base, 'what');
      const bn = base === null ? null : (variableName(base) ?? thisProperty(base));
      // $GLOBALS['k'] = … (or ${"GLOBALS"}['k']) is the global $k: resolved once keys fold.
      const key = nodeAt(left, 'offset');
      if (bn === 'GLOBALS' && nodeAt(left, 'what') === base && key !== null && this.globalKeyed.length < 2000)
        this.globalKeyed.push({ key, value: right });
      if (bn !== null) {
        pushCapped(this.appends, bn, right, 50);
        // `$config['list'] = '…'`: one key of a variable, for folding `$config['list']` later;
        // `$f[] = '…'` takes the next number (counted from 0: keys written out are not tracked here)
        if (nodeAt(left, 'what') === base && op === '=') {
          if (key !== null) pushCapped(this.keyed, bn, { key, value: right }, 200);
          else if (left['offset'] === false) {
            const next = this.#pushed.get(bn) ?? 0;
            this.#pushed.set(bn, next + 1);
            pushCapped(this.keyed, bn, { key: { kind: 'number', value: String(next) }, value: right }, 200);
          }
        }
      }
    } else if (left.kind === 'list' || left.kind === 'array') {
      for (const item of nodesAt(left, 'items')) {
        const v = item.kind === 'entry' ? nodeAt(item, 'value') : item;
        const vn = v?.kind === 'variable' ? strAt(v, 'name') : null;
        if (vn !== null) this.assigns.set(vn, [...(this.assigns.get(vn) ?? []), right]);
      }
    }
  }

  /** A call: kept, and what a call to define() or Closure::fromCallable() names. */
  #visitCall(n: PNode): void {
    this.calls.push(n);
    const what = nodeAt(n, 'what');
    if (what?.kind === 'staticlookup') {
      const cls = nodeAt(what, 'what');
      const method = nodeAt(what, 'offset');
      const first = nodesAt(n, 'arguments')[0];
      if (
        cls?.kind === 'name' &&
        /^\\?closure$/i.test(strAt(cls, 'name') ?? '') &&
        /^fromcallable$/i.test(strAt(method ?? n, 'name') ?? '') &&
        first !== undefined &&
        this.byName.length < 200
      )
        this.byName.push({ node: n, name: first, via: 'Closure::fromCallable' });
    }
    if (what?.kind === 'name' && strAt(what, 'name')?.toLowerCase() === 'define') {
      const [k, v] = nodesAt(n, 'arguments');
      if (k?.kind === 'string' && v !== undefined) this.constants.set(strAt(k, 'value') ?? '', v);
    }
  }

  /** Constants declared: their values, for folding. */
  #visitConstants(n: PNode): void {
    for (const c of nodesAt(n, 'constants')) {
      const name = nodeAt(c, 'name');
      const value = nodeAt(c, 'value');
      const key = name === null ? strAt(c, 'name') : strAt(name, 'name');
      if (key !== null && value !== null) this.constants.set(key, value);
    }
  }

  /** A function declared: its parameters and what it returns. */
  #visitFunction(n: PNode): void {
    const name = nodeAt(n, 'name');
    const fname = name === null ? strAt(n, 'name') : strAt(name, 'name');
    const params = paramNames(n);
    for (const p of params) this.params.add(p);
    this.#scope(n, params);
    if (loginFunction.test(fname ?? '')) for (const p of params) this.loginParams.add(p);
    if (fname !== null) this.functions.set(fname.toLowerCase(), { params, node: n, returns: returnsOf(n) });
  }

  /** A method, closure or arrow function: its parameters (a login's among them). */
  #visitCallable(n: PNode): void {
    const mn = nodeAt(n, 'name');
    const method = (mn === null ? strAt(n, 'name') : strAt(mn, 'name')) ?? '';
    const login = loginFunction.test(method);
    const names = paramNames(n);
    for (const name of names) {
      if (name === '') continue;
      this.params.add(name);
      if (login) this.loginParams.add(name);
    }
    this.#scope(n, names);
    if (n.kind === 'method' && method !== '') {
      this.methods.set(method.toLowerCase(), names);
      this.methodNodes.set(method.toLowerCase(), n);
    }
  }

  #scope(n: PNode, params: readonly string[]): void {
    const start = n.loc?.start.offset;
    const end = n.loc?.end?.offset;
    if (start !== undefined && end !== undefined && params.length > 0 && this.scopes.length < 5000)
      this.scopes.push({ start, end, params });
  }

  /**
   * Whether `name` at `offset` is a parameter of the function around it: there it holds what the
   * callers pass, not what the file assigns a variable of that name elsewhere.
   */
  paramAt(name: string, offset: number): boolean {
    let best: { start: number; end: number; params: readonly string[] } | undefined;
    for (const sc of this.scopes)
      if (sc.start <= offset && offset < sc.end && (best === undefined || sc.start > best.start)) best = sc;
    return best?.params.includes(name) ?? false;
  }

  /** `new ReflectionFunction($name)` calls a function by name (as `Closure::fromCallable($name)` does). */
  #visitNew(n: PNode): void {
    const what = nodeAt(n, 'what');
    const cls = what?.kind === 'name' ? strAt(what, 'name')?.replace(/^\\/, '').toLowerCase() : null;
    const first = nodesAt(n, 'arguments')[0];
    if (cls === 'reflectionfunction' && first !== undefined && this.byName.length < 200)
      this.byName.push({ node: n, name: first, via: 'ReflectionFunction' });
  }

  /** Set elsewhere (a global, a static, a caught exception): not a request field. */
  #visitScoped(n: PNode): void {
    for (const v of [...nodesAt(n, 'items'), ...nodesAt(n, 'variables'), ...[nodeAt(n, 'variable')]]) {
      const target = v?.kind === 'staticvariable' ? nodeAt(v, 'variable') : v;
      const name = target?.kind === 'variable' ? strAt(target, 'name') : null;
      if (name !== null) this.params.add(name);
    }
  }

  /**
   * The text an expression evaluates to where `use` runs: as `fold`, else with its variables
   * read at that point (the last assignments before it, each read at its own point), for code
   * that reassigns a few variables in turn before it runs one.
   */
  foldAtUse(e: PNode | null, use: PNode): string | null {
    const at = use.loc?.start.offset;
    return this.fold(e) ?? (at === undefined ? null : this.fold(e, { depth: 0, seen: new Set(), at }));
  }

  /** The text an expression always evaluates to, when it can be known without running it. */
  fold(e: PNode | null, ctx: FoldCtx = { depth: 0, seen: new Set() }): string | null {
    if (e === null || ctx.depth > 24) return null;
    const d: FoldCtx = { depth: ctx.depth + 1, seen: ctx.seen };
    if (ctx.bound !== undefined) d.bound = ctx.bound;
    if (ctx.at !== undefined) d.at = ctx.at;
    switch (e.kind) {
      case 'string':
        return strAt(e, 'value');
      case 'number':
        return strAt(e, 'value');
      case 'nowdoc':
        return strAt(e, 'value');
      case 'encapsed': {
        if (strAt(e, 'type') === 'shell') return null;
        let out = '';
        for (const part of nodesAt(e, 'value')) {
          const x = part.kind === 'encapsedpart' ? nodeAt(part, 'expression') : part;
          const s = this.fold(x, d);
          if (s === null) return null;
          out += s;
        }
        return out;
      }
      case 'bin': {
        const op = strAt(e, 'type');
        if (op === '+' || op === '-' || op === '*') {
          // Integer arithmetic, as packers spell offsets: substr($s, (38027-27914), (74-62)).
          const l = Number(this.fold(nodeAt(e, 'left'), d) ?? Number.NaN);
          const r = Number(this.fold(nodeAt(e, 'right'), d) ?? Number.NaN);
          if (!Number.isSafeInteger(l) || !Number.isSafeInteger(r)) return null;
          const v = op === '+' ? l + r : op === '-' ? l - r : l * r;
          return Number.isSafeInteger(v) ? String(v) : null;
        }
        if (op !== '.' && op !== '^' && op !== '|' && op !== '&') return null;
        if (numericExpression(e)) {
          // between numbers, PHP's bitwise operators work on integers (`chr(96^5)` is 'e')
          const l = Number(this.fold(nodeAt(e, 'left'), d) ?? Number.NaN);
          const r = Number(this.fold(nodeAt(e, 'right'), d) ?? Number.NaN);
          if (!Number.isSafeInteger(l) || !Number.isSafeInteger(r) || Math.abs(l) > 2 ** 31 || Math.abs(r) > 2 ** 31)
            return null;
          return String(op === '^' ? l ^ r : op === '|' ? l | r : l & r);
        }
        const l = this.fold(nodeAt(e, 'left'), d);
        if (l === null) return null;
        const r = this.fold(nodeAt(e, 'right'), d);
        if (r === null) return null;
        // Longer than the bound, the value is cut: whatever reads it has not read it all.
        if ((op === '.' ? l.length + r.length : Math.min(l.length, r.length)) > 100_000) this.cuts++;
        if (op === '.') return (l + r).slice(0, 100_000);
        // String bitwise operators, as the alphanumeric-free shells build their names.
        let out = '';
        for (let i = 0; i < Math.min(l.length, r.length, 100_000); i++) {
          const a = l.charCodeAt(i);
          const b = r.charCodeAt(i);
          out += String.fromCharCode(op === '^' ? a ^ b : op === '|' ? a | b : a & b);
        }
        return out;
      }
      case 'parenthesis':
      case 'silent':
        return this.fold(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), d);
      case 'cast':
        return strAt(e, 'type') === 'string' ? this.fold(nodeAt(e, 'expr'), d) : null;
      case 'unary': {
        // ~"\x8c\x86..." spells a name by flipping every bit, as the non-alphanumeric shells do.
        if (strAt(e, 'type') !== '~') return null;
        const s = this.fold(nodeAt(e, 'what'), d);
        if (s === null || /^-?\d+$/.test(s)) return null;
        let out = '';
        if (s.length > 100_000) this.cuts++;
        for (let i = 0; i < Math.min(s.length, 100_000); i++) out += String.fromCharCode(~s.charCodeAt(i) & 0xff);
        return out;
      }
      case 'name':
      case 'constref': {
        const n = strAt(e, 'name');
        const c = n === null ? undefined : this.constants.get(n);
        if (c !== undefined) return this.fold(c, d);
        // PHP before 8 read an undefined bare name as its own text: call_user_func(assert, ...).
        return n !== null && /^[a-z_][a-z0-9_]*$/i.test(n) && !/^(?:true|false|null)$/i.test(n) ? n : null;
      }
      case 'classconstant':
        return null;
      case 'propertylookup': {
        const key = thisProperty(e);
        return key === null ? null : this.fold({ kind: 'variable', name: key }, d);
      }
      case 'staticlookup': {
        const off = nodeAt(e, 'offset');
        const n = off === null ? null : (strAt(off, 'name') ?? null);
        const c = n === null ? undefined : this.constants.get(n);
        return c === undefined ? null : this.fold(c, d);
      }
      case 'variable': {
        const n = strAt(e, 'name');
        if (n === null) {
          // $$x: the variable whose name $x holds.
          const inner = nodeAt(e, 'name');
          const target = inner === null || inner.kind === 'string' ? null : this.fold(inner, d);
          return target !== null && /^[A-Za-z_\x80-\xff][\w\x80-\xff]*$/.test(target)
            ? this.fold({ kind: 'variable', name: target }, d)
            : null;
        }
        const boundValue = ctx.bound?.get(n);
        if (boundValue !== undefined) return boundValue;
        const looped = this.loopResults.get(n);
        if (looped !== undefined) {
          this.decoderRuns++;
          return looped;
        }
        // Read at a use, a variable is the same variable again only at the same point: the
        // point moves back to each assignment read, so a cycle through names cannot recur.
        const key = ctx.at === undefined ? n : `${n}@${ctx.at}`;
        if (ctx.seen.has(key)) return null;
        const before = (r: PNode) =>
          ctx.at === undefined || this.#inherited.has(r) || (r.loc?.start.offset ?? 0) < ctx.at;
        /**
         * Where an assignment's right side is read: at a use, the other variables it names hold
         * the values they have at that assignment (two variables reassigned in turn,
         * `$a = str_replace('X', 'e', $b); $b = str_replace('Y', 'v', $a);`); else where the use is.
         */
        const readAt = (r: PNode, next: FoldCtx) => {
          if (ctx.at === undefined) return next;
          const own = this.#inherited.has(r) ? undefined : r.loc?.start.offset;
          next.at = own ?? ctx.at;
          return next;
        };
        let list = this.assigns.get(n)?.filter(before);
        // Read at a use, only the last assignment before it counts when there are many.
        if (ctx.at !== undefined && list !== undefined && list.length > 4) list = list.slice(-1);
        // A variable only ever appended to starts empty (`$x .= "…"; $x .= "…"; eval($x)`).
        const appendedOnly = (list === undefined || list.length === 0) && (this.appends.get(n)?.some(before) ?? false);
        if (!appendedOnly && (list === undefined || list.length === 0 || list.length > 4)) return null;
        ctx.seen.add(key);
        // Assignments in source order, each seeing the value before it (`$_ = 'a'.$_.'t'`).
        let s: string | null = appendedOnly ? '' : null;
        for (const [i, rhs] of (list ?? []).entries()) {
          const bound = new Map(ctx.bound ?? []);
          // (the first assignment reading the variable itself, `$k = $k . 'as';`, reads it unset: '')
          if (s !== null || (i === 0 && rhs === this.assigns.get(n)?.[0])) bound.set(n, s ?? '');
          s = this.fold(rhs, readAt(rhs, { depth: d.depth, seen: ctx.seen, bound }));
          if (s === null) break;
        }
        // `$x = 'as'; $x .= 'sert';` — appends in source order.
        for (const a of (this.appends.get(n) ?? []).filter(before)) {
          if (s === null) break;
          // An append may read the variable itself (`$n .= $n{3}`): it sees the value so far.
          const next: FoldCtx = { depth: d.depth, seen: ctx.seen, bound: new Map([...(ctx.bound ?? []), [n, s]]) };
          const t = this.fold(a, readAt(a, next));
          s = t === null ? null : s + t;
        }
        ctx.seen.delete(key);
        return s;
      }
      case 'offsetlookup': {
        const base = nodeAt(e, 'what');
        const off = this.fold(nodeAt(e, 'offset'), d);
        if (off === null || base === null) return null;
        if (variableName(base) === 'GLOBALS' && /^[A-Za-z_\x80-\xff][\w\x80-\xff]*$/.test(off))
          return this.fold({ kind: 'variable', name: off }, d);
        const arr = this.#arrayOf(base, d);
        if (arr !== null) {
          const v = arr.get(off);
          return v === undefined ? null : this.fold(v, d);
        }
        // A key the code sets once (`$config['list'] = 'http://…'`), on a variable given no other value.
        const bn = variableName(base);
        const keyed = bn === null || this.assigns.has(bn) ? [] : (this.keyed.get(bn) ?? []);
        if (keyed.length > 0) {
          const hits = keyed.filter((k) => this.fold(k.key, d) === off);
          return hits.length === 1 ? this.fold((hits[0] as { value: PNode }).value, d) : null;
        }
        const s = this.fold(base, d);
        const i = Number(off);
        return s === null || !Number.isInteger(i) ? null : (s[i < 0 ? s.length + i : i] ?? null);
      }
      case 'call':
        return this.#foldCall(e, d);
      case 'assign':
      case 'assignref':
        // an assignment inside an expression is worth what it assigns (`urldecode($_ = '%70…')`)
        return (strAt(e, 'operator') ?? '=') === '=' ? this.fold(nodeAt(e, 'right'), d) : null;
      default:
        return null;
    }
  }

  /** Keyed elements of an array literal (or of a variable holding one). */
  #arrayOf(e: PNode, ctx: FoldCtx): Map<string, PNode> | null {
    // Bounded before the descent: `$_SERVER = array_merge($_SERVER, …)` names itself.
    if (ctx.depth > 20) return null;
    let n: PNode | null = e;
    if (n.kind === 'variable') {
      const name = strAt(n, 'name');
      const list = name === null ? undefined : this.assigns.get(name);
      n = list?.length === 1 ? (list[0] ?? null) : null;
    }
    if (n === null) return null;
    if (n.kind === 'call') {
      // explode('.', 'a.b.c') and str_split('abc').
      const fn = this.calleeName(n);
      const args = nodesAt(n, 'arguments');
      if (fn === 'explode') {
        const sep = this.fold(args[0] ?? null, ctx);
        const s = this.fold(args[1] ?? null, ctx);
        if (sep === null || s === null || sep === '') return null;
        return new Map(s.split(sep).map((v, i) => [String(i), { kind: 'string', value: v }]));
      }
      if (fn === 'str_split') {
        const s = this.fold(args[0] ?? null, ctx);
        if (s === null) return null;
        return new Map([...s].map((v, i) => [String(i), { kind: 'string', value: v }]));
      }
      // array_keys(['f' => 'a', 's' => 'b']): the keys, numbered
      if (fn === 'array_keys' && args.length === 1) {
        const m = this.#arrayOf(args[0] as PNode, { ...ctx, depth: ctx.depth + 1 });
        return m === null ? null : new Map([...m.keys()].map((k, i) => [String(i), { kind: 'string', value: k }]));
      }
      // Arrays reshaped by the array functions (array_diff(["s","a","ys"], ["a"]) keeps "s","ys").
      if (fn === 'array_diff' || fn === 'array_values' || fn === 'array_reverse' || fn === 'array_merge') {
        const lists: string[][] = [];
        for (const a of args.slice(0, 8)) {
          const m = this.#arrayOf(a, { ...ctx, depth: ctx.depth + 1 });
          if (m === null) return null;
          const vals: string[] = [];
          for (const v of m.values()) {
            const t = this.fold(v, { ...ctx, depth: ctx.depth + 1 });
            if (t === null) return null;
            vals.push(t);
          }
          lists.push(vals);
        }
        const [first = [], ...rest] = lists;
        const out =
          fn === 'array_diff'
            ? first.filter((v) => !rest.some((r) => r.includes(v)))
            : fn === 'array_reverse'
              ? [...first].reverse()
              : fn === 'array_merge'
                ? lists.flat()
                : first;
        return new Map(out.map((v, i) => [String(i), { kind: 'string', value: v }]));
      }
      return null;
    }
    if (n.kind !== 'array') return null;
    const out = new Map<string, PNode>();
    let next = 0;
    for (const item of nodesAt(n, 'items')) {
      const key = item.kind === 'entry' ? nodeAt(item, 'key') : null;
      const value = item.kind === 'entry' ? nodeAt(item, 'value') : item;
      if (value === null) continue;
      const k = key === null ? String(next++) : this.fold(key, ctx);
      if (k === null) return null;
      out.set(k, value);
    }
    return out;
  }

  #foldCall(e: PNode, ctx: FoldCtx): string | null {
    // A callee may itself be assembled: $c = chr(99).chr(104).chr(114); $c(101) is chr(101).
    const fn = this.calleeName(e) ?? this.fold(nodeAt(e, 'what'), ctx)?.toLowerCase() ?? null;
    if (fn === null) return null;
    const args = nodesAt(e, 'arguments');
    const a = (i: number) => this.fold(args[i] ?? null, ctx);
    switch (fn) {
      case 'chr': {
        const s = a(0);
        const v = s === null ? Number.NaN : Number(s);
        return Number.isFinite(v) ? String.fromCharCode(((v % 256) + 256) % 256) : null;
      }
      case 'strrev': {
        const s = a(0);
        return s === null ? null : [...s].reverse().join('');
      }
      case 'str_rot13': {
        const s = a(0);
        return s === null
          ? null
          : s.replace(/[a-z]/gi, (c) => {
              const b = c <= 'Z' ? 65 : 97;
              return String.fromCharCode(((c.charCodeAt(0) - b + 13) % 26) + b);
            });
      }
      case 'strtolower':
      case 'strtoupper':
      case 'ucfirst':
      case 'trim':
      case 'ltrim':
      case 'rtrim': {
        const s = a(0);
        if (s === null) return null;
        if (fn === 'strtolower') return s.toLowerCase();
        if (fn === 'strtoupper') return s.toUpperCase();
        if (fn === 'ucfirst') return s.charAt(0).toUpperCase() + s.slice(1);
        return s.trim();
      }
      case 'gzinflate':
      case 'gzuncompress':
      case 'gzdecode': {
        // Decompressed here with a cap on the output: packers' payloads are data to read, never run.
        const s = a(0);
        return s === null || s.length > 4_000_000 ? null : inflatePhp(fn, s);
      }
      case 'base64_decode': {
        const s = a(0);
        return s === null ? null : Buffer.from(s, 'base64').toString('latin1');
      }
      case 'hex2bin': {
        const s = a(0);
        return s === null || !/^(?:[0-9a-f]{2})*$/i.test(s) ? null : Buffer.from(s, 'hex').toString('latin1');
      }
      case 'urldecode':
      case 'rawurldecode': {
        // Byte by byte, as PHP does (text here is latin1, one char per byte): a packed layer's
        // `%8B%1F…` is binary for gzinflate, not UTF-8 for decodeURIComponent.
        const s = a(0);
        if (s === null) return null;
        const spaced = fn === 'urldecode' ? s.replace(/\+/g, ' ') : s;
        return spaced.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      }
      case 'substr': {
        const s = a(0);
        const start = Number(a(1));
        const lenText = args.length > 2 ? a(2) : null;
        if (s === null || !Number.isInteger(start)) return null;
        const from = start < 0 ? Math.max(0, s.length + start) : start;
        if (lenText === null) return args.length > 2 ? null : s.slice(from);
        const len = Number(lenText);
        if (!Number.isInteger(len)) return null;
        return len < 0 ? s.slice(from, s.length + len) : s.slice(from, from + len);
      }
      case 'substr_replace': {
        // substr_replace('aert', 'ss', 1, 0) is 'assert'
        const s = a(0);
        const put = a(1);
        const start = Number(a(2));
        const len = args.length > 3 ? Number(a(3)) : Number.NaN;
        if (s === null || put === null || !Number.isInteger(start)) return null;
        const from = start < 0 ? Math.max(0, s.length + start) : Math.min(start, s.length);
        const to =
          args.length <= 3
            ? s.length
            : !Number.isInteger(len)
              ? -1
              : len < 0
                ? Math.max(from, s.length + len)
                : from + len;
        return to < 0 ? null : s.slice(0, from) + put + s.slice(to);
      }
      case 'str_replace': {
        const from = a(0);
        const to = a(1);
        const s = a(2);
        return from === null || to === null || s === null || from === '' ? null : s.split(from).join(to);
      }
      case 'strtr': {
        // strtr($s, $from, $to): characters mapped one for one (as packers swap an alphabet).
        if (args.length !== 3) return null;
        const s = a(0);
        const from = a(1);
        const to = a(2);
        if (s === null || from === null || to === null) return null;
        const map = new Map<string, string>();
        for (let i = 0; i < Math.min(from.length, to.length); i++) map.set(from[i] as string, to[i] as string);
        let out = '';
        for (const c of s) out += map.get(c) ?? c;
        return out;
      }
      case 'implode':
      case 'join': {
        const glue = args.length > 1 ? a(0) : '';
        const arr = this.#arrayOf(args[args.length - 1] as PNode, ctx);
        if (glue === null || arr === null) return null;
        const parts: string[] = [];
        for (const v of arr.values()) {
          const s = this.fold(v, ctx);
          if (s === null) return null;
          parts.push(s);
        }
        return parts.join(glue);
      }
      case 'sprintf': {
        const fmt = a(0);
        if (fmt === null) return null;
        let i = 1;
        let bad = false;
        const out = fmt.replace(/%([%sd])/g, (_m, t: string) => {
          if (t === '%') return '%';
          const s = a(i++);
          if (s === null) bad = true;
          return s ?? '';
        });
        return bad ? null : out;
      }
      case 'pack': {
        const fmt = a(0);
        const s = a(1);
        return (fmt === 'H*' || fmt === 'H') && s !== null && /^(?:[0-9a-f]{2})*$/i.test(s)
          ? Buffer.from(s, 'hex').toString('latin1')
          : null;
      }
      default:
        return this.#foldUserCall(fn, args, ctx);
    }
  }

  /**
   * A call of the code's own function that only returns an expression of its parameters
   * (`function d($s) { $a = "base64_decode"; $b = "gzinflate"; return $b($a($s)); }`): the
   * return folded in the code that defines it, at the return, with the arguments bound.
   */
  #foldUserCall(name: string, args: PNode[], ctx: FoldCtx): string | null {
    const user = this.functions.get(name);
    if (user === undefined || ctx.depth > 12 || args.length > user.params.length) return null;
    // (a function that assigns to its parameter returns something else than it was passed:
    // `function d($s) { $s = gzinflate($s); … return $s; }`, read as a decoder if it is one)
    const ret = user.returns.length === 1 && !this.#reassignsParameter(user) ? (user.returns[0] as PNode) : null;
    const decoder = isDecoderShaped(user.node);
    if (ret === null && !decoder) return null;
    const bound = new Map<string, string>();
    for (const [i, p] of user.params.entries()) {
      const v = this.fold(args[i] ?? null, ctx);
      if (v === null) return null;
      bound.set(p, v);
    }
    if (ret !== null) {
      const at = ret.loc?.start.offset;
      const inner: FoldCtx = { depth: ctx.depth + 1, seen: new Set(), bound };
      if (at !== undefined) inner.at = at;
      const folded = (user.owner ?? this).fold(nodeAt(ret, 'expr'), inner);
      if (folded !== null || !decoder) return folded;
    }
    // A decoder of the file's own (loops shifting each byte): evaluated on the literal arguments.
    const values = [...bound.values()];
    const key = `${name}\u0000${values.join('\u0000')}`;
    const out = this.#decoderOut.has(key)
      ? (this.#decoderOut.get(key) ?? null)
      : runDecoder(user.node, user.params, values, this.#decodeBudget);
    if (this.#decoderOut.size < 5000) this.#decoderOut.set(key, out);
    if (out !== null) this.decoderRuns++;
    return out;
  }

  /**
   * Whether a function assigns to one of its parameters, or to a character of one, in its body:
   * an assignment or append to the name that stands inside the function's text.
   */
  #reassignsParameter(user: UserFunction): boolean {
    const code = user.owner ?? this;
    const from = user.node.loc?.start.offset ?? -1;
    const to = user.node.loc?.end?.offset ?? -1;
    const inside = (r: PNode) => {
      const at = r.loc?.start.offset ?? -1;
      return at >= from && at <= to;
    };
    return user.params.some((p) => [...(code.assigns.get(p) ?? []), ...(code.appends.get(p) ?? [])].some(inside));
  }

  /** What the file's own decoders returned for their arguments, and what decoding may still spend. */
  readonly #decoderOut = new Map<string, string | null>();
  /** How many folds a decoder of the file's own has answered. */
  decoderRuns = 0;
  /** Text variables a self-contained decoding loop of the top level leaves (set nowhere else). */
  readonly loopResults = new Map<string, string>();

  /** Runs the top level's self-contained decoding loops (`for (…; @ord($e[$o]); …) $d .= chr(…)`). */
  runLoops(root: PNode): void {
    const loc = (n: PNode) => n.loc as { start: { offset?: number }; end?: { offset?: number } } | null | undefined;
    for (const st of nodesAt(root, 'children').slice(0, 200)) {
      if (st.kind !== 'for' && st.kind !== 'while' && st.kind !== 'do') continue;
      const from = loc(st)?.start.offset ?? -1;
      const to = loc(st)?.end?.offset ?? -1;
      const out = runLoop(st, this.#decodeBudget);
      for (const [name, value] of out ?? []) {
        const inside = (r: PNode) => {
          const at = r.loc?.start.offset ?? -1;
          return at >= from && at <= to;
        };
        if ([...(this.assigns.get(name) ?? []), ...(this.appends.get(name) ?? [])].every(inside))
          this.loopResults.set(name, value);
      }
    }
  }
  /** What decoding may spend, shared by the file and every layer unpacked from it. */
  #decodeBudget: DecodeBudget = { steps: 1_000_000 };

  /** The values this code's assigned variables fold to at its end (a few, bounded as the unpacking is). */
  foldedAssignments(wanted: ReadonlySet<string>): Map<string, string> {
    const out = new Map<string, string>();
    let size = 0;
    for (const name of [...this.assigns.keys()].filter((n) => wanted.has(n)).slice(0, 20)) {
      const v = this.fold({ kind: 'variable', name });
      if (v === null) continue;
      if ((size += v.length) > 4_000_000) break;
      out.set(name, v);
    }
    return out;
  }

  /** The names a variable may hold: each literal (lower-case) it is assigned anywhere. */
  literalValues(e: PNode): string[] {
    const n = strAt(e, 'name');
    const out: string[] = [];
    for (const r of n === null ? [] : (this.assigns.get(n) ?? [])) {
      const v = r.kind === 'string' ? strAt(r, 'value') : null;
      if (v !== null && /^[A-Za-z_][\w]*$/.test(v)) out.push(v.toLowerCase());
    }
    return out;
  }

  readonly #trampolines = new Map<PNode, string | null>();

  /**
   * The built-in function a call reaches through a wrapper of the file's own that only passes
   * its parameters on, in order, to a callee held in a variable (`static function w($a, $b) {
   * $f = d("…"); return $f($a, $b); }`): obfuscators wrap each function they call so; the
   * call site's arguments are then the built-in's.
   */
  trampolineOf(call: PNode): string | null {
    const what = nodeAt(call, 'what');
    let target: PNode | undefined;
    const name = this.calleeName(call);
    if (name !== null) target = this.functions.get(name)?.node;
    else if (
      what?.kind === 'staticlookup' ||
      (what?.kind === 'propertylookup' && variableName(nodeAt(what, 'what') ?? what) === 'this')
    ) {
      const off = nodeAt(what, 'offset');
      const mn = off?.kind === 'identifier' ? strAt(off, 'name') : null;
      target = mn === null ? undefined : this.methodNodes.get(mn.toLowerCase());
    }
    if (target === undefined) return null;
    const known = this.#trampolines.get(target);
    if (known !== undefined) return known;
    this.#trampolines.set(target, null);
    const params = nodesAt(target, 'arguments').map((p) => {
      const pn = nodeAt(p, 'name');
      return pn === null ? strAt(p, 'name') : strAt(pn, 'name');
    });
    const body = nodesAt(nodeAt(target, 'body') ?? target, 'children');
    const last = body[body.length - 1];
    const inner = last?.kind === 'return' ? nodeAt(last, 'expr') : null;
    const callee = inner?.kind === 'call' ? nodeAt(inner, 'what') : null;
    const passed = inner === null ? [] : nodesAt(inner, 'arguments');
    if (
      last === undefined ||
      callee?.kind !== 'variable' ||
      passed.length === 0 ||
      !passed.every((a, i) => a.kind === 'variable' && strAt(a, 'name') === params[i]) ||
      !body.slice(0, -1).every((st) => st.kind === 'expressionstatement' && nodeAt(st, 'expression')?.kind === 'assign')
    )
      return null;
    const at = last.loc?.start.offset;
    const ctx: FoldCtx = at === undefined ? { depth: 0, seen: new Set() } : { depth: 0, seen: new Set(), at };
    const folded = this.fold(callee, ctx)?.replace(/^\\/, '').toLowerCase() ?? null;
    const out = folded !== null && /^[a-z_][a-z0-9_]*$/.test(folded) && !this.functions.has(folded) ? folded : null;
    this.#trampolines.set(target, out);
    return out;
  }

  readonly #argumentsOf = new Map<string, PNode[]>();

  /**
   * Whether an object is the file's own: `$this`, or a variable made with `new` (its methods,
   * when the file defines them, are the file's: `$c = new Smtp(); $c->send($_POST['to'])`).
   */
  #ownObject(o: PNode | null): boolean {
    const name = o === null ? null : variableName(o);
    if (name === null) return false;
    return name === 'this' || (this.assigns.get(name) ?? []).some((r) => r.kind === 'new');
  }

  /** The parameters of the file's own method a call reaches (`$this->m()`, `self::m()`, `$o->m()` on an object made here). */
  ownMethodParams(c: PNode): string[] | undefined {
    const what = nodeAt(c, 'what');
    const own =
      (what?.kind === 'propertylookup' && this.#ownObject(nodeAt(what, 'what'))) ||
      (what?.kind === 'staticlookup' && /^(?:self|static)reference$/.test(nodeAt(what, 'what')?.kind ?? ''));
    const off = own && what !== null ? nodeAt(what, 'offset') : null;
    const mn = off?.kind === 'identifier' ? strAt(off, 'name') : null;
    return mn === null ? undefined : this.methods.get(mn.toLowerCase());
  }

  /**
   * The values callers pass for a parameter name: to the file's functions by name, to its
   * methods through `$this->m()`, `self::m()`, `static::m()`, and `$o->m()` on an object made here with `new`.
   */
  argumentsFor(param: string): PNode[] {
    const known = this.#argumentsOf.get(param);
    if (known !== undefined) return known;
    const out: PNode[] = [];
    for (const c of this.calls) {
      const fn = this.calleeName(c);
      const params = (fn === null ? undefined : this.functions.get(fn)?.params) ?? this.ownMethodParams(c);
      const i = params?.indexOf(param) ?? -1;
      const arg = i < 0 ? undefined : nodesAt(c, 'arguments')[i];
      if (arg !== undefined && out.length < 50) out.push(arg);
    }
    this.#argumentsOf.set(param, out);
    return out;
  }

  /** The lower-case name of a called function when written as a name; null for dynamic calls. */
  calleeName(call: PNode): string | null {
    const what = nodeAt(call, 'what');
    if (what?.kind !== 'name') return null;
    const n = strAt(what, 'name');
    return n === null ? null : n.replace(/^\\/, '').toLowerCase();
  }

  /**
   * The name a callback runs under: a function's name as it folds, the sink a closure or
   * create_function runs its argument through, or the sink a function of the file's own does so
   * (a callback named `ff` whose body is `return eval($s);` is eval).
   */
  callbackName(cb: PNode): string | null {
    const name = this.fold(cb)?.toLowerCase() ?? null;
    if (name === null) return this.evalAlias(cb);
    const own = dangerousNames.has(name) ? undefined : this.functions.get(name);
    return (own === undefined ? null : this.evalAlias(own.node)) ?? name;
  }

  /** The first eval, assert or shell call under `root` whose code or command is a value `takes` accepts. */
  sinkTaking(root: PNode | null, takes: (x: PNode | null) => boolean, budget: number): PNode | null {
    const stack: PNode[] = root === null ? [] : [root];
    for (let guard = 0; stack.length > 0 && guard < budget; guard++) {
      const n = stack.pop() as PNode;
      if (n.kind === 'eval' && takes(nodeAt(n, 'source'))) return n;
      if (n.kind === 'call') {
        const fn = this.calleeName(n);
        if (fn !== null && (codeSinks.has(fn) || shellSinks.has(fn)) && takes(nodesAt(n, 'arguments')[0] ?? null))
          return n;
      }
      for (const key of Object.keys(n)) {
        if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments') continue;
        const v = n[key];
        if (Array.isArray(v)) for (const x of v) isNode(x) && stack.push(x as PNode);
        else if (isNode(v)) stack.push(v);
      }
    }
    return null;
  }

  /**
   * The sink a function value runs its own argument through, when it does nothing else of note:
   * a closure (`function($x) { eval($x); }`, `fn($x) => assert($x)`) or a create_function whose
   * body hands one of its parameters to eval, assert or a shell. Such a value is that sink under
   * another name; null for any other.
   */
  evalAlias(e: PNode | null): string | null {
    if (e === null) return null;
    if (e.kind === 'closure' || e.kind === 'arrowfunc' || e.kind === 'function') {
      const params = new Set(paramNames(e).filter((n) => n !== ''));
      const isParam = (x: PNode | null) => x?.kind === 'variable' && params.has(strAt(x, 'name') ?? '');
      const at = this.sinkTaking(nodeAt(e, 'body'), isParam, 500);
      return at === null ? null : at.kind === 'eval' ? 'eval' : this.calleeName(at);
    }
    if (e.kind !== 'call' || this.calleeName(e) !== 'create_function') return null;
    const [paramsNode = null, bodyNode = null] = nodesAt(e, 'arguments');
    const params = this.fold(paramsNode);
    const body = this.fold(bodyNode);
    if (params === null || body === null) return null;
    const names = new Set([...params.matchAll(/\$(\w+)/g)].map((m) => m[1] as string));
    for (const m of body.matchAll(
      /\b(eval|assert|system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(\s*@?\$(\w+)\b(?!\s*(?:->|\[\s*['"]))/gi,
    ))
      if (names.has(m[2] as string)) return (m[1] as string).toLowerCase();
    return null;
  }

  /**
   * A variable that nothing in the file assigns: with register_globals (old shells) or when
   * the file is included, it is whatever the request or the includer sends.
   */
  /**
   * A value that comes from a variable nothing here sets, directly or through variables only
   * ever assigned literals or such variables (`if ($bk) $command = $bk;` with register_globals).
   */
  fromOutside(e: PNode | null, fields: ReadonlySet<string>, depth = 0, seen = new Set<string>()): boolean {
    if (e === null || depth > 4) return false;
    if (this.isUnassigned(e)) return true;
    if (e.kind !== 'variable') return false;
    const n = strAt(e, 'name');
    if (n === null || seen.has(n) || this.params.has(n) || (this.appends.get(n)?.length ?? 0) > 0) return false;
    seen.add(n);
    const list = this.assigns.get(n) ?? [];
    const constant = (r: PNode) => r.kind === 'string' || r.kind === 'number' || r.kind === 'nowdoc';
    if (list.length === 0 || !list.every((r) => constant(r) || r.kind === 'variable')) return false;
    // Only constants and other variables: with register_globals the first value is the request
    // field of that name, which the file's own form (`name="command"`) shows it expects.
    return fields.has(n) || list.some((r) => this.fromOutside(r, fields, depth + 1, seen));
  }

  isUnassigned(e: PNode | null): boolean {
    if (e === null) return false;
    if (e.kind === 'bin') return this.isUnassigned(nodeAt(e, 'left')) || this.isUnassigned(nodeAt(e, 'right'));
    if (e.kind === 'encapsed')
      return nodesAt(e, 'value').some((p) =>
        this.isUnassigned(p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p),
      );
    if (e.kind !== 'variable') return false;
    const n = strAt(e, 'name');
    return (
      n !== null &&
      n !== 'this' &&
      !superglobals.has(n) &&
      n !== 'GLOBALS' &&
      !this.assigns.has(n) &&
      !this.appends.has(n) &&
      !this.params.has(n) &&
      !this.foreachs.some((f) =>
        [nodeAt(f, 'key'), nodeAt(f, 'value')].some((v) => v !== null && strAt(v, 'name') === n),
      )
    );
  }

  isRequest(e: PNode): boolean {
    if (e.kind === 'variable') {
      const n = strAt(e, 'name');
      if (n !== null) return superglobals.has(n) && n !== '_SERVER' && n !== '_ENV';
      const dyn = nodeAt(e, 'name');
      const folded = dyn === null ? null : this.fold(dyn);
      // `${'_' . $m}`: a superglobal whose name is finished at run time ($_GET, $_POST, …)
      if (folded === null && dyn?.kind === 'bin' && strAt(dyn, 'type') === '.')
        return this.fold(nodeAt(dyn, 'left')) === '_';
      return folded !== null && superglobals.has(folded) && folded !== '_SERVER';
    }
    if (e.kind === 'offsetlookup') {
      const what = nodeAt(e, 'what');
      if (what?.kind === 'variable') {
        const n = strAt(what, 'name');
        if (n === '_SERVER') {
          const key = this.fold(nodeAt(e, 'offset'));
          return key !== null && (serverTainted.test(key) || (!this.cli && /^argv$/i.test(key)));
        }
        if (n === 'GLOBALS') {
          const key = this.fold(nodeAt(e, 'offset'));
          return key !== null && superglobals.has(key) && key !== '_SERVER';
        }
      }
      return false;
    }
    if (e.kind === 'call') {
      // A callee held in a variable counts by the name it folds to (`$g = 'get'.'env'; $g('HTTP_X')`).
      const what = nodeAt(e, 'what');
      const fn = this.calleeName(e) ?? (what?.kind === 'variable' ? (this.fold(what)?.toLowerCase() ?? null) : null);
      // (and an image's EXIF fields: whoever made the image wrote them, a place back doors hide code)
      if (fn === 'getallheaders' || fn === 'apache_request_headers' || fn === 'exif_read_data') return true;
      // $_SERVER's values by position (`array_values($_SERVER)[6]`): a header picked without its name
      if (fn !== null && positional.has(fn)) {
        const a0 = nodesAt(e, 'arguments')[0];
        if (a0?.kind === 'variable' && strAt(a0, 'name') === '_SERVER') return true;
      }
      if (fn === 'getenv' || fn === 'apache_getenv') {
        const key = this.fold(nodesAt(e, 'arguments')[0] ?? null);
        return key !== null && serverTainted.test(key);
      }
      if (fn === 'file_get_contents' || fn === 'fopen') {
        const src = this.fold(nodesAt(e, 'arguments')[0] ?? null);
        return src !== null && /^php:\/\/input/i.test(src);
      }
    }
    return false;
  }

  /**
   * The questions asked of a value by walking through it — what it is built from and, through
   * variables, what it was assigned. One walk (`#reach`) serves them all; each says how deep it
   * reads, which wrappers it looks through, and its own answer where it has one.
   */
  readonly #tainted = this.#taintQuestion(false);
  readonly #taintedForShell = this.#taintQuestion(true);

  #taintQuestion(forShell: boolean): Question {
    return {
      depth: 30,
      through: new Set(['bin', 'encapsed', 'parenthesis', 'silent', 'offsetlookup']),
      concatOnly: false,
      ask: (x, depth) => this.isTainted(x, depth, forShell),
      at: (e, depth) => {
        if (this.isRequest(e)) return true;
        const d = depth + 1;
        const ask = (x: PNode | null) => this.isTainted(x, d, forShell);
        switch (e.kind) {
          case 'variable': {
            const n = strAt(e, 'name');
            if (n === null) return true; // $$x: a variable named at run time
            if (n === 'this' || n === 'GLOBALS') return false;
            return this.tainted.has(n) || (this.globalTaint && !this.assigns.has(n) && !superglobals.has(n));
          }
          case 'propertylookup': {
            const key = thisProperty(e);
            if (key !== null) return this.tainted.has(key);
            return ask(nodeAt(e, 'what'));
          }
          case 'nullsafepropertylookup':
            return ask(nodeAt(e, 'what'));
          case 'cast': {
            const t = strAt(e, 'type');
            return t === 'string' || t === 'array' ? ask(nodeAt(e, 'expr')) : false;
          }
          case 'call': {
            const fn = this.calleeName(e);
            if (fn !== null && (sanitisers.has(fn) || (forShell && shellEscapes.has(fn)))) return false;
            if (fn !== null && this.functions.has(fn)) return this.taintedReturns.has(fn);
            return nodesAt(e, 'arguments').some(ask);
          }
          case 'retif':
            return ask(nodeAt(e, 'trueExpr')) || ask(nodeAt(e, 'falseExpr'));
          case 'array':
            // Keys too: array($_REQUEST['p'] => '') hands the request to a key callback.
            return nodesAt(e, 'items').some((i) =>
              i.kind === 'entry' ? ask(nodeAt(i, 'value')) || ask(nodeAt(i, 'key')) : ask(i),
            );
          case 'entry':
            return ask(nodeAt(e, 'value')) || ask(nodeAt(e, 'key'));
          case 'assign':
            return ask(nodeAt(e, 'right'));
          default:
            return undefined;
        }
      },
    };
  }

  /**
   * Whether the value comes straight from the request: a request expression, through string
   * functions and decoders, concatenations holding one, or variables only ever assigned such.
   * Flow-insensitive taint over a whole framework file reaches too far to condemn a callee;
   * a backdoor's callee or payload is the request itself, a step or two away.
   */
  readonly #direct: Question = {
    depth: 10,
    through: new Set(['bin', 'encapsed', 'parenthesis', 'silent', 'cast', 'offsetlookup']),
    concatOnly: true,
    ask: (x, depth) => this.isDirect(x, depth),
    at: (e, depth) => {
      if (this.isRequest(e)) return true;
      const d = depth + 1;
      if (e.kind === 'variable') {
        const n = strAt(e, 'name');
        if (n === null) return this.globalTaint;
        const list = this.assigns.get(n);
        if (list === undefined || list.length === 0)
          // After extract($_REQUEST), a variable nothing else sets is a request field.
          return (this.tainted.has(n) && this.#foreachOverRequest(n)) || (this.globalTaint && this.isUnassigned(e));
        // `$s = ''; foreach (…) $s .= $v;`: started empty, it is what the appends bring
        if (list.every((r) => r.kind === 'string' && strAt(r, 'value') === '')) {
          const adds = this.appends.get(n) ?? [];
          return adds.length > 0 && adds.every((r) => this.isDirect(r, d));
        }
        return list.every((r) => this.isDirect(r, d));
      }
      if (e.kind === 'call') {
        const fn = this.calleeName(e);
        if (fn === null || sanitisers.has(fn)) return false;
        const user = this.functions.get(fn);
        if (user !== undefined) return user.returns.some((r) => this.isDirect(nodeAt(r, 'expr'), d));
        return nodesAt(e, 'arguments').some((a) => this.isDirect(a, d));
      }
      return undefined;
    },
  };

  /** Whether attacker text can reach this expression (flow-insensitive). */
  isTainted(e: PNode | null, depth = 0, forShell = false): boolean {
    return this.#reach(forShell ? this.#taintedForShell : this.#tainted, e, depth);
  }

  /** See `#direct`. */
  isDirect(e: PNode | null, depth = 0): boolean {
    return this.#remember(this.#memo.isDirect, e, () => this.#reach(this.#direct, e, depth));
  }

  /** Walks a value for question `q`: its own answer at a node, else through the node's parts. */
  #reach(q: Question, e: PNode | null, depth: number): boolean {
    if (e === null || depth > q.depth) return false;
    const own = q.at(e, depth);
    if (own !== undefined) return own;
    const d = depth + 1;
    if (!q.through.has(e.kind)) return false;
    switch (e.kind) {
      case 'bin':
        return (!q.concatOnly || strAt(e, 'type') === '.') && chainOperands(e).some((x) => q.ask(x, d));
      case 'encapsed':
        return nodesAt(e, 'value').some((p) => q.ask(p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p, d));
      case 'parenthesis':
      case 'silent':
      case 'cast':
        return q.ask(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), d);
      case 'offsetlookup':
        return q.ask(nodeAt(e, 'what'), d);
      default:
        return false;
    }
  }

  #foreachOverRequest(name: string): boolean {
    return this.foreachs.some((f) => {
      const k = nodeAt(f, 'key');
      const v = nodeAt(f, 'value');
      const named = (x: PNode | null) => x?.kind === 'variable' && strAt(x, 'name') === name;
      // (over an array literal holding request data too: `foreach (array($_GET['id']) as $v)`)
      const source = nodeAt(f, 'source');
      const items =
        source?.kind === 'array'
          ? nodesAt(source, 'items').map((i) => (i.kind === 'entry' ? nodeAt(i, 'value') : i))
          : [source];
      return (named(k) || named(v)) && items.some((i) => this.isDirect(i));
    });
  }

  /** Whether a path expression starts with request data (no fixed folder in front of it). */
  startsTainted(e: PNode | null, depth = 0): boolean {
    if (e === null || depth > 10) return false;
    if (e.kind === 'bin' && strAt(e, 'type') === '.') return this.startsTainted(nodeAt(e, 'left'), depth + 1);
    if (e.kind === 'encapsed') {
      const first = nodesAt(e, 'value')[0] ?? null;
      return this.startsTainted(first?.kind === 'encapsedpart' ? nodeAt(first, 'expression') : first, depth + 1);
    }
    if (e.kind === 'parenthesis' || e.kind === 'silent')
      return this.startsTainted(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), depth + 1);
    return this.isDirect(e);
  }

  /** Taint to a fixed point: assignments, foreach over request data, callers' arguments. */
  propagate(): void {
    for (let round = 0; round < 6; round++) {
      const before = this.tainted.size + this.taintedReturns.size + (this.globalTaint ? 1 : 0);
      for (const [name, list] of this.assigns)
        if (!this.tainted.has(name) && list.some((r) => this.isTainted(r))) this.tainted.add(name);
      for (const [name, list] of this.appends)
        if (!this.tainted.has(name) && list.some((r) => this.isTainted(r))) this.tainted.add(name);
      for (const f of this.foreachs) {
        if (!this.isTainted(nodeAt(f, 'source'))) continue;
        for (const key of ['key', 'value']) {
          const v = nodeAt(f, key);
          const n = v?.kind === 'variable' ? strAt(v, 'name') : null;
          if (n !== null) this.tainted.add(n);
        }
      }
      for (const a of this.varVarAssigns) if (this.isTainted(nodeAt(a, 'right'))) this.globalTaint = true;
      for (const c of this.calls) {
        const fn = this.calleeName(c);
        if (fn === null) {
          // A method of the file's own, called with request data, takes it in its parameters.
          const params = this.ownMethodParams(c);
          if (params !== undefined)
            nodesAt(c, 'arguments').forEach((arg, i) => {
              const p = params[i];
              if (p !== undefined && p !== '' && !this.tainted.has(p) && this.isTainted(arg)) this.tainted.add(p);
            });
          continue;
        }
        const args = nodesAt(c, 'arguments');
        // ob_start's callback is handed what the page prints: its first parameter holds request
        // data when the page echoes some (`ob_start(function ($c) { global $s; $s = $c; })`)
        if (fn === 'ob_start' && args[0] !== undefined && this.echoes.some((e) => this.isTainted(e))) {
          const cb = args[0];
          const named = cb.kind === 'string' ? this.functions.get((strAt(cb, 'value') ?? '').toLowerCase()) : undefined;
          const first = cb.kind === 'closure' || cb.kind === 'arrowfunc' ? paramNames(cb)[0] : named?.params[0];
          if (first !== undefined && first !== '') this.tainted.add(first);
        }
        if (
          (fn === 'extract' || fn === 'parse_str' || fn === 'import_request_variables') &&
          this.isTainted(args[0] ?? null)
        )
          this.globalTaint = true;
        const user = this.functions.get(fn);
        if (user !== undefined)
          args.forEach((arg, i) => {
            const p = user.params[i];
            if (p !== undefined && p !== '' && this.isTainted(arg)) this.tainted.add(p);
          });
      }
      for (const [name, fn] of this.functions)
        if (!this.taintedReturns.has(name) && fn.returns.some((r) => this.isTainted(nodeAt(r, 'expr'))))
          this.taintedReturns.add(name);
      if (this.tainted.size + this.taintedReturns.size + (this.globalTaint ? 1 : 0) === before) break;
    }
  }

  /** Whether an expression involves decoding (base64, gzip, rot13, hex...), through variables. */
  isDecoded(e: PNode | null, depth = 0): boolean {
    return this.#remember(this.#memo.isDecoded, e, () => this.#reach(this.#decoded, e, depth));
  }

  readonly #decoded: Question = {
    depth: 12,
    through: new Set(['bin', 'encapsed', 'parenthesis', 'silent']),
    concatOnly: false,
    ask: (x, depth) => this.isDecoded(x, depth),
    at: (e, depth) => {
      const d = depth + 1;
      switch (e.kind) {
        case 'call': {
          const fn = this.calleeName(e) ?? this.fold(nodeAt(e, 'what'))?.toLowerCase() ?? null;
          if (fn !== null && decoders.has(fn)) return true;
          // A doc comment read back through reflection: code kept where only comments are looked for
          if (fn === null && methodName(e) === 'getdoccomment') return true;
          // A decoder of the file's own (`function d($s, $map) { …; return base64_decode($t); }`).
          const user = fn === null ? undefined : this.functions.get(fn);
          if (user?.returns.some((r) => this.isDecoded(nodeAt(r, 'expr'), d))) return true;
          if (user !== undefined && /decode|decrypt|deobf|inflate|unhex/i.test(fn ?? '')) return true;
          return nodesAt(e, 'arguments').some((a) => this.isDecoded(a, d));
        }
        case 'variable':
          return this.#assignedSome(e, (r) => this.isDecoded(r, d));
        case 'propertylookup': {
          const key = thisProperty(e);
          return key !== null && (this.assigns.get(key) ?? []).some((r) => this.isDecoded(r, d));
        }
        default:
          return undefined;
      }
    },
  };

  /**
   * Whether a value is scrambled text: built with string bitwise operators (`^`, `~`, `|`, `&`)
   * or from character codes, hex or reversed text. Code builds callees that way only to hide
   * them; a callee scrambled so that even folding cannot read it is hidden on purpose.
   */
  isScrambled(e: PNode | null, depth = 0): boolean {
    return this.#remember(this.#memo.isScrambled, e, () => this.#reach(this.#scrambled, e, depth));
  }

  readonly #scrambled: Question = {
    depth: 12,
    through: new Set(['parenthesis', 'silent', 'offsetlookup']),
    concatOnly: false,
    ask: (x, depth) => this.isScrambled(x, depth),
    at: (e, depth) => {
      const d = depth + 1;
      switch (e.kind) {
        case 'bin': {
          // Read here, not as a concatenation's spine: every level counts towards the bound.
          const op = strAt(e, 'type');
          if (op === '^' || op === '|' || op === '&')
            return !this.#numeric(nodeAt(e, 'left')) || !this.#numeric(nodeAt(e, 'right'));
          return op === '.' && (this.isScrambled(nodeAt(e, 'left'), d) || this.isScrambled(nodeAt(e, 'right'), d));
        }
        case 'unary':
          return strAt(e, 'type') === '~' && !this.#numeric(nodeAt(e, 'what'));
        case 'call': {
          const fn = this.calleeName(e);
          if (
            fn !== null &&
            /^(?:chr|pack|strrev|str_rot13|hex2bin|base64_decode|gzinflate|convert_uudecode)$/.test(fn)
          )
            return true;
          return (
            fn !== null && /^(?:implode|join)$/.test(fn) && nodesAt(e, 'arguments').some((a) => this.isScrambled(a, d))
          );
        }
        case 'variable':
          return this.#assignedSome(e, (r) => this.isScrambled(r, d));
        default:
          return undefined;
      }
    },
  };

  /** Whether some assignment or append of a named variable answers yes (`$$x` answers no). */
  #assignedSome(e: PNode, test: (r: PNode) => boolean): boolean {
    const n = strAt(e, 'name');
    if (n === null) return false;
    return [...(this.assigns.get(n) ?? []), ...(this.appends.get(n) ?? [])].some(test);
  }

  /** A number literal (bit operations on numbers are arithmetic, not scrambling). */
  #numeric(e: PNode | null): boolean {
    if (e === null) return false;
    if (e.kind === 'number') return true;
    if (e.kind === 'parenthesis') return this.#numeric(nodeAt(e, 'inner'));
    if (e.kind === 'bin') return this.#numeric(nodeAt(e, 'left')) && this.#numeric(nodeAt(e, 'right'));
    if (e.kind === 'variable') {
      const list = this.assigns.get(strAt(e, 'name') ?? '');
      return list !== undefined && list.length > 0 && list.every((r) => r.kind === 'number');
    }
    return e.kind === 'constref' || e.kind === 'name' ? !/^[a-z_]/i.test(this.fold(e) ?? 'x') : false;
  }

  /**
   * Whether a value is text fetched from another host (file_get_contents('http://…'), curl_exec,
   * file('ftp://…')), through variables.
   */
  isRemote(e: PNode | null, depth = 0): boolean {
    if (e === null || depth > 8) return false;
    const d = depth + 1;
    switch (e.kind) {
      case 'call': {
        const fn = this.calleeName(e);
        const args = nodesAt(e, 'arguments');
        if (fn === 'curl_exec') return true;
        if (fn === 'file_get_contents' || fn === 'file' || fn === 'stream_get_contents' || fn === 'fread') {
          const src = fn === 'stream_get_contents' || fn === 'fread' ? this.#handlePath(args[0] ?? null) : args[0];
          const url = this.fold(src ?? null) ?? this.#head(src ?? null);
          return url !== null && /^\s*(?:https?|ftps?):\/\//i.test(url);
        }
        if (
          fn !== null &&
          (decoders.has(fn) || fn === 'implode' || fn === 'join' || fn === 'trim' || fn === 'stripslashes')
        )
          return args.some((a) => this.isRemote(a, d));
        // A fetch helper of the file's own (`http_get('http://…')` returning curl_exec or
        // file_get_contents of its parameter), given an address.
        const user = fn === null ? undefined : this.functions.get(fn);
        if (user !== undefined && args.some((a) => this.isAddress(a)))
          return user.returns.some((r) => {
            const x = nodeAt(r, 'expr');
            const name = x?.kind === 'call' ? this.calleeName(x) : null;
            return name === 'curl_exec' || name === 'file_get_contents' || name === 'file';
          });
        return false;
      }
      case 'variable': {
        const n = strAt(e, 'name');
        if (n === null) return false;
        return [...(this.assigns.get(n) ?? []), ...(this.appends.get(n) ?? [])].some((r) => this.isRemote(r, d));
      }
      case 'parenthesis':
      case 'silent':
        return this.isRemote(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), d);
      case 'bin':
        return strAt(e, 'type') === '.' && chainOperands(e).some((x) => this.isRemote(x, d));
      default:
        return false;
    }
  }

  /** The first piece of a concatenation, when known (`"http://host/x?" . $q` starts with a URL). */
  #head(e: PNode | null, depth = 0): string | null {
    if (e === null || depth > 8) return null;
    if (e.kind === 'bin' && strAt(e, 'type') === '.') return this.#head(nodeAt(e, 'left'), depth + 1);
    if (e.kind === 'encapsed') {
      const first = nodesAt(e, 'value')[0] ?? null;
      return this.#head(first?.kind === 'encapsedpart' ? nodeAt(first, 'expression') : first, depth + 1);
    }
    const whole = this.fold(e);
    if (whole !== null || e.kind !== 'variable') return whole;
    // A variable given one value only (`$url = $host . $query`) starts as that value does.
    const n = strAt(e, 'name') ?? '';
    const list = this.assigns.get(n);
    return list?.length === 1 && (this.appends.get(n)?.length ?? 0) === 0
      ? this.#head(list[0] ?? null, depth + 1)
      : null;
  }

  /** The first piece of a concatenation, when known (through variables given one value). */
  headOf(e: PNode | null): string | null {
    return this.#head(e);
  }

  /** The stream wrapper a path starts with (`compress.zlib://`, `php://filter/…`, `zip://`), if any. */
  wrapperHead(e: PNode | null): string | null {
    const head = this.#head(e);
    const m =
      head === null
        ? null
        : /^\s*(compress\.(?:zlib|bzip2):\/\/|php:\/\/filter\/|zip:\/\/|phar:\/\/|glob:\/\/)/i.exec(head);
    return m === null ? null : (m[1] as string);
  }

  /** Whether a value is an address on another host (`"http://x/?d=" . $data`, through variables). */
  isAddress(e: PNode | null): boolean {
    const head = this.#head(e);
    return head !== null && /^\s*(?:https?|ftps?):\/\/(?!localhost|127\.)/i.test(head);
  }

  /** The known pieces a concatenation ends with, joined (`$dir . "/img.gif"` ends with a file name). */
  tail(e: PNode | null, depth = 0): string | null {
    if (e === null || depth > 8) return null;
    const whole = this.fold(e);
    if (whole !== null) return whole;
    if (e.kind === 'bin' && strAt(e, 'type') === '.') {
      // the known pieces it ends with, joined (`… . chr(47) . chr(101)` ends with `/e`)
      const right = this.fold(nodeAt(e, 'right'));
      if (right === null) return this.tail(nodeAt(e, 'right'), depth + 1);
      return (this.tail(nodeAt(e, 'left'), depth + 1) ?? '') + right;
    }
    // basename($url) ends as its argument does (a file named after the address it came from)
    if (e.kind === 'call' && this.calleeName(e) === 'basename') {
      const t = this.tail(nodesAt(e, 'arguments')[0] ?? null, depth + 1);
      return t === null ? null : t.slice(t.lastIndexOf('/') + 1);
    }
    if (e.kind === 'encapsed') {
      const parts = nodesAt(e, 'value');
      const last = parts[parts.length - 1] ?? null;
      return this.tail(last?.kind === 'encapsedpart' ? nodeAt(last, 'expression') : last, depth + 1);
    }
    if (e.kind === 'variable') {
      const list = this.assigns.get(strAt(e, 'name') ?? '');
      return list?.length === 1 && (this.appends.get(strAt(e, 'name') ?? '')?.length ?? 0) === 0
        ? this.tail(list[0] ?? null, depth + 1)
        : null;
    }
    return null;
  }

  /** The path a file handle was opened on (`$h = fopen($path, 'w')`), with its mode. */
  #handlePath(h: PNode | null): PNode | null {
    return this.handleOf(h)?.path ?? null;
  }

  handleOf(h: PNode | null): { path: PNode | null; mode: string | null } | null {
    if (h === null) return null;
    let open: PNode | null = h;
    if (h.kind === 'variable') {
      const list = this.assigns.get(strAt(h, 'name') ?? '') ?? [];
      open = list.find((r) => r.kind === 'call' || r.kind === 'silent') ?? null;
      if (open?.kind === 'silent') open = nodeAt(open, 'expr');
    }
    if (open?.kind !== 'call' || !/^(?:fopen|gzopen|bzopen)$/.test(this.calleeName(open) ?? '')) return null;
    const args = nodesAt(open, 'arguments');
    return { path: args[0] ?? null, mode: this.fold(args[1] ?? null) };
  }

  /** Whether the callee text was assembled (not written as one literal name). */
  isAssembled(e: PNode | null, depth = 0): boolean {
    return this.#remember(this.#memo.isAssembled, e, () => this.#isAssembled(e, depth));
  }

  #isAssembled(e: PNode | null, depth: number): boolean {
    if (e === null || depth > 12) return false;
    switch (e.kind) {
      case 'bin':
      case 'offsetlookup':
      case 'call':
      case 'encapsed':
      case 'name':
      case 'staticlookup':
        return true;
      case 'variable': {
        const n = strAt(e, 'name');
        if (n === null) return true;
        const list = [...(this.assigns.get(n) ?? []), ...(this.appends.get(n) ?? [])];
        return (this.appends.get(n)?.length ?? 0) > 0 || list.some((r) => this.isAssembled(r, depth + 1));
      }
      default:
        return false;
    }
  }
}

/** The server fields that say which page was asked for (encoded or not: urlencode keeps the address). */
const pageAddressField = /^(?:REQUEST_URI|HTTP_HOST|SERVER_NAME|SCRIPT_URI|SCRIPT_NAME|PHP_SELF|QUERY_STRING)$/;

/** Whether a value holds this page's address ($_SERVER['REQUEST_URI'], …), through any expression and variables. */
function carriesPageAddress(f: PhpFile, e: PNode | null, depth: number, seen = new Set<string>()): boolean {
  if (e === null || depth > 10) return false;
  if (e.kind === 'offsetlookup') {
    const what = nodeAt(e, 'what');
    const key = f.fold(nodeAt(e, 'offset'));
    if (what?.kind === 'variable' && strAt(what, 'name') === '_SERVER' && key !== null && pageAddressField.test(key))
      return true;
  }
  if (e.kind === 'variable') {
    const n = strAt(e, 'name');
    if (n === null || seen.has(n)) return false;
    seen.add(n);
    return [...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])].some((r) =>
      carriesPageAddress(f, r, depth + 1, seen),
    );
  }
  for (const key in e) {
    if (key === 'loc') continue;
    const v = e[key];
    if (
      isNode(v)
        ? carriesPageAddress(f, v, depth + 1, seen)
        : Array.isArray(v) && v.some((x) => isNode(x) && carriesPageAddress(f, x, depth + 1, seen))
    )
      return true;
  }
  return false;
}

/** Calls that fetch a page from an address: readfile writes it out by itself. */
const pageFetchers = new Set(['readfile', 'file', 'file_get_contents', 'curl_init', 'fopen']);

/** The return statements of a function body (not of functions nested in it). */
function returnsOf(fn: PNode): PNode[] {
  const out: PNode[] = [];
  const stack: PNode[] = [
    ...nodesAt(fn, 'body'),
    ...(nodeAt(fn, 'body') === null ? [] : [nodeAt(fn, 'body') as PNode]),
  ];
  let guard = 0;
  while (stack.length > 0 && guard++ < 100_000) {
    const n = stack.pop() as PNode;
    if (n.kind === 'return') out.push(n);
    if (n.kind === 'function' || n.kind === 'closure' || n.kind === 'arrowfunc' || n.kind === 'class') continue;
    for (const key of Object.keys(n)) {
      if (key === 'loc') continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) stack.push(x);
      } else if (isNode(v)) stack.push(v);
    }
  }
  return out;
}

/** The files (paths as written) that file_put_contents, fwrite or fputs fill with request data. */
function pathsWrittenWithRequest(f: PhpFile): Set<string> {
  const out = new Set<string>();
  for (const c of f.calls.slice(0, 5000)) {
    const fn = f.calleeName(c);
    if (fn !== 'file_put_contents' && fn !== 'fwrite' && fn !== 'fputs') continue;
    const args = nodesAt(c, 'arguments');
    if (!f.isTainted(args[1] ?? null)) continue;
    const dest = fn === 'file_put_contents' ? (args[0] ?? null) : (f.handleOf(args[0] ?? null)?.path ?? null);
    const path = f.fold(dest);
    if (path !== null) out.add(path);
  }
  return out;
}

const botTest =
  /\b(?:stripos|strpos|stristr|strstr|preg_match)\s*\([^;]{0,160}?(?:googlebot|bingbot|baiduspider|yandexbot|msnbot|slurp|sogou)/i;
const searchReferrerTest =
  /\b(?:stripos|strpos|stristr|strstr|preg_match)\s*\([^;]{0,160}?['"][^'"]{0,40}\b(?:google|yahoo|bing|baidu|yandex)\b/i;
const redirects =
  /\bheader\s*\(\s*['"]\s*location\s*:|\b(?:document|window)\.location\b|\blocation\.(?:href|replace)\b/i;

/**
 * Cloaking, how SEO spam injected into a shop hides (the "Japanese keyword" and pharma hacks):
 * search engines' crawlers, told apart by their user agent, are served pages fetched from
 * another host, and visitors arriving from a search engine are redirected to the spammer's
 * site. A prerendering service serves crawlers too, so that alone is a reason to look; with the
 * redirect of searchers it is the hack.
 */
function seoCloakSignals(text: string, add: AddSignal): void {
  if (!/HTTP_USER_AGENT|HTTP_REFERER/.test(text)) return;
  const servesBots =
    text.includes('HTTP_USER_AGENT') &&
    botTest.test(text) &&
    remoteAddress.test(text) &&
    /\b(?:echo|print)\b/i.test(text);
  const redirectsSearchers = text.includes('HTTP_REFERER') && searchReferrerTest.test(text) && redirects.test(text);
  if (servesBots)
    add({
      id: 'php-bot-cloaking',
      category: 'backdoor',
      weight: 6,
      line: lineAtIndex(text, text.search(botTest)),
      description:
        "Serves search engines' crawlers, told apart by their user agent, with pages fetched from another host.",
    });
  if (redirectsSearchers)
    add({
      id: 'php-search-redirect',
      category: 'backdoor',
      weight: 8,
      line: lineAtIndex(text, text.search(searchReferrerTest)),
      description:
        'Redirects visitors who arrive from a search engine (told by their referrer) elsewhere: SEO spam cloaking.',
    });
}

/** Security plugins by the tables and options they keep their state in. */
const securityProducts: [string, RegExp][] = [
  ['Wordfence', /(?<![A-Za-z0-9])wf(?:Config|Issues|Status|Hits|BlockedIPLog|FileMods|KnownFileList)\b/],
  ['iThemes Security', /\bitsec_[a-z_]+/],
  ['All In One WP Security', /\baiowps_[a-z_]+/],
  ['Sucuri', /\bsucuriscan_[a-z_]+/],
  ['Exploit Scanner', /\bexploitscanner_[a-z_]+/],
  ['Acunetix WP Security', /\b_?wsd_plugin_[a-z_]+/],
];
const stateChange = /\b(?:truncate|delete\s+from|update\s+[\w`"'.$ ]{1,60}\s+set|update_option|delete_option)\b/i;
/** A paste site's raw view, where droppers keep the payload they fetch. */
const pasteSite =
  /['"]https?:\/\/(?:www\.)?(?:pastebin\.com\/raw|paste\.ee\/r\/|hastebin\.com\/raw|ghostbin\.\w+\/paste\/\w+\/raw|rentry\.(?:co|org)\/\w+\/raw|pastie\.org\/pastes\/\d+\/download)/i;
const tmpPath = /\/(?:tmp|var\/tmp|dev\/shm)\/[\w.-]+/g;

/**
 * Code that turns the site's defences off or fetches its payload: the security plugins' own
 * state rewritten (scans emptied, alerts off, `*.php` excluded from the scan) for two products
 * or more (a plugin only ever touches its own); a paste site's raw text fetched; a file dropped
 * in a temporary folder from decoded text and then run by a shell command that names it (a
 * back-connect script written out and started).
 */
function tamperSignals(text: string, add: AddSignal): void {
  if (stateChange.test(text)) {
    const named = securityProducts.filter(([, re]) => re.test(text)).map(([name]) => name);
    if (named.length >= 2)
      add({
        id: 'php-disables-security',
        category: 'backdoor',
        weight: 12,
        line: lineAtIndex(text, text.search(stateChange)),
        evidence: named.join(', '),
        description: `Rewrites the state of the site's security plugins (${named.join(', ')}): their scans emptied, their alerts turned off.`,
      });
  }
  const paste = pasteSite.exec(text);
  if (paste !== null && /\b(?:file_get_contents|curl_exec|curl_init|fopen|file|copy)\s*\(/i.test(text))
    add({
      id: 'php-fetches-paste',
      category: 'backdoor',
      weight: /\b(?:eval|fwrite|fputs|file_put_contents|copy)\s*\(/i.test(text) ? 12 : 6,
      line: lineAtIndex(text, paste.index),
      evidence: clip(paste[0]),
      description: "Fetches a paste site's raw text (where droppers keep their payload) and writes or runs it.",
    });
  if (
    text.length < 200_000 &&
    /\bbase64_decode\s*\(/i.test(text) &&
    shellish.test(text) &&
    /\b(?:fwrite|fputs|file_put_contents)\s*\(/i.test(text)
  ) {
    const seen = new Map<string, number>();
    for (const m of text.matchAll(tmpPath)) seen.set(m[0], (seen.get(m[0]) ?? 0) + 1);
    const run = [...seen].find(([path, n]) => {
      const named = escapeRegExp(path);
      return (
        n >= 2 &&
        new RegExp(
          `['"][^'"\n]*\\b(?:perl|python\\d?|sh|bash|php|chmod)\\s[^'"\n]*${named}|${named}[^'"\n]*&\\s*['"]`,
        ).test(text)
      );
    });
    if (run !== undefined)
      add({
        id: 'php-runs-dropped-file',
        category: 'webshell',
        weight: 12,
        line: lineAtIndex(text, text.indexOf(run[0])),
        evidence: clip(run[0]),
        description:
          'Writes decoded text to a temporary file and starts it with a shell command (a back-connect script dropped and run).',
      });
  }
}

/** Whether an expression is made of number literals alone (integer arithmetic and bitwise operators). */
function numericExpression(e: PNode | null, depth = 0): boolean {
  if (e === null || depth > 20) return false;
  if (e.kind === 'number') return true;
  if (e.kind === 'unary') return numericExpression(nodeAt(e, 'what'), depth + 1);
  if (e.kind !== 'bin' || !/^(?:[-+*^|&]|<<|>>)$/.test(strAt(e, 'type') ?? '')) return false;
  return numericExpression(nodeAt(e, 'left'), depth + 1) && numericExpression(nodeAt(e, 'right'), depth + 1);
}

/** Callee kinds that name a method of an object or class (`$o->m()`, `C::m()`, `$o?->m()`). */
const methodLookups = new Set(['propertylookup', 'staticlookup', 'nullsafepropertylookup']);

/** A call's callee when dynamic (`$f(...)`, `$a['x'](...)`, `('as'.'sert')(...)`). */
function dynamicCallee(call: PNode): PNode | null {
  const what = nodeAt(call, 'what');
  if (what === null || what.kind === 'name') return null;
  if (methodLookups.has(what.kind)) {
    // $obj->$method(...) — a method picked at run time; only its name matters here.
    const off = nodeAt(what, 'offset');
    return off !== null && off.kind !== 'identifier' ? off : null;
  }
  return what;
}

const excerptAt = (text: string, line: number): string => clip(text.split('\n')[line - 1] ?? '');

/**
 * Cheap tests that decide whether a PHP file is worth parsing: the analyser looks for request
 * data meeting a sink, decoders meeting execution, names assembled from pieces, and obfuscation.
 * Most vendor files show none of these pairs and are never parsed.
 */
const requestish =
  /\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER)\b|\$HTTP_\w+_VARS|\$GLOBALS|php:\/\/input|getallheaders|exif_read_data|\$\$|\$\{|\bgetenv\s*\(\s*['"]HTTP_/;
const sinkish = new RegExp(
  `\\b(?:eval|assert|create_function|system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|${[...callbackArg.keys()].join('|')}|include|require|include_once|require_once|move_uploaded_file|copy|file_put_contents|mysqli?_query|pg_query|ReflectionFunction|fromCallable|fwrite|fputs|mail|curl_setopt|fsockopen|preg_replace|preg_filter|extract|parse_str|unserialize|file_get_contents|mb_eregi?_replace|u[ak]sort|(?:sqlite)?create(?:function|aggregate|collation)|FETCH_FUNC|invokeArgs)\\b|\`|\\)\\s*\\(|\\$[A-Za-z_\\x80-\\xff][\\w\\x80-\\xff]*\\s*(?:\\[[^\\]\\n]{0,40}\\]\\s*)*\\(|\\$\\{[^}\\n]{1,60}\\}\\s*(?:\\[[^\\]\\n]{0,40}\\]\\s*)*\\(`,
  'i',
);
const decoderCall =
  /\b(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|bzdecompress)\s*\(|\bpack\s*\(\s*['"]H/i;
/** A decoder named in a string (`$f = "base64_decode"`), eval of a call's result, or a doc comment read back. */
const decoderHidden =
  /\b(?:base64_decode|gzinflate|gzuncompress|str_rot13)['"]|\beval\s*\(\s*@?\$?\w+\s*\(|->\s*getDocComment\s*\(/i;
const executes =
  /\b(?:eval|assert|create_function|preg_replace|preg_filter|include|require|call_user_func(?:_array)?)\b|\$[A-Za-z_\x80-\xff][\w\x80-\xff]*\s*(?:\[[^\]\n]{0,40}\]\s*)*\(/i;
// A callee's name built from pieces (the two expressions below): literals joined, characters by
// code, a string function applied to a literal (`strrev('tressa')`, `str_replace('x', '',
// 'bxaxsxe')`, `implode('', ['as', 'sert'])`) or stripping junk out of a variable; and with
// cutFromVariable, a string function applied to a variable the file assigns a literal. Applied
// to any variable, explode, implode, substr, sprintf and str_replace are in nearly every
// application file and say nothing: counting them sent a fifth of OpenMage's PHP classes to the
// parser for no finding.
/** The punctuation of pieces joined: `'ba' . 'se'`, `$a . $b`, `"\x61"`, `'a' ^ 'b'`, `$s[3] . $s[7]`. */
const assembledShape =
  /['"][\w]{1,12}['"]\s*(?:\/\*[^*]{0,40}\*\/\s*)?\.|\.\s*(?:\/\*[^*]{0,40}\*\/\s*)?['"][\w]{1,12}['"]\s*;|\$\w+\s*\.\s*\$\w+|\\x[0-9a-f]{2}|['"]\s*\^\s*['"]|\$\w+\s*[[{]\s*\d+\s*[\]}]\s*\.\s*\$\w+\s*[[{]/i;
/** The calls and words of a name built (kept apart from the punctuation: the keyword screen skips them in most files). */
const assembledCall =
  /\bchr\s*\(\s*\d|\bdefine\s*\(\s*['"]\w{1,3}['"]|\b(?:strrev|str_rot13|substr|substr_replace|strtolower|strtoupper|ucfirst)\s*\(\s*['"]|\bpack\s*\(|\b(?:explode|sprintf)\s*\(\s*['"][^'"\n]{0,40}['"]\s*,\s*['"]|\bimplode\s*\(\s*(?:['"][^'"\n]{0,10}['"]\s*,\s*)?(?:array\s*\(|\[)\s*['"]|\bstr_replace\s*\(\s*(?:['"][^'"\n]{0,40}['"]|\$\w+)\s*,\s*(?:['"][^'"\n]{0,40}['"]|\$\w+)\s*,\s*['"]|\bstr_replace\s*\(\s*['"][^'"\n]{1,10}['"]\s*,\s*(?:''|"")\s*,\s*\$|\bgoto\b/i;

/** A string function cutting or rearranging a variable's text (the variable's name captured). */
const cutFromVariable =
  /\b(?:strrev|str_rot13|substr|strtolower|strtoupper|ucfirst)\s*\(\s*\$(\w+)|\b(?:str_replace|explode)\s*\([^;()]{0,120},\s*\$(\w+)\s*\)/gi;

/**
 * Whether a name is built from pieces (assembledShape, assembledCall), or cut by a string function from a
 * variable the file assigns a literal (`$blob = 'xxcreate_functionxx'; $fn = substr($blob, 2, 15)`).
 */
function buildsName(text: string, screen: Screen): boolean {
  if ((screen.may(assembledCall) && assembledCall.test(text)) || assembledShape.test(text)) return true;
  if (!screen.may(cutFromVariable)) return false;
  const asked = new Set<string>();
  for (const m of text.matchAll(cutFromVariable)) {
    const name = (m[1] ?? m[2]) as string;
    if (asked.has(name)) continue;
    if (asked.size >= 50) break;
    asked.add(name);
    if (new RegExp(`\\$${name}\\s*=\\s*['"]`).test(text)) return true;
  }
  return false;
}

const shellish = /\b(?:system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s*\(|\bexec\s*\(\s*\$/i;

/**
 * Whether comments are wedged inside expressions (`$_/*x*\/(`), as shells do to break up what a
 * scanner reads: three comment ends followed on their line by code punctuation.
 */
function hasWedgedComments(text: string): boolean {
  let hits = 0;
  for (let i = text.indexOf('*/'); i !== -1 && hits < 3; i = text.indexOf('*/', i + 2)) {
    let j = i + 2;
    while (text[j] === ' ' || text[j] === '\t') j++;
    if ('$("\'.[{'.includes(text[j] ?? '\n')) hits++;
  }
  return hits >= 3;
}

function phpWorthParsing(text: string, screen: Screen): boolean {
  if (pairsWorthParsing(text, screen)) return true;
  if (text.length > 200_000 || !hasWedgedComments(text)) return false;
  // Without its comments the text is new (`ev/**/al` becomes `eval`): the screen does not hold for it.
  return pairsWorthParsing(text.replace(/\/\*[\s\S]*?\*\//g, ''), unscreened);
}

/** Words that run something without a call's parentheses (`include 'x';`, `new X;`, `goto a;`). */
const actingWords = new Set(['eval', 'include', 'include_once', 'require', 'require_once', 'goto', 'new', 'clone']);
/** Words whose parentheses call nothing. */
const inertParens = new Set(['array', 'list', 'declare']);

const isWordChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 92 || c >= 128;

/**
 * Whether PHP code can do anything at all: call a function or method, eval, include, run a shell
 * command, construct or clone an object, jump, or assign through variable variables. Every signal
 * of the parsed analysis needs one of these (flows end in calls, eval, include or backticks; taint
 * through `$$name` needs variable variables; goto mazes need goto). Read on the code alone,
 * strings and comments skipped, in one pass: a data file whose strings name functions answers no.
 * Errs towards yes: heredocs, attributes, interpolation with braces, an unclosed string or
 * comment, and a `<?` inside a skipped string or comment (markup the parser may read as code)
 * all answer yes; markup outside `<? … ?>` runs nothing.
 */
export function codeActs(code: string): boolean {
  const n = code.length;
  let php = false;
  // After a word, variable, string or closing bracket a `(` calls something.
  let callable = false;
  let word = '';
  let i = 0;
  let nextOpen = code.indexOf('<?');
  /** Whether a skipped stretch [from, to) ends (to is -1 when not) and holds no `<?`. */
  const inert = (from: number, to: number) => {
    if (nextOpen !== -1 && nextOpen < from) nextOpen = code.indexOf('<?', from);
    return to !== -1 && (nextOpen === -1 || nextOpen >= to);
  };
  while (i < n) {
    if (!php) {
      const j = code.indexOf('<?', i);
      if (j === -1) return false;
      php = true;
      callable = false;
      word = '';
      i = j + 2;
      continue;
    }
    const c = code.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const d = code.charCodeAt(i + 1);
    if (c === 63 && d === 62) {
      // ?>
      php = false;
      i += 2;
    } else if (c === 35 && d === 91)
      return true; // #[ an attribute
    else if (c === 35 || (c === 47 && d === 47)) {
      // A line comment ends at the line's end or at ?>.
      let end = i + 1;
      while (
        end < n &&
        code.charCodeAt(end) !== 10 &&
        !(code.charCodeAt(end) === 63 && code.charCodeAt(end + 1) === 62)
      )
        end++;
      if (!inert(i, end)) return true;
      i = end;
    } else if (c === 47 && d === 42) {
      const end = code.indexOf('*/', i + 2);
      if (!inert(i, end)) return true;
      i = end + 2;
    } else if (c === 39 || c === 34) {
      let end = i + 1;
      while (end < n && code.charCodeAt(end) !== c) {
        const e = code.charCodeAt(end);
        if (
          c === 34 &&
          ((e === 123 && code.charCodeAt(end + 1) === 36) || (e === 36 && code.charCodeAt(end + 1) === 123))
        )
          return true; // "{$x->f()}" runs code
        end += e === 92 ? 2 : 1;
      }
      if (!inert(i, end < n ? end : -1)) return true;
      i = end + 1;
      callable = true;
      word = '';
    } else if (c === 96)
      return true; // `shell`
    else if (c === 60 && d === 60 && code.charCodeAt(i + 2) === 60)
      return true; // <<< heredoc
    else if (c === 36) {
      // $$name and ${expr} assign through names chosen at run time.
      if (d === 36 || d === 123) return true;
      i++;
      while (i < n && isWordChar(code.charCodeAt(i))) i++;
      callable = true;
      word = '';
    } else if (isWordChar(c)) {
      const start = i;
      while (i < n && isWordChar(code.charCodeAt(i))) i++;
      word = code.slice(start, i).toLowerCase();
      if (actingWords.has(word)) return true;
      callable = true;
    } else {
      if (c === 40 && callable && !inertParens.has(word)) return true;
      callable = c === 41 || c === 93 || c === 125;
      word = '';
      i++;
    }
  }
  return false;
}

/**
 * What `executes` reads, split: names a string can pass as a callback, and what only code runs.
 * preg_replace runs code only through the `e` modifier: called with one literal pattern whose
 * modifiers have no `e` (`preg_replace('/[^a-z]/i', …)`, as platforms write it) it runs nothing;
 * named anywhere else (as a callback, with a pattern built or held in a variable) it counts.
 */
const executesByName =
  /\b(?:assert|create_function|call_user_func(?:_array)?)\b|\bpreg_(?:replace|filter)\b(?!\s*\(\s*['"][^'"\n]*[^\w\s\\'"][a-df-z]*['"]\s*,)/i;
const executesInCode =
  /\b(?:eval|include|require)\b|\$[A-Za-z_\x80-\xff][\w\x80-\xff]*\s*(?:\[[^\]\n]{0,40}\]\s*)*\(/gi;

/**
 * `executes` asked of the code: eval, include and require are constructs (no string names them
 * for a call) and `$f(` calls only in code, so in a comment or a string (Magento's docblocks
 * say "Include …") they run nothing — unless the string itself is run, and that needs eval,
 * assert, create_function, preg_replace or call_user_func, which still count wherever they are.
 * Each match is placed by reading the PHP from the start up to it (strings, comments, `<? ?>`);
 * markup counts as code, and an uncertain reading (heredoc, attribute, unclosed string or
 * comment, a `<?` inside one, `"{$…}"`) answers yes.
 */
export function executesOutsideText(text: string, screen: Screen = unscreened): boolean {
  if (screen.may(executesByName) && executesByName.test(text)) return true;
  const code = /<\?/.test(text) || /^\s*</.test(text) ? text : `<?php ${text}`;
  const reader = new CodeReader(code);
  executesInCode.lastIndex = 0;
  for (let m = executesInCode.exec(code); m !== null; m = executesInCode.exec(code)) {
    if (reader.placeOf(m.index) <= 0) return true;
  }
  return false;
}

/**
 * Reads PHP from the start towards later and later offsets, telling whether each lies in code.
 * A class, not a closure per call: V8 optimised a fresh closure again for nearly every file.
 */
class CodeReader {
  readonly #code: string;
  #php = false;
  #i = 0;
  /** The next `<?` and `?>` at or after i, kept (not searched again per string: that is quadratic). */
  #nextOpen: number;
  #nextClose: number;
  /** The chars that may start something other than code: a string, a comment, `?>`, a heredoc. */
  readonly #special = /['"#/?<]/g;

  constructor(code: string) {
    this.#code = code;
    this.#nextOpen = code.indexOf('<?');
    this.#nextClose = code.indexOf('?>');
  }

  /**
   * Reads on to `to`: -1 when `to` is in code, 1 when inside a string or comment, 0 when unsure.
   * Jumps with the engine's own searches (the next special char, quote, line end) instead of
   * stepping char by char: most of a file lies between them.
   */
  placeOf(to: number): number {
    const code = this.#code;
    const n = code.length;
    let i = this.#i;
    let php = this.#php;
    let place = -1;
    while (i <= to) {
      if (!php) {
        const j = code.indexOf('<?', i);
        if (j === -1 || j > to) break;
        php = true;
        i = j + 2;
        continue;
      }
      this.#special.lastIndex = i;
      const next = this.#special.exec(code);
      if (next === null || next.index > to) {
        i = to;
        break;
      }
      i = next.index;
      const c = code.charCodeAt(i);
      const d = code.charCodeAt(i + 1);
      let end = -1;
      if (c === 63 && d === 62) {
        php = false;
        i += 2;
        continue;
      }
      if (c === 35 && d === 91) {
        place = 0;
        break;
      }
      if (c === 35 || (c === 47 && d === 47)) {
        // A line comment runs to the line's end or to `?>`, whichever comes first.
        const nl = code.indexOf('\n', i + 1);
        if (this.#nextClose !== -1 && this.#nextClose <= i) this.#nextClose = code.indexOf('?>', i + 1);
        end = Math.min(nl === -1 ? n : nl, this.#nextClose === -1 ? n : this.#nextClose);
      } else if (c === 47 && d === 42) {
        const close = code.indexOf('*/', i + 2);
        if (close === -1) {
          place = 0;
          break;
        }
        end = close + 2;
      } else if (c === 39 || c === 34) {
        // The closing quote is the first one after an even run of backslashes.
        const quote = c === 39 ? "'" : '"';
        let q = code.indexOf(quote, i + 1);
        while (q !== -1) {
          let slashes = 0;
          while (code.charCodeAt(q - 1 - slashes) === 92) slashes++;
          if (slashes % 2 === 0) break;
          q = code.indexOf(quote, q + 1);
        }
        if (q === -1 || (c === 34 && /\{\$|\$\{/.test(code.slice(i, q + 1)))) {
          place = 0;
          break;
        }
        end = q + 1;
      } else if (c === 60 && d === 60 && code.charCodeAt(i + 2) === 60) {
        place = 0;
        break;
      }
      if (end === -1) {
        if (i === to) break;
        i++;
        continue;
      }
      if (this.#nextOpen !== -1 && this.#nextOpen < i) this.#nextOpen = code.indexOf('<?', i);
      if (this.#nextOpen !== -1 && this.#nextOpen < end) {
        place = 0;
        break;
      }
      if (to < end) {
        place = 1;
        break;
      }
      i = end;
    }
    this.#i = i;
    this.#php = php;
    return place;
  }
}

const dbAdminTool = /adminer\.org|\bAdminer\b.{0,40}\bVERSION\b|phpMyAdmin.{0,20}(?:lite|mini)/i;

const ccGetter = /->getCc(?:Number|Cid)\s*\(/i;
/**
 * The shop's own configuration file, read for its database password: named, or read where the
 * password sits in it (local.xml's `connection->password`, env.php's `['connection']['default']`).
 */
const shopConfigFile =
  /(?:app\/etc\/local\.xml|app\/etc\/env\.php|wp-config\.php)['"]|->connection->password\b|\[\s*['"]connection['"]\s*\]\s*\[\s*['"]default['"]\s*\]/i;
/** A script that boots the platform by itself (outside its controllers): include of its bootstrap file. */
const shopBootstrap =
  /\b(?:include|require)(?:_once)?\b[^;\n]{0,200}(?:app\/Mage\.php|app\/bootstrap\.php|wp-load\.php)['"]/i;
/**
 * The bootstrap reached by climbing more folders than any shop tree is deep (`../` six times or
 * more): a script written to work from wherever an upload lands. The platform's own scripts
 * name their place (`dirname(__FILE__)`, two or three levels at most).
 */
const bootstrapFromAnywhere =
  /\b(?:include|require)(?:_once)?\b[^;\n]{0,40}['"](?:\.\.\/){6,}(?:app\/Mage\.php|app\/bootstrap\.php|wp-load\.php|wp-config\.php)['"]/i;
/** Stored card columns: the encrypted number and the security code a shop must never keep. */
const storedCard = /\bcc_(?:number|cid)_enc\b/i;
/** A database connection of the file's own, outside the platform's database layer. */
const rawConnect = /\b(?:mysql_connect|mysqli_connect|mysqli_real_connect|mysqli|PDO)\s*\(/i;
const writesFileText = /\b(?:file_put_contents|fwrite|fputs)\s*\(/i;
/** PHP 5's `<script language="php">` attribute (see scriptTagsRespelled): screened, so most files skip the respelling unread. */
const languagePhp = /language\s*=\s*["']?php/i;
const fileSink = /\b(?:unlink|fopen|copy|rename|move_uploaded_file|file_put_contents|symlink)\s*\(/i;
const formTag = /<form\b/i;
const symlinks = /\bsymlink\s*\(/i;
const passwordish = /\[\s*['"]pass(?:word|wd)?['"]\s*\]|\$pass(?:word|wd)?\b/i;
// Whole words only: the keyword screen looks each literal up, and a short one ("log") is everywhere.
const loginish = /\blogin|\blog_in|\bsignin|\bsign_in|\bauthenticate\s*\(|\bgetPost\s*\(/i;
const fetches = /\b(?:file_get_contents|curl_exec)\s*\(|\b(?:file|readfile|copy)\s*\(\s*['"]/i;
/** Output of what was fetched: readfile writes it, print and echo do. */
const writesOut = /\b(?:readfile|print|echo)\b/i;
const remoteAddress = /['"](?:https?|ftp):\/\//i;
const scriptTag = /<script/i;
const phpFileName = /\.ph(?:p\d?|tml)['"]/i;

/**
 * The same questions as ever, each expression asked only when the keyword screen says it could
 * match (a pure test: skipping one that cannot match, or asking one once, changes no answer).
 */
function pairsWorthParsing(text: string, screen: Screen): boolean {
  const test = (re: RegExp) => screen.may(re) && re.test(text);
  if (test(shellish)) return true;
  const request = test(requestish);
  if (request && test(sinkish)) return true;
  let exec: boolean | undefined;
  // executesOutsideText asks each half of `executes` itself: running `executes` first only repeats it.
  const executesText = () => (exec ??= screen.may(executes) && executesOutsideText(text, screen));
  // Decoded request data, kept for a later request to pick up ($_SESSION['x'] = base64_decode($_COOKIE[…])).
  const decodes = test(decoderCall) || test(decoderHidden);
  if (decodes && (request || executesText())) return true;
  // executesText first: it holds for about one PHP file in twenty and costs less than buildsName.
  if (executesText() && (buildsName(text, screen) || test(charBuilder) || test(socketOpener))) return true;
  // Card data read from payment objects and something that sends or writes; text fetched
  // from another host and something that writes files.
  if (test(ccGetter) && test(sendsOrWrites)) return true;
  // The rarer expression of each pair is asked first: most files stop there.
  // A page with a form that opens, deletes or copies files (a register_globals file manager).
  if (test(formTag) && test(fileSink)) return true;
  if (test(symlinks)) return true;
  if (test(runsUnderAnotherName)) return true;
  // Security plugins' state rewritten; a paste site's raw text fetched.
  if ((test(securityState) && test(stateChange)) || test(pasteSite)) return true;
  if (test(shopConfigFile) && test(rawConnect)) return true;
  if (test(shopBootstrap) && (test(storedCard) || test(bootstrapFromAnywhere))) return true;
  // Decodes something and writes a file: a dropper writing out code it hides (hex, base64), or
  // an infector rewriting the shop's scripts.
  if (decodes && test(writesFileText)) return true;
  // A login's password and something that sends or writes (a credential stealer).
  if (test(passwordish) && test(loginish) && test(sendsOrWrites)) return true;
  // A small file calling a variable with a variable (a one-line back door of any spelling).
  if (text.length < 2048 && test(variableCall)) return true;
  // An admin account created from the request.
  if (request && test(adminAccount)) return true;
  // A network tool: sockets the request drives, or a server of its own (a proxy, a bind shell).
  if (test(socketOpener) && (request || test(socketServer) || test(mxLookup))) return true;
  // Mail sent to the lines of a file (a bulk mailer's list).
  if (test(mailCall) && test(fileLines)) return true;
  // Other accounts' files: the server's user list with their home folders, or its session files.
  if (test(passwdFile) && test(otherHomes)) return true;
  if (test(sessionFiles) && test(dirLister)) return true;
  // Folders the request names listed and tested for write access (finding where to drop files).
  if (request && test(writableTest) && test(dirLister)) return true;
  if (!test(fetches) || !test(remoteAddress)) return false;
  return (
    executesText() || test(scriptTag) || (test(phpFileName) && test(sendsOrWrites)) || (request && test(writesOut))
  );
}

/** The request's path tested for the admin pages (`preg_match('/wp-admin|administrator/', $_SERVER['REQUEST_URI'])`). */
const adminPathTest =
  /\b(?:preg_match|strpos|stripos|strstr|stristr)\s*\(\s*(?:['"][^'"\n]{0,80}(?:wp-admin|wp-login|administrator|\/admin)[^'"\n]{0,80}['"]\s*,\s*\$_SERVER\s*\[\s*['"]REQUEST_URI|\$_SERVER\s*\[\s*['"]REQUEST_URI['"]\s*\]\s*,\s*['"][^'"\n]{0,20}(?:wp-admin|wp-login|administrator|\/admin))/i;
/** Literal addresses on hosts named by a bare IP address. */
const bareIpUrl = /['"]https?:\/\/(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?\//g;
/** The administrator role given by name (`set_role('administrator')`, `'role' => 'administrator'`). */
const adminRole = /set_role\s*\(\s*['"]administrator['"]|['"]role['"]\s*=>\s*['"]administrator['"]/i;
/** The shop's admin user model (Magento 1 and 2) loaded by name. */
const shopAdminModel = /getModel\s*\(\s*['"]admin\/user['"]|Magento\\User\\Model\\User(?:Factory)?\b/;
/** Functions that run what they are handed: PHP code or a shell command. */
const runsItsArgument = (name: string): boolean => codeSinks.has(name) || shellSinks.has(name) || name === 'eval';
/**
 * Methods that take a function to call later, and where: ArrayObject's and ArrayIterator's
 * sorts call it on the items; SQLite's (SQLite3, PDO) call it from SQL; a ReflectionFunction
 * is the function itself. `fetchAll(PDO::FETCH_FUNC, f)` calls it on every row.
 */
const methodCallbacks = new Map<string, number>([
  ['uasort', 0],
  ['uksort', 0],
  ['createfunction', 1],
  ['sqlitecreatefunction', 1],
  ['createaggregate', 1],
  ['sqlitecreateaggregate', 1],
  ['createcollation', 1],
  ['sqlitecreatecollation', 1],
  ['fetchall', 1],
  ['fetch', 1],
  ['setfetchmode', 1],
]);
/** Methods whose meaning depends on the object: a shell object's exec and run, a ReflectionFunction's invoke. */
const objectMethods = new Set(['exec', 'run', 'shellexecute', 'invoke', 'invokeargs']);
/** The classes whose constructor takes the function they stand for. */
const functionObjects = new Set(['reflectionfunction']);

/** The `new X(…)` expressions a variable is assigned (the receiver of a method call). */
function constructions(f: PhpFile, receiver: PNode | null): PNode[] {
  const name = receiver === null ? null : variableName(receiver);
  if (name === null) return [];
  return (f.assigns.get(name) ?? []).filter((r) => r.kind === 'new');
}

/**
 * A function handed to an object to call later: `$rows->uasort('assert')`,
 * `$db->createFunction('f', $_GET['f'])`, `(new ReflectionFunction('system'))->invokeArgs([$_GET['c']])`.
 * The request naming it is a back door; a function that runs code or commands is one when the
 * request reaches its arguments (or the object), and needs a reason beside it otherwise.
 */
function methodCallbackSignals(f: PhpFile, c: PNode, args: PNode[], line: number, add: AddSignal): void {
  const method = methodName(c);
  if (method === null || !(methodCallbacks.has(method) || objectMethods.has(method))) return;
  // (the `new X(…)` the receiver was made with, asked once: which object it is and what it holds)
  const made = constructions(f, nodeAt(nodeAt(c, 'what') ?? c, 'what'));
  let cb: PNode | null = null;
  let data: PNode[] = args;
  // Windows' shell object (`new COM('WScript.Shell')`): its exec and run start a command line
  if (method === 'exec' || method === 'run' || method === 'shellexecute') {
    const shellObject = made.some(
      (n) =>
        /^\\?com$/i.test(strAt(nodeAt(n, 'what') ?? n, 'name') ?? '') &&
        /^(?:wscript\.shell|shell\.application)$/i.test(f.fold(nodesAt(n, 'arguments')[0] ?? null) ?? ''),
    );
    if (shellObject) {
      const fed = args.some((a) => f.isTainted(a, 0, true));
      add({
        id: fed ? 'php-request-to-shell' : 'php-shell-call',
        category: 'webshell',
        weight: fed ? 20 : 8,
        line,
        description: `${fed ? 'Request data runs as a command line' : 'Runs a command line'} through Windows' shell object (COM ${method}).`,
      });
    }
    return;
  }
  if (method === 'invoke' || method === 'invokeargs') {
    const fn = made.find((n) =>
      functionObjects.has((strAt(nodeAt(n, 'what') ?? n, 'name') ?? '').replace(/^\\/, '').toLowerCase()),
    );
    cb = fn === undefined ? null : (nodesAt(fn, 'arguments')[0] ?? null);
  } else {
    const idx = methodCallbacks.get(method) as number;
    cb = args[idx] ?? null;
    data = args.filter((a) => a !== cb);
    // (a fetch mode other than FETCH_FUNC takes no function)
    if (method.startsWith('fetch') || method === 'setfetchmode') {
      const mode = args[0] === undefined ? null : (strAt(nodeAt(args[0], 'offset') ?? args[0], 'name') ?? '');
      if (mode === null || !/FETCH_FUNC$/i.test(mode)) return;
    }
  }
  if (cb === null) return;
  const viaObject = made.some((n) => nodesAt(n, 'arguments').some((a) => f.isTainted(a)));
  if (f.isDirect(cb)) {
    add({
      id: 'php-request-as-function',
      category: 'backdoor',
      weight: 20,
      line,
      description: `The request names the function ${method}() is given to call.`,
    });
    return;
  }
  const name = f.callbackName(cb);
  if (name === null || !runsItsArgument(name)) return;
  const fed = viaObject || data.some((a) => f.isTainted(a));
  add({
    id: fed ? 'php-request-to-eval' : 'php-eval-alias',
    category: 'backdoor',
    weight: fed ? 20 : 10,
    line,
    evidence: `${method}(${name}${fed ? ', request data' : ''})`,
    description: fed
      ? `Request data is handed to ${name}() through ${method}().`
      : `Hands ${name}() to ${method}(), to be called on data later: that sink under another name.`,
  });
}

/** The name of a method called on an object (`$o->setUsername(…)`), lower-case; null otherwise. */
function methodName(call: PNode): string | null {
  const what = nodeAt(call, 'what');
  if (what?.kind !== 'propertylookup' && what?.kind !== 'nullsafepropertylookup') return null;
  const off = nodeAt(what, 'offset');
  return off?.kind === 'identifier' ? (strAt(off, 'name')?.toLowerCase() ?? null) : null;
}
/** The server's user list, and their home folders built from a name (`"/home/$user/public_html/"`). */
const passwdFile = /['"]\/etc\/passwd['"]/;
const otherHomes = /\/home\/(?:\$|['"]\s*\.\s*\$|\{\$)\w*[^'"\n]{0,20}\/(?:public_html|www|htdocs|httpdocs)\b/;
/** Session files by their prefix, in the temporary folder or the session path. */
const sessionFiles = /sess_(?<=['"/]sess_)/;
const sendsOrWrites =
  /\b(?:mail|curl_setopt|file_get_contents|fwrite|fputs|file_put_contents|fsockopen|stream_context_create|copy)\s*\(/i;

/** A network connection opened (by name, called or held in a variable). */
const socketOpener = /\b(?:fsockopen|pfsockopen|stream_socket_client|stream_socket_server|socket_create)\b/i;
/** A server of the code's own: it listens, or takes the connections of clients. */
const socketServer = /\b(?:socket_listen|stream_socket_accept|socket_accept)\s*\(/i;
/** A domain's mail exchangers looked up (mail delivered by the code itself). */
const mxLookup = /\bgetmxrr\s*\(/i;
/** Where code creates or edits the site's admin users. */
const adminAccount = /\bwp_(?:create|insert)_user\s*\(|['"]admin\/user['"]|Magento\\User\\Model\\User/i;
/** A variable called with a variable: `$a($b)`, `$a($b['x'])`. */
const variableCall = /\$\w+\s*\(\s*\$\w+\s*[)[]/;
/** Text built character by character from codes (`$d .= chr(…)`), as decoding loops do. */
const charBuilder = /\.=\s*@?chr\s*\(/i;
const mailCall = /\bmail\s*\(/i;
const fileLines = /\bfile\s*\(/i;
const dirLister = /\b(?:opendir|readdir|scandir|glob)\s*\(/i;
const writableTest = /\bis_writ(?:e)?able\s*\(/i;
/**
 * eval or a shell under another name: a created function whose body runs one, output handed to
 * one, an object given one to call (a sort's comparison, an SQL function, a ReflectionFunction);
 * or eval of text appended piece by piece (`$t .= "ev"; … eval($t)`).
 */
const runsUnderAnotherName =
  /\bcreate_function\s*\([^;]{0,300}?\b(?:eval|assert|system|exec|passthru|shell_exec|popen|proc_open)\s*\(|\bob_start\s*\(\s*['"]\s*(?:assert|system|exec|passthru|shell_exec|popen)\b|->\s*(?:u[ak]sort|(?:sqlite)?create(?:function|aggregate|collation))\s*\([^;]{0,80}?['"]\s*(?:assert|system|exec|passthru|shell_exec|popen)['"]|\bReflectionFunction\s*\(\s*['"]\s*(?:assert|system|exec|passthru|shell_exec|popen)['"]|\bFETCH_FUNC\s*,\s*[^\s)]|\byaml_parse(?:_file|_url)?\s*\([^;]{0,200}=>\s*['"]\s*(?:assert|system|exec|passthru|shell_exec|popen|preg_replace|create_function)['"]|\$(\w+)\s*\.=\s*['"][^'"\n]{0,40}['"][\s\S]{0,400}?\b(?:eval|assert)\s*\(\s*@?\$\1\s*\)/i;

const securityState =
  /(?<![A-Za-z0-9])wf(?:Config|Issues|Status)\b|\bitsec_|\baiowps_|\bsucuriscan_|\bexploitscanner_|\bwsd_plugin_/;

/** The prefilter's expressions, for the scanner's keyword screen. */
export const phpPrefilter: readonly RegExp[] = [
  securityState,
  pasteSite,
  executesByName,
  passwdFile,
  otherHomes,
  sessionFiles,
  dirLister,
  writableTest,
  runsUnderAnotherName,
  mailCall,
  fileLines,
  charBuilder,
  variableCall,
  adminAccount,
  socketOpener,
  socketServer,
  mxLookup,
  shellish,
  requestish,
  sinkish,
  decoderCall,
  decoderHidden,
  executes,
  assembledCall,
  cutFromVariable,
  ccGetter,
  passwordish,
  loginish,
  fileSink,
  formTag,
  symlinks,
  shopConfigFile,
  rawConnect,
  storedCard,
  shopBootstrap,
  bootstrapFromAnywhere,
  writesFileText,
  languagePhp,
  sendsOrWrites,
  fetches,
  writesOut,
  remoteAddress,
  scriptTag,
  phpFileName,
];

/**
 * What an unpacked layer says about its own eval of text it cannot fold: the packer's next stage
 * by construction (as for a self-reading loader's tail), decoded or not — nothing more about
 * the program. (With the loader's names in scope, its decoder calls fold to base64_decode.)
 */
const nextStage = new Set(['php-eval-dynamic', 'php-decode-exec']);

/** How many eval'd layers of packed code are unpacked and read (each is decoded, never run): vendors' packers run dozens of rounds of two or three layers; `carried` bounds the cost. */
const maxLayers = 128;

export interface PhpAnalysis {
  signals: Signal[];
  parsed: boolean;
  /**
   * Whether everything the text runs as code was read: it parsed (or runs nothing), and each
   * eval's text was unpacked and read through in turn (bounds not reached).
   */
  readThrough: boolean;
  /** Lines of the text's evals whose code was unpacked and read through (judged by what it does). */
  unpacked: ReadonlySet<number>;
  /** The code those evals run, every layer unpacked (for the code rules to read as well). */
  layers: readonly string[];
  /** Functions the code defines, the unpacked layers' too (PHP's functions are global once defined). */
  functions: ReadonlyMap<string, UserFunction>;
  /** For an unpacked layer: the values it leaves in variables that fold (eval shares its caller's scope). */
  assigned: ReadonlyMap<string, string>;
}

interface UserFunction {
  params: string[];
  node: PNode;
  returns: PNode[];
  /** The code that defines it when not the code asking (its offsets are that code's). */
  owner?: PhpFile;
}

const noLines: ReadonlySet<number> = new Set();

/** Whether text is PHP that does something and parses without an error. */
function plausibleCode(code: string): boolean {
  if (!codeActs(code)) return false;
  try {
    const p: unknown = parser().parseCode(code, 'layer.php');
    return isNode(p) && Array.isArray(p['errors']) && p['errors'].length === 0;
  } catch (err) {
    rethrowTrap(err);
    return false;
  }
}

/** Words later PHP reserved that PHP 4 and 5 code uses as names (`function match(`, `$_GET[readonly]`). */
const laterKeywords = /\b(?:match|readonly|enum|fn)\b/i;

/**
 * PHP 4 and 5 spellings PHP 8's grammar rejects, respelled as today's code that means the same
 * to the analyser, line for line: `=& new X` (assignment by reference of a new object) as
 * `= new X`, a later keyword used as a function's name as a plain name, and as an array's bare
 * key (an undefined constant, which old PHP read as its name) as a quoted key. The text is only
 * read, never run: a respelling is kept when it parses with fewer errors.
 */
export function olderPhpRespelled(code: string): string {
  let out = code.replace(/(=\s*)&(\s*new\b)/gi, '$1 $2');
  if (!laterKeywords.test(out)) return out;
  const defined = new Set(
    [...out.matchAll(/\bfunction\s+&?\s*(match|readonly|enum|fn)\s*\(/gi)].map((m) => (m[1] as string).toLowerCase()),
  );
  if (defined.size > 0)
    out = out.replace(
      /(^|[^\w$>:\\])(match|readonly|enum|fn)(\s*\()/gi,
      (m, pre: string, word: string, paren: string) => (defined.has(word.toLowerCase()) ? `${pre}${word}_${paren}` : m),
    );
  return out.replace(/\[(\s*)(match|readonly|enum|fn)(\s*)\]/gi, "[$1'$2'$3]");
}

/** A fragment that opens with a class member: methods cut out of a class (a pasted observer). */
const memberFirst =
  /^<\?php\s*(?:(?:\/\*[\s\S]*?\*\/|\/\/[^\n]*)\s*)*(?:(?:public|protected|private|static|final|abstract)\s+)+(?:function|const|\$)/;

/**
 * Parses PHP; a fragment without its opening tag that opens with a class member is read as the
 * body of a class (on the same lines), with or without the class's own closing brace, whichever
 * the parser reads with fewer errors.
 */
function parseFragment(code: string, fragment: boolean): unknown {
  const errors = (p: unknown) => (isNode(p) && Array.isArray(p['errors']) ? p['errors'].length : 0);
  let plain: unknown = parser().parseCode(code, 'scan.php');
  if (errors(plain) > 0) {
    // Old PHP the parser (PHP 8's grammar) rejects: read it as the same code spelled today.
    const today = olderPhpRespelled(code);
    if (today !== code) {
      const again: unknown = parser().parseCode(today, 'scan.php');
      if (errors(again) < errors(plain)) plain = again;
    }
  }
  if (!fragment || errors(plain) === 0 || !memberFirst.test(code)) return plain;
  const body = code.slice('<?php'.length);
  let best = plain;
  for (const wrapped of [`<?php class Fragment_ {${body}\n}`, `<?php class Fragment_ {${body}`]) {
    const p: unknown = parser().parseCode(wrapped, 'scan.php');
    if (errors(p) < errors(best)) best = p;
  }
  return best;
}

/** The opening tag PHP 5 also took for code: `<script language="php">`. */
const scriptLanguagePhp = /<script\b[^>]*?\blanguage\s*=\s*["']?php\b["']?[^>]*>/gi;

/**
 * `<script language="php">…</script>` (code to PHP 5, which shells still use to slip past
 * scanners that look for `<?`) respelled as `<?php … ?>`, padded to the same length: offsets
 * and lines stay those of the file.
 */
export function scriptTagsRespelled(text: string): string {
  if (!languagePhp.test(text)) return text;
  const pad = (tag: string, by: string) => by + tag.slice(by.length).replace(/[^\n]/g, ' ');
  let out = '';
  let from = 0;
  for (const m of text.matchAll(scriptLanguagePhp)) {
    if (m.index < from) continue;
    const end = m.index + m[0].length;
    const close = /<\/script\s*>/i.exec(text.slice(end));
    const closeAt = close === null ? text.length : end + close.index;
    out += text.slice(from, m.index) + pad(m[0], '<?php ') + text.slice(end, closeAt);
    from = closeAt;
    if (close !== null) {
      out += pad(close[0], '?>');
      from += close[0].length;
    }
  }
  return out + text.slice(from);
}

/** Analyses one PHP file's text (latin1, one char per byte). */
export function analysePhp(
  source: string,
  depth = 0,
  screen: Screen = unscreened,
  enclosing?: Omit<Enclosing, 'names'>,
): PhpAnalysis {
  const text = screen.may(languagePhp) ? scriptTagsRespelled(source) : source;
  const out = new SignalSet();
  const add: AddSignal = (s) => out.add({ ...s, evidence: s.evidence ?? excerptAt(text, s.line) });
  if (/^(?:GIF8[79]a|\x89PNG|\xff\xd8\xff)/.test(text))
    add({
      id: 'php-in-image',
      category: 'backdoor',
      weight: 12,
      line: 1,
      description: 'PHP code inside an image file (a polyglot made to pass upload checks).',
    });
  // Files with none of the pairs the analyser looks for are done: weak lexical signals alone
  // never reach the bar, so they are read only where something else may join them.
  // A file not worth parsing is not read (through). A layer an eval runs is read whatever it
  // holds: its pairs may lie in the code around the eval.
  if (enclosing === undefined && !phpWorthParsing(text, screen))
    return {
      signals: out.all(),
      parsed: false,
      readThrough: false,
      unpacked: noLines,
      layers: [],
      functions: new Map(),
      assigned: new Map(),
    };
  return readPhp(text, depth, enclosing, out, add);
}

/**
 * analysePhp on code worth reading (a file that passed the prefilter, or a layer an eval runs).
 * A function of its own: analysePhp runs for every PHP file and is optimised early, while this
 * runs for a few in a hundred, each new shape of code sending its optimised code back. Kept
 * apart, a recompile costs one of these, not both (optimising the whole again cost 20-35 ms a time).
 */
function readPhp(
  text: string,
  depth: number,
  enclosing: Omit<Enclosing, 'names'> | undefined,
  out: SignalSet,
  add: AddSignal,
): PhpAnalysis {
  lexicalSignals(text, add);
  let root: PNode;
  // A fragment without its opening tag is parsed as the PHP it is (same line numbers).
  const code = /<\?/.test(text) || /^\s*</.test(text) ? text : `<?php ${text}`;
  // Code that can do nothing (data: arrays of messages that name functions) has no flow to find:
  // it gets what a file that fails to parse gets, without the cost of parsing it.
  const unread = (readThrough: boolean): PhpAnalysis => ({
    signals: shapeAloneIsOneReason(out.all()),
    parsed: false,
    readThrough,
    unpacked: noLines,
    layers: [],
    functions: new Map(),
    assigned: new Map(),
  });
  // Code that runs nothing is read through, if it holds anything (a decoder's garbage does not).
  if (!codeActs(code) && !dbAdminTool.test(text)) return unread(/[^\s;]/.test(code.replace(/^<\?php/, '')));
  try {
    const program: unknown = parseFragment(collapseConcatenations(code), code !== text);
    if (!isNode(program)) return unread(false);
    root = program;
  } catch (err) {
    rethrowTrap(err);
    return unread(false);
  }
  const names = (t: string) =>
    new Set([...t.matchAll(/\$([A-Za-z_\x80-\xff][\w\x80-\xff]*)/g)].map((m) => m[1] as string));
  const f = new PhpFile(root, enclosing === undefined ? undefined : { ...enclosing, names: names(text) });
  f.cli = enclosing?.file.cli ?? cliScript.test(text);
  f.propagate();
  if (f.evals.length > 0) f.runLoops(root);

  let carried = 0;
  /** The variable names this code reads, once a layer needs them. */
  let wanted: ReadonlySet<string> | undefined;
  /** The code eval runs from strings known here, where a self-reading loader names its alphabet. */
  const layers: string[] = [];
  const unpacked = new Set<number>();
  /** Every layer's code, the deeper ones too. */
  const unpackedCode: string[] = [];
  let readThrough = true;
  for (const ev of f.evals) {
    const src = nodeAt(ev, 'source');
    const line = lineOf(ev);
    // Code that eval runs from a string known here — a literal, or a literal unpacked by
    // base64/gzip/rot13… — is judged by what it does: it is analysed as the PHP it is (layers
    // bounded in number and size). Packing alone is what vendors' licence loaders do as well,
    // and theirs nest a dozen layers deep.
    const cutBefore = f.cuts;
    const runsBefore = f.decoderRuns;
    // (a function's parameter holds what its callers pass: `function e($a) { eval($a); }` beside a
    // global `$a = 'x'` does not run 'x')
    const param = src?.kind === 'variable' && f.paramAt(strAt(src, 'name') ?? '', ev.loc?.start.offset ?? -1);
    const known = param ? null : f.foldAtUse(src, ev);
    const folded = depth >= maxLayers ? null : known;
    // Text a decoder of the file's own gave that is no PHP that acts is not taken for the
    // payload (the evaluation may have read the decoder otherwise than PHP would): unread.
    const constant = folded !== null && f.decoderRuns > runsBefore && !plausibleCode(`<?php ${folded}`) ? null : folded;
    if (constant !== null && (carried += constant.length) < 4_000_000) {
      layers.push(constant);
      const inner = constant.startsWith('?>') ? constant : `<?php ${constant}`;
      // An unpacked layer's own eval of text computed at run time is the packer's next stage by
      // construction (as for a self-reading loader's tail): it says nothing more about the program.
      wanted ??= names(text);
      const layer = analysePhp(inner, depth + 1, unscreened, { file: f, at: ev.loc?.start.offset ?? 0, wanted });
      for (const sig of layer.signals)
        if (!nextStage.has(sig.id)) out.add({ ...sig, line: line + Math.max(0, sig.line - 1) });
      if (layer.readThrough && f.cuts === cutBefore) unpacked.add(line);
      else readThrough = false;
      unpackedCode.push(constant, ...layer.layers);
      // A function a layer defines is there for the code after it (the next layer calls it).
      for (const [name, fn] of layer.functions) if (!f.functions.has(name)) f.functions.set(name, fn);
      // So is a variable it sets (`eval('$x = gzinflate(…);'); eval('?>' . $x);`), from this eval on.
      for (const [name, value] of layer.assigned)
        pushCapped(
          f.assigns,
          name,
          { kind: 'string', value, loc: { start: { line, offset: ev.loc?.start.offset ?? 0 } } },
          50,
        );
      continue;
    }
    readThrough = false;
    if (f.isTainted(src))
      add({
        id: 'php-request-to-eval',
        category: 'backdoor',
        weight: 20,
        line,
        description: 'Request data reaches eval().',
      });
    else if (fromSocket(f, src, 0, new Set()))
      add({
        id: 'php-socket-to-eval',
        category: 'backdoor',
        weight: 20,
        line,
        description: 'Runs as PHP code what a network connection it opened sends (a stager: Meterpreter and its kin).',
      });
    else if (f.isRemote(src))
      add({
        id: 'php-remote-code-exec',
        category: 'backdoor',
        weight: 18,
        line,
        description: 'Runs code fetched from another host with eval().',
      });
    else if (f.isDecoded(src))
      add({
        id: 'php-decode-exec',
        category: 'backdoor',
        weight: 15,
        line,
        description: 'Decoded text (base64, gzip, rot13, hex…) is run with eval().',
      });
    else if (known === null)
      add({
        id: 'php-eval-dynamic',
        category: 'obfuscation',
        weight: 4,
        line,
        description: 'eval() of text built at run time.',
      });
  }
  const written = f.includes.length > 0 ? pathsWrittenWithRequest(f) : new Set<string>();
  for (const inc of f.includes) {
    const target = nodeAt(inc, 'target');
    const runs = written.size > 0 ? f.fold(target) : null;
    // (an installer writes its settings into config.php and reads them back: a PHP file so
    // written is a reason to look, one named as data is a back door)
    if (runs !== null && written.has(runs))
      add({
        id: 'php-request-to-include',
        category: 'backdoor',
        weight: isCodeName(runs) ? 8 : 20,
        line: lineOf(inc),
        description: 'Writes request data into a file, then runs that file with include/require.',
      });
    else if (f.startsTainted(target))
      add({
        id: 'php-request-to-include',
        category: 'backdoor',
        weight: 15,
        line: lineOf(inc),
        description: 'Request data chooses the file that include/require runs.',
      });
    const folded = f.fold(target);
    if (folded !== null && /^(?:php:\/\/(?:input|filter)|data:|https?:\/\/|ftp:\/\/|expect:|zip:|phar:)/i.test(folded))
      add({
        id: 'php-include-stream',
        category: 'backdoor',
        weight: 20,
        line: lineOf(inc),
        evidence: clip(folded),
        description: 'Includes code from the request body, a data: URL or a remote address.',
      });
    if (folded !== null && /\.(?:png|jpe?g|gif|ico|bmp|txt|log|dat|tmp)$|^\/tmp\/|\/media\/|\/uploads?\//i.test(folded))
      add({
        id: 'php-include-data-file',
        category: 'backdoor',
        weight: 10,
        line: lineOf(inc),
        evidence: clip(folded),
        description: 'Includes a file that is not PHP by its name or place (an image, a text file, an upload).',
      });
  }
  for (const r of f.byName) {
    const name = f.fold(r.name)?.toLowerCase() ?? null;
    if (f.isDirect(r.name))
      add({
        id: 'php-request-as-function',
        category: 'backdoor',
        weight: 20,
        line: lineOf(r.node),
        description: `The request names the function that ${r.via} calls.`,
      });
    else if (name !== null && dangerousNames.has(name) && f.isAssembled(r.name))
      add({
        id: 'php-hidden-callee',
        category: 'obfuscation',
        weight: 12,
        line: lineOf(r.node),
        description: `Reaches ${name}() through ${r.via} under a name assembled from pieces.`,
      });
  }
  for (const out of f.echoes) {
    const pieces = concatenationPieces(out);
    if (!pieces.some((p) => /<script/i.test(f.fold(p) ?? '')) || !pieces.some((p) => f.isRemote(p))) continue;
    add({
      id: 'php-remote-script-injection',
      category: 'skimmer',
      weight: 12,
      line: lineOf(out),
      description: 'Fetches a script from another host at each request and writes it into the page.',
    });
  }
  // Page text asked of another host with this page's own address, and written out: injected
  // links or a doorway that changes per page (a paid-links engine, SEO spam), under the
  // shop's name. A feed or an API is asked with fixed terms, not with the visitor's URL.
  const asksWithPage = f.calls.filter((c) => {
    const fn = f.calleeName(c);
    if (fn === null || !pageFetchers.has(fn)) return false;
    const url = nodesAt(c, 'arguments')[0] ?? null;
    return f.isAddress(url) && carriesPageAddress(f, url, 0);
  });
  const first = asksWithPage[0];
  if (
    first !== undefined &&
    (asksWithPage.some((c) => f.calleeName(c) === 'readfile') ||
      f.echoes.some((o) => concatenationPieces(o).some((p) => f.isRemote(p))))
  )
    add({
      id: 'php-remote-page-injection',
      category: 'injection',
      weight: 10,
      line: lineOf(first),
      description:
        "Asks another host for text with this page's own address and writes the answer into the page (injected links, doorway pages).",
    });
  for (const sh of f.shells)
    if (f.isTainted(sh, 0, true))
      add({
        id: 'php-request-to-shell',
        category: 'webshell',
        weight: 20,
        line: lineOf(sh),
        description: 'Request data runs as a shell command (backticks).',
      });

  /** What a call that reaches another host carries: card data, the whole request, a login's password. */
  const sentOut = (fn: string, args: PNode[], line: number) => {
    if (!args.some((a) => wholeRequest(f, a, 0)) && args.some((a) => carriesCard(f, a, 0)))
      add({
        id: 'php-card-data-sent-out',
        category: 'skimmer',
        // Payment gateways send cards too, to an address of their configuration; a skimmer
        // posts them to a plain-http address written into the code.
        weight: /['"]http:\/\/(?!localhost|127\.)/i.test(text) ? 12 : 8,
        line,
        description: `Sends payment card data (card number, CVV, expiry) out with ${fn}().`,
      });
    if (args.some((a) => wholeRequest(f, a, 0)))
      add({
        id: 'php-request-exfiltration',
        category: 'skimmer',
        weight: 15,
        line,
        description: `Sends the request’s form data (or payment fields) out with ${fn}().`,
      });
    else if (args.some((a) => wholeRequest(f, a, 0, new Set(), true))) {
      // Copied field by field (through loops, methods, the object's properties) first: payment
      // gateways post the form back too (PayPal's IPN check), to the https address they name; a
      // relay of the checkout's form to an address in plain http written into the code is a thief's.
      const to = literalDestination(f, fn, args);
      if (to !== null)
        add({
          id: 'php-request-relayed-out',
          category: 'skimmer',
          weight: /^\s*http:\/\//i.test(to) ? 10 : 4,
          line,
          description: `Copies the request’s form data field by field and posts it to an address written into the code (${fn}()).`,
        });
    }
    credentialsOut(fn, args, line);
  };
  /** A login's password sent or written somewhere: a credential stealer in a login handler. */
  const credentialsOut = (fn: string, args: PNode[], line: number) => {
    if (!args.some((a) => carriesPassword(f, a, 0))) return;
    // Where it goes is written into the code (an address on another host, a mailbox, a log file
    // it appends to): the attacker's, since a shop's own integrations read theirs from configuration.
    add({
      id: 'php-credentials-sent-out',
      category: 'skimmer',
      weight: fixedDestination(f, fn, args) ? 15 : 6,
      line,
      description: `Sends or stores a login's password with ${fn}() — a credential stealer in a login handler.`,
    });
  };

  /**
   * A file written, deleted, copied or read at a path its own form fills in as a plain variable
   * (`unlink("$dir/$del")` beside `?del=`): the request chooses the file, through register_globals.
   */
  const formFieldFileAccess = (fn: string, args: PNode[], line: number) => {
    const fields = fieldsOf(text);
    const named = (i: number) => formField(f, args[i] ?? null, fields);
    const mode = fn === 'fopen' ? (f.fold(args[1] ?? null) ?? 'r') : '';
    const writes =
      fn === 'fopen' ? /^[waxc]/.test(mode) : fn !== 'readfile' && fn !== 'file_get_contents' && fn !== 'file';
    const paths = fn === 'copy' || fn === 'rename' || fn === 'move_uploaded_file' ? [0, 1] : [0];
    // `copy("compress.zlib://" . $_POST['file'], $tmp)`: a stream wrapper in front of a path the
    // request sends reads any file past safe_mode and open_basedir, as those shells advertise.
    const wrapped = f.isAddress(args[0] ?? null) ? null : f.wrapperHead(args[0] ?? null);
    if (wrapped !== null && f.isTainted(args[0] ?? null))
      add({
        id: 'php-wrapper-file-read',
        category: 'webshell',
        weight: 12,
        line,
        evidence: clip(wrapped),
        description: `Reads a file the request names through the ${wrapped} stream wrapper (${fn}) — a safe_mode and open_basedir bypass.`,
      });
    if (!paths.some(named)) return;
    add({
      id: 'php-form-field-file-access',
      category: 'webshell',
      weight: writes ? 12 : 8,
      line,
      description: `${writes ? 'Writes, deletes or copies' : 'Reads'} a file that its own form names, through a variable nothing here sets (register_globals) — a file manager for whoever has the page.`,
    });
  };

  for (const c of f.calls) {
    const line = lineOf(c);
    const args = nodesAt(c, 'arguments');
    const name = f.calleeName(c);
    const dyn = dynamicCallee(c);
    const at = c.loc?.start.offset;
    const useCtx: FoldCtx = at === undefined ? { depth: 0, seen: new Set() } : { depth: 0, seen: new Set(), at };
    const foldedName = dyn === null ? null : (f.fold(dyn, useCtx)?.toLowerCase().replace(/^\\/, '') ?? null);
    const fn = f.trampolineOf(c) ?? name ?? foldedName;
    const anyTainted = args.some((a) => f.isTainted(a));
    if (fn !== null && formFileSinks.has(fn)) formFieldFileAccess(fn, args, line);
    // Another file's time copied onto one just written (`touch($f, filemtime($g))`, `touch -r`):
    // a change made to look as old as its neighbours.
    const command = fn !== null && shellSinks.has(fn) ? (f.headOf(args[0] ?? null) ?? '') : '';
    if ((fn === 'touch' && args[1] !== undefined && fromFilemtime(f, args[1])) || /^\s*touch\s+-r\b/.test(command))
      add({
        id: 'php-timestomp',
        category: 'backdoor',
        weight: 4,
        line,
        description: "Copies another file's modification time onto a file (hides when it was changed).",
      });
    // A command written out whole is an admin's cron step; one whose address or file is filled
    // in at run time (a decoded address, a core file's name) is a dropper's.
    if (/^\s*(?:curl|wget)\s/.test(command) && f.fold(args[0] ?? null) === null)
      add({
        id: 'php-shell-download',
        category: 'backdoor',
        weight: 6,
        line,
        evidence: clip(command),
        description: `Downloads files through a shell command (${fn}: curl or wget run from PHP).`,
      });
    if (fn === 'symlink') {
      // A link to the server's root or to another site's configuration: the symlink attack of
      // shared hosting, which reads every neighbour's database password through the web server.
      const target = f.tail(args[0] ?? null) ?? '';
      if (/^\/+$|^\/(?:home\d*|etc|var\/www)\/?$/.test(target) || siteConfigName.test(target))
        add({
          id: 'php-symlink-harvest',
          category: 'webshell',
          weight: 15,
          line,
          evidence: clip(target),
          description:
            "Links to the server's root or to a site's configuration file — a symlink attack that reads other sites' database passwords.",
        });
    }

    // A site administrator created with what the request sends: a back door account.
    if ((fn === 'wp_create_user' || fn === 'wp_insert_user') && anyTainted && adminRole.test(text))
      add({
        id: 'php-request-creates-admin',
        category: 'backdoor',
        weight: 15,
        line,
        description: `Creates an administrator account (${fn}) with the name and password the request sends — a back door account.`,
      });
    if (fn === null) methodCallbackSignals(f, c, args, line, add);
    // yaml_parse's callbacks: each tag of the document is handed to the function its entry
    // names, with the tagged value (`!x "|.+|e"` handed to preg_replace)
    if (fn === 'yaml_parse' || fn === 'yaml_parse_file' || fn === 'yaml_parse_url') {
      const map = args[3] ?? null;
      for (const item of map?.kind === 'array' ? nodesAt(map, 'items').slice(0, 50) : []) {
        const cb = item.kind === 'entry' ? nodeAt(item, 'value') : null;
        const name = cb === null ? null : f.callbackName(cb);
        if (name === null || !(runsItsArgument(name) || name === 'preg_replace' || name === 'call_user_func')) continue;
        const fed = f.isTainted(args[0] ?? null) || f.isTainted(nodeAt(item, 'key'));
        add({
          id: fed ? 'php-request-to-eval' : 'php-eval-alias',
          category: 'backdoor',
          weight: fed ? 20 : 10,
          line,
          evidence: `${fn}(…, [tag => ${name}])`,
          description: `Hands the values a YAML document tags to ${name}()${fed ? ', with a document or tag the request writes' : ''}.`,
        });
        break;
      }
    }
    // copy() takes an address as its source: a script fetched from another host saved as PHP
    if (fn === 'copy' && /^\s*(?:https?|ftps?):\/\//i.test(f.headOf(args[0] ?? null) ?? '')) {
      const dest = args[1] ?? null;
      if (dest !== null && (isCodeName(f.tail(dest)) || f.isTainted(dest)))
        add({
          id: 'php-remote-code-dropper',
          category: 'upload',
          weight: 15,
          line,
          evidence: clip(excerptAt(text, line)),
          description: 'Downloads a file from another host and saves it as a PHP script (a dropper).',
        });
    }
    if (
      fn === null &&
      /^set(?:username|password|newpassword)$/i.test(methodName(c) ?? '') &&
      anyTainted &&
      shopAdminModel.test(text)
    )
      add({
        id: 'php-request-creates-admin',
        category: 'backdoor',
        weight: 15,
        line,
        description:
          "Sets an admin user's name or password to what the request sends, outside the admin's own forms — a back door account.",
      });
    // A callee and its argument both taken from arrays nothing here sets (`$_ = $P['1']; $_($P['2'])`):
    // with register_globals, or when included, the caller of the page names the function.
    if (dyn?.kind === 'variable' && outsideElement(f, dyn) && args.some((a) => outsideElement(f, a)))
      add({
        id: 'php-outside-callee',
        category: 'backdoor',
        // A template may call what its includer hands it; a file of its own that does only that is a back door.
        weight: text.length < 2048 ? 10 : 7,
        line,
        description:
          'Calls a function named by an array element that nothing here sets, with another as its argument — a one-line back door whose caller names the function (register_globals, an includer).',
      });
    // A callee picked among several names (`$fe = "system"` … `$fe = "passthru"`: the first a host
    // allows), one of them a shell, given request data: a shell whichever it picks.
    const picks = dyn?.kind === 'variable' ? f.literalValues(dyn) : [];
    const shellPick = picks.find((p) => shellSinks.has(p));
    if (shellPick !== undefined && args.some((a) => f.isTainted(a, 0, true)))
      add({
        id: 'php-request-to-shell',
        category: 'webshell',
        weight: 20,
        line,
        evidence: clip(`${picks.slice(0, 6).join('|')}(request data): ${excerptAt(text, line)}`),
        description: `Request data runs as a shell command through a function picked at run time among ${shellPick}() and others.`,
      });
    // A mail to each line of a list file with a message read from a file too: a bulk spam mailer
    // (its lists kept beside it or fetched from another host).
    if (fn === 'mail') {
      const to = fileSource(f, args[0] ?? null, 0, new Set());
      const body = to === null ? null : fileSource(f, args[2] ?? null, 0, new Set());
      if (to !== null && body !== null)
        add({
          id: 'php-list-mailer',
          category: 'webshell',
          // Lists kept beside it: as many mails as the list holds, however long it takes.
          weight: to === 'remote' || body === 'remote' ? 12 : /\bset_time_limit\s*\(\s*0\s*\)/.test(text) ? 10 : 8,
          line,
          description: `Mails each address of a list file a message read from a file${to === 'remote' || body === 'remote' ? ' fetched from another host' : ''} — a bulk spam mailer.`,
        });
    }
    // A mail to an address written into the code that tells where the script sits (its path, the
    // site's root, the server's address): a dropped shell announcing itself to its owner.
    if (fn === 'mail' && /@/.test(f.fold(args[0] ?? null) ?? '')) {
      const fields = new Set<string>();
      for (const a of args.slice(1, 3)) serverFieldsIn(f, a, fields, 0, new Set());
      if (
        fields.size >= 3 &&
        [...fields].some((k) => /^(?:DOCUMENT_ROOT|SCRIPT_FILENAME|PATH_TRANSLATED|SERVER_ADDR)$/.test(k))
      )
        add({
          id: 'php-location-beacon',
          category: 'backdoor',
          weight: 10,
          line,
          evidence: clip(`${[...fields].join(', ')}: ${excerptAt(text, line)}`),
          description:
            "Mails where this script sits (its path, the site's root, the server's address) to an address written into the code — a dropped shell reporting in.",
        });
    }
    // curl given a file: address the request completes reads any local file, past safe_mode and
    // open_basedir (which curl's file:// never checked).
    const curlUrl =
      fn === 'curl_init'
        ? (args[0] ?? null)
        : fn === 'curl_setopt' && /CURLOPT_URL$/i.test(strAt(args[1] ?? c, 'name') ?? '')
          ? (args[2] ?? null)
          : null;
    if (curlUrl !== null && /^\s*file:/i.test(f.headOf(curlUrl) ?? '') && f.isTainted(curlUrl))
      add({
        id: 'php-request-file-read',
        category: 'webshell',
        weight: 12,
        line,
        description:
          "Reads any local file the request names through curl's file:// scheme (a safe_mode and open_basedir bypass).",
      });
    if (dyn !== null) {
      // A method the request names on an object of the application's is how controllers pick
      // an action (`$wizard->$action()`): only that class's methods, no reason alone. A function
      // the request names, or a method it names with an argument it sends, is a back door.
      const method = methodLookups.has(nodeAt(c, 'what')?.kind ?? '');
      const direct = f.isDirect(dyn);
      if (direct && (!method || args.some((a) => f.isDirect(a))))
        add({
          id: 'php-request-as-function',
          category: 'backdoor',
          weight: 20,
          line,
          description: 'The request names the function to call.',
        });
      else if (direct)
        add({
          id: 'php-request-as-method',
          category: 'backdoor',
          weight: 6,
          line,
          description: 'The request names the method to call on an object.',
        });
      else if (
        foldedName !== null &&
        dangerousNames.has(foldedName) &&
        f.isAssembled(dyn) &&
        !anyTainted &&
        hidesOnlyData(foldedName)
      )
        add({
          id: 'php-hidden-decoder',
          category: 'obfuscation',
          weight: 6,
          line,
          evidence: clip(`${foldedName}(…) assembled as: ${excerptAt(text, line)}`),
          description: `Calls ${foldedName}() through a name assembled from pieces (a packer's shape: decoding or reading data).`,
        });
      else if (foldedName !== null && dangerousNames.has(foldedName) && f.isAssembled(dyn))
        add({
          id: 'php-hidden-callee',
          category: 'obfuscation',
          weight: anyTainted ? 20 : 12,
          line,
          evidence: clip(`${foldedName}(…) assembled as: ${excerptAt(text, line)}`),
          description: `Calls ${foldedName}() through a name assembled from pieces, so that the name never appears.`,
        });
      else if (foldedName === null && f.isScrambled(dyn))
        add({
          id: 'php-scrambled-callee',
          category: 'obfuscation',
          weight: anyTainted ? 15 : 8,
          line,
          description: `Calls a function whose name is scrambled (bitwise operators, character codes, reversed or encoded text)${anyTainted ? ' with request data' : ''}.`,
        });
      else if (foldedName === null && !method && f.isDecoded(dyn) && args.some((a) => f.isDecoded(a) || f.isTainted(a)))
        add({
          id: 'php-decoded-callee',
          category: 'obfuscation',
          weight: 12,
          line,
          description:
            'Calls a function whose name is decoded at run time (from encoded text or a comment read back), on decoded or request data.',
        });
      else if (foldedName === null && anyTainted && nodeAt(c, 'what')?.kind !== 'propertylookup')
        add({
          id: 'php-request-to-dynamic-call',
          category: 'backdoor',
          weight:
            (nodeAt(c, 'what')?.kind === 'variable' || nodeAt(c, 'what')?.kind === 'offsetlookup') &&
            args.some((a) => f.isDirect(a))
              ? 12
              : 5,
          line,
          description: 'Request data is passed to a function whose name is computed at run time.',
        });
    }
    if (fn === null) continue;
    if (codeSinks.has(fn)) {
      const a0 = args[0] ?? null;
      const body = fn === 'create_function' ? (args[1] ?? null) : a0;
      const alias = fn === 'create_function' ? f.evalAlias(c) : null;
      if (f.isTainted(body))
        add({
          id: 'php-request-to-eval',
          category: 'backdoor',
          weight: 20,
          line,
          description: `Request data reaches ${fn}(), which runs it as PHP.`,
        });
      else if (f.isDecoded(body))
        add({
          id: 'php-decode-exec',
          category: 'backdoor',
          weight: 15,
          line,
          description: `Decoded text is run as PHP by ${fn}().`,
        });
      else if (alias !== null)
        add({
          id: 'php-eval-alias',
          category: 'backdoor',
          weight: 10,
          line,
          evidence: `create_function(…, ${alias}(…))`,
          description: `Creates a function that runs its own argument through ${alias}(): that sink under another name.`,
        });
      else if (fn === 'assert' && body !== null && f.fold(body) === null && body.kind !== 'bin' && body.kind !== 'call')
        add({
          id: 'php-assert-dynamic',
          category: 'obfuscation',
          weight: 3,
          line,
          description: 'assert() of a variable.',
        });
      else {
        // code known here (`create_function('', 'ev'.'al'.'($_'.'GET…')`): judged by what it
        // does, as eval's literal text is, since it runs the same way
        const code = body === null || depth >= maxLayers ? null : f.fold(body);
        const inner = code === null || code.length > 1_000_000 ? null : maliciousCode(`<?php ${code}`, depth);
        for (const sig of inner ?? []) add({ ...sig, line });
      }
    } else if (shellSinks.has(fn)) {
      if (args.some((a) => f.isTainted(a, 0, true)))
        add({
          id: 'php-request-to-shell',
          category: 'webshell',
          weight: 20,
          line,
          description: `Request data runs as a shell command through ${fn}().`,
        });
      else if (args.length > 0 && connectionHandedOn(f, args[0] ?? null))
        add({
          id: 'php-socket-to-shell',
          category: 'webshell',
          weight: 12,
          line,
          description: `Hands this web request's own connection (the client's address and port) to a program it runs with ${fn}() — a shell on the connection (findsock).`,
        });
      else if (args.length > 0 && fromSocket(f, args[0] ?? null, 0, new Set()))
        add({
          id: 'php-socket-to-shell',
          category: 'webshell',
          weight: 15,
          line,
          description: `Runs as a shell command (${fn}) what a network connection sends — a reverse or bind shell.`,
        });
      else if (args.length > 0 && f.fromOutside(args[0] ?? null, fieldsOf(text)))
        add({
          id: 'php-shell-unknown-command',
          category: 'webshell',
          weight: 10,
          line,
          description: `Runs a shell command (${fn}) held in a variable nothing here sets: it comes from outside (register_globals, an includer).`,
        });
      else
        add({
          id: 'php-shell-call',
          category: 'webshell',
          weight: 2,
          line,
          description: `Runs shell commands (${fn}).`,
        });
    } else if (filterCalls.has(fn)) {
      // FILTER_CALLBACK runs the function named by an `options` entry on the data filtered
      const cbName = optionsCallback(f, args.slice(1));
      const data = fn === 'filter_input' || fn === 'filter_input_array' || f.isTainted(args[0] ?? null);
      if (cbName !== null && dangerousNames.has(cbName) && data)
        add({
          id: 'php-request-to-eval',
          category: 'backdoor',
          weight: 20,
          line,
          evidence: `${fn}(request data, FILTER_CALLBACK ${cbName})`,
          description: `Request data is handed to ${cbName}() as the filter callback of ${fn}().`,
        });
    } else if (callbackArg.has(fn)) {
      const idx = callbackArg.get(fn) as number;
      const cb = args[idx < 0 ? args.length + idx : idx] ?? null;
      const cbName = cb === null ? null : f.callbackName(cb);
      // ob_start's callback is handed the page's output: what the file echoes is its argument
      const rest = fn === 'ob_start' ? f.echoes : args.filter((a) => a !== cb);
      // `usort(...$_GET)`: the request spread into the arguments, its callback among them
      const spread = args.some((a) => a.kind === 'variadic' && f.isDirect(nodeAt(a, 'what')));
      if ((cb !== null && f.isDirect(cb)) || spread)
        add({
          id: 'php-request-as-function',
          category: 'backdoor',
          weight: 20,
          line,
          description: `The request names the callback ${fn}() runs.`,
        });
      else if (cbName !== null && dangerousNames.has(cbName) && rest.some((a) => f.isTainted(a)))
        add({
          id: 'php-request-to-eval',
          category: 'backdoor',
          weight: 20,
          line,
          evidence: `${fn}(${cbName}, request data)`,
          description: `Request data is handed to ${cbName}() as a callback of ${fn}().`,
        });
      else if (fn === 'ob_start' && cbName !== null && runsItsArgument(cbName))
        add({
          id: 'php-output-to-eval',
          category: 'backdoor',
          weight: 15,
          line,
          evidence: `ob_start(${cbName})`,
          description: `The page's output is handed to ${cbName}() as ob_start()'s callback: whatever the page prints runs.`,
        });
      else if (cbName !== null && dangerousNames.has(cbName) && f.isAssembled(cb))
        add({
          id: 'php-hidden-callee',
          category: 'obfuscation',
          weight: 12,
          line,
          description: `Hands ${cbName}() to ${fn}() under a name assembled from pieces.`,
        });
      else if (
        cbName !== null &&
        (codeSinks.has(cbName) || shellSinks.has(cbName)) &&
        rest.some((a) => f.fold(a) === null && a.kind !== 'array')
      )
        add({
          id: 'php-callback-to-code-sink',
          category: 'backdoor',
          weight: codeSinks.has(cbName) ? 10 : 8,
          line,
          evidence: `${fn}(${cbName}, …)`,
          description: `Hands text known only at run time to ${cbName}() as a callback of ${fn}().`,
        });
      else if (cb !== null && (cbName === undefined || cbName === null) && f.isScrambled(cb))
        add({
          id: 'php-scrambled-callee',
          category: 'obfuscation',
          weight: rest.some((a) => f.isTainted(a)) ? 15 : 8,
          line,
          description: `Hands ${fn}() a callback whose name is scrambled (bitwise operators, character codes, encoded text).`,
        });
    } else if (fn === 'preg_replace' || fn === 'mb_ereg_replace' || fn === 'mb_eregi_replace' || fn === 'preg_filter') {
      const pat = f.fold(args[0] ?? null);
      // (mb_ereg_replace takes its options, /e among them, apart from the pattern)
      const mb = fn === 'mb_ereg_replace' || fn === 'mb_eregi_replace';
      const eflag = mb
        ? /e/.test(f.fold(args[3] ?? null) ?? '')
        : pat !== null
          ? /^\s*([^\w\s\\])[\s\S]*\1[a-zA-Z]*e[a-zA-Z]*\s*$/.test(pat)
          : partialEFlag(f.headOf(args[0] ?? null), f.tail(args[0] ?? null));
      if (!eflag && !mb && f.isDirect(args[0] ?? null))
        // the request chooses the pattern, and with it the /e modifier
        add({
          id: 'php-preg-eval',
          category: 'backdoor',
          weight: f.isTainted(args[1] ?? null) || f.isDecoded(args[1] ?? null) ? 20 : 10,
          line,
          description: `The request chooses the pattern of ${fn}(), /e modifier and all, which runs the replacement as PHP.`,
        });
      else if (eflag)
        add({
          id: 'php-preg-eval',
          category: 'backdoor',
          weight: anyTainted || f.isDecoded(args[1] ?? null) ? 20 : 12,
          line,
          description: `${fn}() with the /e modifier runs the replacement as PHP.`,
        });
    } else if (fn === 'move_uploaded_file' || fn === 'copy') {
      const dest = args[1] ?? null;
      const destName = f.fold(dest);
      if (fn === 'move_uploaded_file' && destName !== null && /\.(?:php\d?|phtml|phar|pht|inc)$/i.test(destName))
        add({
          id: 'php-upload-as-php',
          category: 'upload',
          weight: 15,
          line,
          evidence: clip(destName),
          description: 'Saves an uploaded file as a PHP script, so whatever is uploaded runs.',
        });
      else if (f.isTainted(dest))
        add({
          id: 'php-upload-any-name',
          category: 'upload',
          weight: uploadChecked(text) ? 5 : 12,
          line,
          description: 'Saves an uploaded file under a name the request chooses, with no check of its type.',
        });
    } else if (/^(?:mysqli?_query|mysql_db_query|mysqli_multi_query|pg_query|mssql_query|sqlite_query)$/.test(fn)) {
      const sql = fn === 'mysqli_query' || fn === 'mysqli_multi_query' || fn === 'mysql_db_query' ? args[1] : args[0];
      if (f.startsTainted(sql ?? null))
        add({
          id: 'php-request-sql',
          category: 'webshell',
          weight: 10,
          line,
          description: `Runs SQL that the request sends, whole (${fn}) — a database console.`,
        });
    } else if (dbLogins.has(fn)) {
      if (args.some((a) => f.isDirect(a)))
        add({
          id: 'php-request-db-login',
          category: 'webshell',
          weight: 8,
          line,
          description: `Logs in to a database (${fn}) with a host and credentials from the request — a database console.`,
        });
    } else if (fileReads.has(fn) || fileDeletes.has(fn)) {
      // Opening an address is a request to another host: what its query carries is sent out.
      if ((fn === 'file_get_contents' || fn === 'fopen') && f.isAddress(args[0] ?? null)) sentOut(fn, args, line);
      if (f.startsTainted(args[0] ?? null) && !/^php:\/\/input/i.test(f.fold(args[0] ?? null) ?? ''))
        add({
          id: fileReads.has(fn) ? 'php-request-file-read' : 'php-request-file-delete',
          category: 'webshell',
          weight: fileReads.has(fn) ? 8 : 6,
          line,
          description: `${fileReads.has(fn) ? 'Reads' : 'Deletes'} any file the request names (${fn}) — a file manager's power.`,
        });
    } else if (fileWrites.has(fn)) {
      const data = fn === 'error_log' ? (args[0] ?? null) : (args[1] ?? null);
      // Where the data goes: file_put_contents names the file, fwrite/fputs its handle.
      const handle = fn === 'fwrite' || fn === 'fputs' ? f.handleOf(args[0] ?? null) : null;
      const dest = fn === 'file_put_contents' ? (args[0] ?? null) : (handle?.path ?? null);
      const destName = f.tail(dest);
      // Decoded code written into a file it read first (`file_put_contents($f, $code . $buf)` with
      // `$buf = file_get_contents($f)`): an infector that prepends itself to the shop's scripts.
      if (dest !== null && data !== null && f.isDecoded(data) && (readsBack(f, dest, data) || isCodeName(destName)))
        add({
          id: 'php-code-injector',
          category: 'backdoor',
          weight: readsBack(f, dest, data) ? 14 : 8,
          line,
          evidence: clip(excerptAt(text, line)),
          description:
            'Writes decoded code into a PHP file (added to what the file held) — how infectors spread through a shop.',
        });
      // Code written out whole (a literal holding `<?php`), judged by what it does: a dropper of
      // a web shell; an installer's configuration file does nothing worth a signal.
      const written = data === null || depth >= maxLayers ? null : f.fold(data);
      if (written !== null && written.length < 1_000_000 && phpOpenTag.test(written)) {
        const dropped = maliciousCode(written, depth);
        if (dropped !== null)
          add({
            id: 'php-writes-malicious-code',
            category: 'upload',
            weight: 15,
            line,
            evidence: clip(`${dropped[0]?.id ?? ''}: ${excerptAt(text, line)}`),
            description: `Writes out PHP code that is itself malicious (${dropped.map((sig) => sig.id).join(', ')}).`,
          });
      }
      if (dest !== null && data !== null && f.isRemote(data) && (f.isTainted(dest) || isCodeName(destName)))
        add({
          id: 'php-remote-code-dropper',
          category: 'upload',
          weight: 15,
          line,
          evidence: clip(excerptAt(text, line)),
          description: 'Downloads text from another host and saves it as a PHP script (a dropper).',
        });
      if (dest !== null && data !== null && f.isTainted(data) && destName !== null && isDataName(destName))
        add({
          id: 'php-request-to-data-file',
          category: 'skimmer',
          weight: 15,
          line,
          evidence: clip(destName),
          description:
            'Writes request data into a file named like an image or a style sheet — where loggers hide what they steal.',
        });
      if (handle !== null && f.startsTainted(handle.path) && f.isTainted(data) && /^[wax]/.test(handle.mode ?? 'w'))
        add({
          id: 'php-request-writes-file',
          category: 'upload',
          weight: 14,
          line,
          description: 'The request chooses both a file name and its content (a file dropper).',
        });
      if (data !== null && !wholeRequest(f, data, 0) && carriesCard(f, data, 0))
        add({
          id: 'php-card-data-sent-out',
          category: 'skimmer',
          weight: 15,
          line,
          description: 'Writes payment card data (card number, CVV, expiry) to a file — a server-side card logger.',
        });
      // A logger appends each login to its file; installers write a password they were given
      // into a configuration file whole.
      const appends =
        fn === 'file_put_contents' ? /FILE_APPEND/.test(excerptAt(text, line)) : /^a/.test(handle?.mode ?? '');
      if (data !== null && appends) credentialsOut(fn, [data], line);
      if (data !== null && wholeRequest(f, data, 0))
        add({
          id: 'php-request-logger',
          category: 'skimmer',
          weight: 15,
          line,
          description:
            'Writes the request’s form data (or payment fields) to a file — how card loggers keep what they steal.',
        });
      const target = fn === 'file_put_contents' ? (args[0] ?? null) : null;
      if (target !== null && f.isTainted(target) && f.isTainted(data))
        add({
          id: 'php-request-writes-file',
          category: 'upload',
          weight: 14,
          line,
          description: 'The request chooses both a file name and its content (a file dropper).',
        });
    } else if (
      fn === 'mail' &&
      [args[0]].some((a) => f.isDirect(a ?? null) || f.fromOutside(a ?? null, fieldsOf(text))) &&
      [args[1], args[2], args[3]].some((a) => f.isDirect(a ?? null) || f.fromOutside(a ?? null, fieldsOf(text)))
    ) {
      add({
        id: 'php-request-mailer',
        category: 'webshell',
        weight: 12,
        line,
        description: 'Sends mail to recipients and with content that the request chooses — a spam mailer.',
      });
    } else if (
      fn === 'mail' &&
      f.isTainted(args[0] ?? null) &&
      [args[1], args[2], args[3]].some((a) => f.isTainted(a ?? null)) &&
      /\b(?:split|explode|preg_split|file)\s*\(/i.test(text)
    ) {
      // The recipients are the lines of a list the request sends (split, then each one mailed)
      // and so is the message: a bulk mailer, whatever it does to the text on the way.
      add({
        id: 'php-request-mailer',
        category: 'webshell',
        weight: 10,
        line,
        description:
          'Sends mail to a list of recipients and with content that the request chooses — a bulk spam mailer.',
      });
    } else if (fn === 'mail' && args.some((a) => carriesPassword(f, a, 0))) {
      credentialsOut(fn, args, line);
    } else if (fn === 'mail' && args.some((a) => carriesCard(f, a, 0))) {
      add({
        id: 'php-card-data-sent-out',
        category: 'skimmer',
        weight: 15,
        line,
        description: 'Mails payment card data (card number, CVV, expiry) — a server-side card skimmer.',
      });
    } else if (netSinks.has(fn) || fn === 'stream_context_create') {
      sentOut(fn, args, line);
    } else if (fn === 'unserialize' && args.some((a) => f.isTainted(a)) && f.isDecoded(args[0] ?? null))
      add({
        id: 'php-request-unserialize',
        category: 'backdoor',
        weight: 8,
        line,
        description: 'Unserialises decoded request data (object injection).',
      });
  }

  // Decoded text printed whole that is itself malicious PHP: a payload served for other
  // infected sites to fetch and run (`echo gzinflate(base64_decode(…))`).
  for (const out of f.echoes.slice(0, 20)) {
    if (depth >= maxLayers || !f.isDecoded(out)) continue;
    const served = f.fold(out);
    if (served === null || served.length > 4_000_000 || !/\beval\s*\(|<\?php/i.test(served)) continue;
    const code = /<\?/.test(served) ? served : `<?php ${served}`;
    const inner = maliciousCode(code, depth);
    if (inner !== null)
      add({
        id: 'php-serves-malicious-code',
        category: 'backdoor',
        weight: 12,
        line: lineOf(out),
        evidence: clip(`${inner[0]?.id ?? ''}: ${excerptAt(text, lineOf(out))}`),
        description: `Prints decoded PHP code that is itself malicious (${inner
          .slice(0, 4)
          .map((sig) => sig.id)
          .join(', ')}) — a payload served to other infected sites.`,
      });
  }
  for (const rhs of f.appends.get('_SESSION') ?? [])
    if (f.isDirect(rhs) && f.isDecoded(rhs))
      add({
        id: 'php-request-payload-to-session',
        category: 'backdoor',
        weight: 10,
        line: lineOf(rhs),
        description: 'Decodes request data into the session, where another piece of code picks it up to run.',
      });
  if (f.globalTaint)
    add({
      id: 'php-request-variables',
      category: 'obfuscation',
      weight: 4,
      line: 1,
      description: 'Turns request fields into variables (extract, $$name).',
    });
  if (f.gotos >= 20)
    add({
      id: 'php-goto-maze',
      category: 'obfuscation',
      weight: 8,
      line: 1,
      evidence: `${f.gotos} goto statements`,
      description: 'Control flow scrambled with goto, as PHP obfuscators do.',
    });
  toolFamilySignals(f, text, add);
  networkToolSignals(f, text, add);
  gadgetSignals(f, add);
  secretsDumpSignals(text, add);
  // A loader that evals its own file's tail: the program is judged by what the decoded tail
  // does. Its packing is already counted here, and the loader's next stage is an eval of text
  // computed at run time by construction: neither says more about the program.
  const payload = depth === 0 && f.evals.length > 0 ? trailerPayload(text, layers) : null;
  if (payload !== null)
    for (const sig of analysePhp(`<?php ${payload}`, depth + 1).signals)
      if (!shapeSignals.has(sig.id) && sig.id !== 'php-eval-dynamic') out.add({ ...sig, line: 1 });
  return {
    signals: shapeAloneIsOneReason(out.all()),
    parsed: true,
    readThrough,
    unpacked,
    layers: unpackedCode,
    functions: new Map([...f.functions].map(([name, fn]) => [name, { ...fn, owner: fn.owner ?? f }])),
    assigned: enclosing === undefined ? new Map() : f.foldedAssignments(enclosing.wanted),
  };
}

const selectWord = /\bselect\b/i;
/** Columns and settings that are secrets: admin password hashes, stored cards, gateway keys. */
const secretColumn =
  /\b(?:password|user_pass|cc_number_enc|cc_cid_enc|cc_number|trans_key|api_key|api_password)\b|payment\/\w+\/(?:trans_key|api_key|password|login)/i;
/** Writes to the tables where injected scripts and admin accounts live. */
const tampers =
  /\b(?:delete\s+from|update|insert\s+into|replace\s+into)\b[^;]{0,200}\b(?:core_config_data|cms_block|cms_page|admin_user|wp_users|wp_options)\b/i;
const secretTable =
  /\b(?:admin_user|wp_users|sales_flat_order_payment|sales_order_payment|sales_flat_quote_payment|core_config_data|oauth_consumer)\b/i;

/** How a reader of one kind of signal reports it (evidence defaults to the excerpt of its line). */
type AddSignal = (s: Omit<Signal, 'evidence'> & { evidence?: string }) => void;

/**
 * A stand-alone script that reads the shop's database password from its configuration file,
 * connects by itself and selects admin passwords, stored cards or gateway keys (a shop data
 * dumper), or rewrites the tables where skimmers and admin accounts live (its configuration,
 * CMS blocks, admin users). The platform reads its configuration through its own layer and never selects those
 * columns in raw SQL beside a connection of its own.
 */
function secretsDumpSignals(text: string, add: AddSignal): void {
  storedCardSignals(text, add);
  if (!shopConfigFile.test(text) || !rawConnect.test(text)) return;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && i < 20_000; i++) {
    const l = lines[i] as string;
    if (l.length > 4000) continue;
    const dumps = selectWord.test(l) && secretColumn.test(l) && secretTable.test(l);
    if (!dumps && !tampers.test(l)) continue;
    add(
      dumps
        ? {
            id: 'php-shop-secrets-dump',
            category: 'backdoor',
            weight: 15,
            line: i + 1,
            description:
              "Reads the shop's database password from its configuration file, connects by itself and selects admin passwords, stored cards or payment keys.",
          }
        : {
            id: 'php-shop-db-rewrite',
            category: 'backdoor',
            weight: 15,
            line: i + 1,
            description:
              "Reads the shop's database password from its configuration file, connects by itself and rewrites its configuration, CMS blocks or admin users (where injected scripts and admin accounts live).",
          },
    );
    return;
  }
}

/**
 * A script that boots the shop by itself (includes Mage.php, bootstrap.php, wp-load.php) and
 * asks for the stored card columns: a card dumper dropped in the docroot. The platform reads
 * those columns only inside its own payment models, which never include the bootstrap.
 */
function storedCardSignals(text: string, add: AddSignal): void {
  const anywhere = bootstrapFromAnywhere.exec(text);
  if (anywhere !== null)
    add({
      id: 'php-bootstrap-from-anywhere',
      category: 'backdoor',
      weight: 10,
      line: lineAtIndex(text, anywhere.index),
      description:
        'Boots the shop through a path that climbs more folders than any shop tree is deep: a script made to run from wherever it was dropped.',
    });
  const card = storedCard.exec(text);
  if (card === null || !shopBootstrap.test(text)) return;
  add({
    id: 'php-stored-card-dump',
    category: 'skimmer',
    weight: 15,
    line: lineAtIndex(text, card.index),
    description: 'Boots the shop by itself and reads the stored card numbers or security codes.',
  });
}

/** Signals about how code looks (packed, escaped, long lines, goto mazes), not what it does. */
const shapeSignals = new Set([
  'php-encoded-blob',
  'php-escaped-strings',
  'php-long-line',
  'php-goto-maze',
  'php-hidden-decoder',
]);

/** Functions that only decode or read data: hiding their names is a packer's shape, not an act. */
const hidesOnlyData = (name: string) =>
  /^(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|file_get_contents|fopen|fread)$/.test(
    name,
  );

/**
 * Obfuscation alone is one reason, however many forms it takes: vendors pack their licence
 * code with the same tools. The shape signals add up only beside a signal of behaviour.
 */
function shapeAloneIsOneReason(signals: Signal[]): Signal[] {
  if (signals.some((s) => !shapeSignals.has(s.id))) return signals;
  return signals.slice(0, 1);
}

/**
 * What makes a value carry a kind of data (card data, a password): its verdict on calls and
 * array lookups, and optionally on a variable by its name. The walk through variables,
 * concatenations, strings and arrays is the same for every kind (`carries`).
 */
interface Carrier {
  call(f: PhpFile, e: PNode, inner: (x: PNode) => boolean): boolean;
  offset(f: PhpFile, e: PNode): boolean;
  variable?(f: PhpFile, name: string, values: PNode[]): boolean;
}

/** Whether a value carries what `c` looks for, through variables (each followed once) and expressions. */
function carries(c: Carrier, f: PhpFile, e: PNode | null, depth: number, seen: Set<string>): boolean {
  if (e === null || depth > 10) return false;
  const d = depth + 1;
  const inner = (x: PNode | null) => carries(c, f, x, d, seen);
  switch (e.kind) {
    case 'call':
      return c.call(f, e, inner);
    case 'offsetlookup':
      return c.offset(f, e);
    case 'variable': {
      const n = strAt(e, 'name');
      if (n === null || seen.has(n)) return false;
      seen.add(n);
      const values = [...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])];
      if (c.variable?.(f, n, values)) return true;
      return values.some(inner);
    }
    case 'bin':
      return chainOperands(e).some(inner);
    case 'encapsed':
      return nodesAt(e, 'value').some((p) => inner(p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p));
    case 'array':
      return nodesAt(e, 'items').some((i) => inner(i.kind === 'entry' ? nodeAt(i, 'value') : i));
    case 'parenthesis':
    case 'silent':
    case 'cast':
      return inner(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'));
    default:
      return false;
  }
}

/** `$_SERVER` fields that say where a script sits: its path, the site's root and address. */
const locationField =
  /^(?:DOCUMENT_ROOT|SCRIPT_FILENAME|PATH_TRANSLATED|SERVER_ADDR|SCRIPT_NAME|PHP_SELF|HTTP_HOST|SERVER_NAME|REQUEST_URI)$/;

/** Collects the location fields of `$_SERVER` a value carries (through variables and concatenation). */
function serverFieldsIn(
  f: PhpFile,
  e: PNode | null,
  out: Set<string>,
  depth: number,
  seen: Set<string>,
  fields: RegExp = locationField,
): void {
  if (e === null || depth > 8 || out.size > 8) return;
  const d = depth + 1;
  switch (e.kind) {
    case 'offsetlookup': {
      const what = nodeAt(e, 'what');
      const key = f.fold(nodeAt(e, 'offset'));
      if (what !== null && variableName(what) === '_SERVER' && key !== null && fields.test(key)) out.add(key);
      return;
    }
    case 'variable': {
      const n = strAt(e, 'name');
      if (n === null || seen.has(n)) return;
      seen.add(n);
      for (const r of [...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])])
        serverFieldsIn(f, r, out, d, seen, fields);
      return;
    }
    case 'bin':
      serverFieldsIn(f, nodeAt(e, 'left'), out, d, seen, fields);
      serverFieldsIn(f, nodeAt(e, 'right'), out, d, seen, fields);
      return;
    case 'encapsed':
      for (const p of nodesAt(e, 'value'))
        serverFieldsIn(f, p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p, out, d, seen, fields);
      return;
    case 'parenthesis':
      serverFieldsIn(f, nodeAt(e, 'inner'), out, d, seen, fields);
      return;
    default:
      return;
  }
}

/**
 * Whether a value is text read from a file (`file($list)`, `file_get_contents($msg)`), through
 * variables, lookups and calls: 'remote' when the file is an address on another host.
 */
function fileSource(f: PhpFile, e: PNode | null, depth: number, seen: Set<string>): 'local' | 'remote' | null {
  if (e === null || depth > 8) return null;
  const d = depth + 1;
  const first = (xs: (PNode | null)[]) => {
    let found: 'local' | 'remote' | null = null;
    for (const x of xs) {
      const r = fileSource(f, x, d, seen);
      if (r === 'remote') return r;
      found ??= r;
    }
    return found;
  };
  switch (e.kind) {
    case 'call': {
      const fn = f.calleeName(e);
      const args = nodesAt(e, 'arguments');
      if (fn === 'file' || fn === 'file_get_contents') {
        const path = args[0] ?? null;
        if (f.isAddress(path)) return 'remote';
        const name = f.fold(path);
        return name !== null && /\.(?:txt|list|csv|html?|dat)$/i.test(name) ? 'local' : null;
      }
      return fn === null ? null : first(args);
    }
    case 'variable': {
      const n = strAt(e, 'name');
      if (n === null || seen.has(n)) return null;
      seen.add(n);
      // Its assignments, and the lists a loop takes it from (`foreach ($lines as $line)`).
      const loops = f.foreachs
        .filter((l) => {
          const v = nodeAt(l, 'value');
          return v !== null && variableName(v) === n;
        })
        .map((l) => nodeAt(l, 'source'));
      return first([...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? []), ...loops]);
    }
    case 'offsetlookup':
      return first([nodeAt(e, 'what')]);
    case 'bin':
      return first([nodeAt(e, 'left'), nodeAt(e, 'right')]);
    case 'encapsed':
      return first(nodesAt(e, 'value').map((p) => (p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p)));
    case 'parenthesis':
    case 'silent':
      return first([nodeAt(e, 'inner') ?? nodeAt(e, 'expr')]);
    default:
      return null;
  }
}

/** An element of an array nothing in the file sets (`$P['1']`), directly or as a variable's only value. */
function outsideElement(f: PhpFile, e: PNode): boolean {
  const element = (x: PNode) => {
    const base = x.kind === 'offsetlookup' ? nodeAt(x, 'what') : null;
    const name = base === null ? null : variableName(base);
    return (
      name !== null &&
      !superglobals.has(name) &&
      name !== 'this' &&
      name !== 'GLOBALS' &&
      !f.params.has(name) &&
      !f.assigns.has(name) &&
      !f.appends.has(name) &&
      !f.foreachs.some((l) => {
        const v = nodeAt(l, 'value');
        return v !== null && variableName(v) === name;
      })
    );
  };
  if (element(e)) return true;
  const n = e.kind === 'variable' ? strAt(e, 'name') : null;
  const values = n === null ? [] : [...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])];
  return n !== null && !f.params.has(n) && values.length > 0 && values.every(element);
}

/** A command that carries the client's port: the web request's own connection, handed on. */
function connectionHandedOn(f: PhpFile, e: PNode | null): boolean {
  const found = new Set<string>();
  serverFieldsIn(f, e, found, 0, new Set(), /^REMOTE_PORT$/);
  return found.size > 0;
}

/** Functions that open a network connection, and those that read what one sends. */
const socketOpeners = new Set([
  'fsockopen',
  'pfsockopen',
  'stream_socket_client',
  'stream_socket_accept',
  'socket_create',
  'socket_accept',
]);
const socketReads = new Set(['fgets', 'fread', 'fgetc', 'stream_get_line', 'stream_get_contents', 'socket_read']);

/** Whether a value is text read from a network connection the code opened (through variables and calls). */
function fromSocket(f: PhpFile, e: PNode | null, depth: number, seen: Set<string>): boolean {
  if (e === null || depth > 8) return false;
  const d = depth + 1;
  switch (e.kind) {
    case 'call': {
      const fn = f.calleeName(e);
      const args = nodesAt(e, 'arguments');
      if (fn !== null && socketReads.has(fn)) {
        const h = args[0]?.kind === 'variable' ? strAt(args[0], 'name') : null;
        return (f.assigns.get(h ?? '') ?? []).some((r) => {
          const inner = r.kind === 'silent' ? nodeAt(r, 'expr') : r;
          if (inner?.kind !== 'call') return false;
          const opener = f.calleeName(inner);
          if (opener !== null) return socketOpeners.has(opener);
          // `$f = 'stream_socket_client'; $s = $f("tcp://…")`: whichever opener the host allows.
          const what = nodeAt(inner, 'what');
          return what?.kind === 'variable' && f.literalValues(what).some((v) => socketOpeners.has(v));
        });
      }
      return args.some((a) => fromSocket(f, a, d, seen));
    }
    case 'variable': {
      const n = strAt(e, 'name');
      if (n === null || seen.has(n)) return false;
      seen.add(n);
      return [...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])].some((r) => fromSocket(f, r, d, seen));
    }
    case 'bin':
      return fromSocket(f, nodeAt(e, 'left'), d, seen) || fromSocket(f, nodeAt(e, 'right'), d, seen);
    case 'encapsed':
      return nodesAt(e, 'value').some((p) =>
        fromSocket(f, p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p, d, seen),
      );
    case 'parenthesis':
    case 'silent':
    case 'cast':
      return fromSocket(f, nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), d, seen);
    default:
      return false;
  }
}

/** Card fields read from the shop's payment objects: `$payment->getCcNumber()`, `->getCcCid()`. */
const cardGetter = /^getcc(?:number|cid|expmonth|expyear|owner|ssissue)$/i;

/** What a value carries card data by: getters on payment objects, card-named array keys. */
const cardSource: Carrier = {
  call(f, e, inner) {
    const what = nodeAt(e, 'what');
    if (what?.kind === 'propertylookup' || what?.kind === 'nullsafepropertylookup') {
      const off = nodeAt(what, 'offset');
      const name = off === null ? null : (strAt(off, 'name') ?? f.fold(off));
      if (name !== null && cardGetter.test(name)) return true;
    }
    return nodesAt(e, 'arguments').some(inner);
  },
  offset(f, e) {
    const key = f.fold(nodeAt(e, 'offset'));
    return key !== null && (cardField.test(key) || cardWord.test(key)) && key !== 'payment';
  },
};

const carriesCard = (f: PhpFile, e: PNode | null, depth: number): boolean =>
  carries(cardSource, f, e, depth, new Set());

/** Whether a call that sends data names its destination in the code itself (not from configuration). */
function fixedDestination(f: PhpFile, fn: string, args: PNode[]): boolean {
  if (fn === 'mail') return /@/.test(f.fold(args[0] ?? null) ?? '');
  if (fn === 'curl_init') return f.isAddress(args[0] ?? null);
  if (fn === 'curl_setopt') {
    // The address of the same handle: `curl_setopt($ch, CURLOPT_URL, 'http://…')` or curl_init's.
    const handle = args[0]?.kind === 'variable' ? strAt(args[0], 'name') : null;
    if (handle === null) return false;
    const urls = f.calls.flatMap((c) => {
      const a = nodesAt(c, 'arguments');
      const on = a[0]?.kind === 'variable' && strAt(a[0], 'name') === handle;
      const name = f.calleeName(c);
      const option = a[1] === undefined ? null : strAt(a[1], 'name');
      if (name === 'curl_setopt' && on && option !== null && /CURLOPT_URL$/i.test(option)) return [a[2] ?? null];
      return [];
    });
    const inits = (f.assigns.get(handle) ?? []).filter((r) => r.kind === 'call' && f.calleeName(r) === 'curl_init');
    return urls.some((u) => f.isAddress(u)) || inits.some((r) => f.isAddress(nodesAt(r, 'arguments')[0] ?? null));
  }
  // Opening an address (checked by the caller), a socket, or appending to a log file.
  return true;
}

/** The address written into the code that a call sends to (curl's handle's, an opened address); null otherwise. */
function literalDestination(f: PhpFile, fn: string, args: PNode[]): string | null {
  const address = (e: PNode | null) => (f.isAddress(e) ? f.headOf(e) : null);
  if (fn === 'file_get_contents' || fn === 'fopen' || fn === 'curl_init') return address(args[0] ?? null);
  if (fn !== 'curl_setopt') return null;
  const handle = args[0]?.kind === 'variable' ? strAt(args[0], 'name') : null;
  if (handle === null) return null;
  for (const c of f.calls) {
    const a = nodesAt(c, 'arguments');
    const on = a[0]?.kind === 'variable' && strAt(a[0], 'name') === handle;
    const option = a[1] === undefined ? null : strAt(a[1], 'name');
    if (on && f.calleeName(c) === 'curl_setopt' && option !== null && /CURLOPT_URL$/i.test(option)) {
      const to = address(a[2] ?? null);
      if (to !== null) return to;
    }
  }
  for (const r of f.assigns.get(handle) ?? []) {
    const to =
      r.kind === 'call' && f.calleeName(r) === 'curl_init' ? address(nodesAt(r, 'arguments')[0] ?? null) : null;
    if (to !== null) return to;
  }
  return null;
}

/** A login form's password field, a login function's password parameter, or a fragment's unset `$password`. */
const passwordName = /^(?:pass(?:word|wd)?|pwd|user_?pass(?:word)?)$/i;
/** Framework calls that hand back request fields (`$this->getRequest()->getPost('login')`). */
const requestGetter = /^get(?:post|param|params|postvalue|query)$/i;

/** What a value carries a login's password by: request fields named so, a login function's parameter. */
const passwordSource: Carrier = {
  call(f, e, inner) {
    const fn = f.calleeName(e);
    return fn !== null && serialisers.has(fn) && nodesAt(e, 'arguments').some(inner);
  },
  offset(f, e) {
    const key = f.fold(nodeAt(e, 'offset'));
    if (key === null || !passwordName.test(key)) return false;
    const what = nodeAt(e, 'what');
    if (what === null) return false;
    if (f.isTainted(what)) return true;
    // `$login = $this->getRequest()->getPost('login'); … $login['password']`
    const n = what.kind === 'variable' ? strAt(what, 'name') : null;
    return (f.assigns.get(n ?? '') ?? []).some((r) => {
      if (r.kind !== 'call') return false;
      const off = nodeAt(nodeAt(r, 'what') ?? r, 'offset');
      const name = off === null ? null : strAt(off, 'name');
      return name !== null && requestGetter.test(name);
    });
  },
  // A password parameter of a login function, or one a fragment uses but never sets (code
  // pasted into a login handler).
  variable: (f, n, values) =>
    passwordName.test(n) && (f.loginParams.has(n) || (values.length === 0 && !f.params.has(n))),
};

const carriesPassword = (f: PhpFile, e: PNode | null, depth: number): boolean =>
  carries(passwordSource, f, e, depth, new Set());

const wholeRequestOf = (f: PhpFile, e: PNode | null, depth: number, seen: Set<string>, deep: boolean): boolean =>
  e !== null && wholeRequest(f, e, depth, seen, deep);

/**
 * The whole request (or card fields) as data: `$_POST`, serialize($_POST), $_POST['payment']...
 * `deep`: also through the loops that copy it field by field, the parameters of the file's
 * functions and methods it is passed to, and the object's properties (`$this->data[$k] = $v`).
 */
function wholeRequest(f: PhpFile, e: PNode, depth: number, seen = new Set<string>(), deep = false): boolean {
  if (depth > 12) return false;
  const next = (x: PNode | null) => wholeRequestOf(f, x, depth + 1, seen, deep);
  const named = (n: string) => {
    // Each variable is followed once per question (the first way to it is as good as any).
    if (seen.has(n)) return false;
    seen.add(n);
    if ([...(f.assigns.get(n) ?? []), ...(f.appends.get(n) ?? [])].some(next)) return true;
    if (!deep) return false;
    const bound = (x: PNode | null) => x !== null && (variableName(x) ?? thisProperty(x)) === n;
    return (
      f.foreachs.some((l) => (bound(nodeAt(l, 'key')) || bound(nodeAt(l, 'value'))) && next(nodeAt(l, 'source'))) ||
      (f.params.has(n) && f.argumentsFor(n).some(next))
    );
  };
  if (e.kind === 'variable') {
    const n = strAt(e, 'name');
    if (n === '_POST' || n === '_REQUEST' || n === '_GET') return true;
    return n !== null && named(n);
  }
  if (e.kind === 'propertylookup') {
    const key = deep ? thisProperty(e) : null;
    return key !== null && named(key);
  }
  if (e.kind === 'offsetlookup') {
    const key = f.fold(nodeAt(e, 'offset'));
    if (key !== null && (cardField.test(key) || cardWord.test(key)) && f.isTainted(e)) return true;
    return key === null && next(nodeAt(e, 'what'));
  }
  if (e.kind === 'call') {
    const fn = f.calleeName(e);
    // Serialised, encoded, or flattened by a function of the file (`implode_all($_POST)`).
    if (fn !== null && (serialisers.has(fn) || decoders.has(fn) || f.functions.has(fn)))
      return nodesAt(e, 'arguments').some(next);
    return false;
  }
  if (e.kind === 'array') return nodesAt(e, 'items').some((i) => next(i.kind === 'entry' ? nodeAt(i, 'value') : i));
  if (e.kind === 'bin' || e.kind === 'encapsed') {
    const parts = e.kind === 'bin' ? [nodeAt(e, 'left'), nodeAt(e, 'right')] : nodesAt(e, 'value');
    return parts.some((p) => next(p?.kind === 'encapsedpart' ? nodeAt(p, 'expression') : (p ?? null)));
  }
  if (e.kind === 'parenthesis' || e.kind === 'silent') return next(nodeAt(e, 'inner') ?? nodeAt(e, 'expr'));
  return false;
}

/** Configuration files of shop and CMS platforms, which hold database passwords. */
const siteConfigName =
  /(?:^|\/)(?:wp-config\.php|configuration\.php|local\.xml|env\.php|settings\.php|config\.inc\.php|conf_global\.php|config\.php)$/i;

/** File functions whose path a register_globals file manager takes from its own form. */
const formFileSinks = new Set([
  'unlink',
  'rmdir',
  'fopen',
  'file_put_contents',
  'copy',
  'rename',
  'move_uploaded_file',
  'readfile',
  'file_get_contents',
  'file',
]);

/** A path with a piece that is a variable nothing sets, named like a field of the file's own forms. */
function formField(f: PhpFile, e: PNode | null, fields: ReadonlySet<string>, depth = 0): boolean {
  if (e === null || depth > 6) return false;
  if (e.kind === 'variable') {
    const n = strAt(e, 'name');
    return n !== null && fields.has(n) && f.isUnassigned(e);
  }
  if (e.kind === 'bin')
    return formField(f, nodeAt(e, 'left'), fields, depth + 1) || formField(f, nodeAt(e, 'right'), fields, depth + 1);
  if (e.kind === 'encapsed')
    return nodesAt(e, 'value').some((p) =>
      formField(f, p.kind === 'encapsedpart' ? nodeAt(p, 'expression') : p, fields, depth + 1),
    );
  if (e.kind === 'parenthesis' || e.kind === 'silent')
    return formField(f, nodeAt(e, 'inner') ?? nodeAt(e, 'expr'), fields, depth + 1);
  return false;
}

/** Names of the request fields a file's own forms and links send (`name="cmd"`, `?dir=`). */
const fieldsMemo = new Map<string, Set<string>>();
function fieldsOf(text: string): Set<string> {
  const known = fieldsMemo.get(text);
  if (known !== undefined) return known;
  const out = new Set<string>();
  const re = /\bname\s*=\s*\\?["']?([A-Za-z_]\w{0,40})|[?&]([A-Za-z_]\w{0,40})=/g;
  for (let m = re.exec(text); m !== null && out.size < 500; m = re.exec(text)) out.add((m[1] ?? m[2]) as string);
  fieldsMemo.clear();
  fieldsMemo.set(text, out);
  return out;
}

/** The operands of a concatenation (`"<script>" . $js . "</script>"`), in order. */
function concatenationPieces(e: PNode): PNode[] {
  const out: PNode[] = [];
  const stack: PNode[] = [e];
  while (stack.length > 0 && out.length < 200) {
    const n = stack.pop() as PNode;
    if (n.kind === 'bin' && strAt(n, 'type') === '.') {
      const r = nodeAt(n, 'right');
      const l = nodeAt(n, 'left');
      if (r !== null) stack.push(r);
      if (l !== null) stack.push(l);
    } else if (n.kind === 'encapsed')
      for (const p of nodesAt(n, 'value')) out.push(p.kind === 'encapsedpart' ? (nodeAt(p, 'expression') ?? p) : p);
    else out.push(n);
  }
  return out;
}

/** A file name that a web server runs as PHP. */
/** A time read from another file: `filemtime($g)`, or a variable given only that. */
function fromFilemtime(f: PhpFile, e: PNode): boolean {
  const isCall = (x: PNode) => x.kind === 'call' && f.calleeName(x) === 'filemtime';
  if (isCall(e)) return true;
  const list = e.kind === 'variable' ? f.assigns.get(strAt(e, 'name') ?? '') : undefined;
  return list !== undefined && list.length > 0 && list.every(isCall);
}

/** Whether written data holds what was read from the same path (`$buf = file_get_contents($k); … $code . $buf`). */
function readsBack(f: PhpFile, dest: PNode, data: PNode): boolean {
  const path = dest.kind === 'variable' ? strAt(dest, 'name') : null;
  if (path === null) return false;
  const readsPath = (r: PNode) =>
    r.kind === 'call' &&
    f.calleeName(r) === 'file_get_contents' &&
    nodesAt(r, 'arguments')[0]?.kind === 'variable' &&
    strAt(nodesAt(r, 'arguments')[0] as PNode, 'name') === path;
  return concatenationPieces(data).some(
    (p) => p.kind === 'variable' && (f.assigns.get(strAt(p, 'name') ?? '') ?? []).some(readsPath),
  );
}

function isCodeName(name: string | null): boolean {
  return name !== null && /\.(?:php\d?|phtml|phar|pht|inc)\s*$/i.test(name);
}

/** A file name for inert data that no program of the shop writes request data into. */
function isDataName(name: string): boolean {
  return /\.(?:jpe?g|png|gif|ico|bmp|webp)\s*$/i.test(name);
}

function uploadChecked(text: string): boolean {
  return /\b(?:pathinfo|getimagesize|finfo_\w+|mime_content_type)\s*\(|in_array\s*\(\s*(?:strtolower\s*\()?\$\w*(?:ext|type)|preg_match\s*\(\s*['"][^'"]*\\\.(?:jpe?g|png|gif)/i.test(
    text,
  );
}

/** Web-shell tool families by what they can do, not by name: file manager, SQL console, server recon. */
function toolFamilySignals(f: PhpFile, text: string, add: AddSignal): void {
  const names = new Set<string>();
  for (const c of f.calls) {
    const n = f.calleeName(c);
    if (n !== null) names.add(n);
  }
  const has = (...xs: string[]) => xs.some((x) => names.has(x));
  const features: string[] = [];
  if (has('opendir', 'scandir', 'readdir', 'glob') && has('unlink', 'rmdir', 'rename')) features.push('file manager');
  if (has('move_uploaded_file')) features.push('upload');
  if (has(...shellSinks) || f.shells.length > 0) features.push('shell');
  if (has('chmod', 'chown', 'touch')) features.push('permissions');
  if (has('mysql_connect', 'mysqli_connect', 'pg_connect') || /new\s+(?:mysqli|PDO)\s*\(/i.test(text))
    features.push('database');
  if (has('php_uname', 'posix_getpwuid', 'posix_getuid', 'getmyuid', 'disk_free_space', 'phpversion'))
    features.push('server recon');
  if (/disable_functions|safe_mode|open_basedir/i.test(text)) features.push('restriction probing');
  if (has('fsockopen', 'socket_create', 'stream_socket_server') && has('proc_open', 'popen', 'shell_exec', 'system'))
    features.push('back-connect');
  if (
    has('fsockopen', 'socket_create', 'stream_socket_client', 'socket_connect') &&
    has('proc_open', 'popen') &&
    /\/bin\/(?:ba|z|k)?sh\b|cmd\.exe|\bsh\s+-i\b/i.test(text)
  )
    add({
      id: 'php-reverse-shell',
      category: 'webshell',
      weight: 15,
      line: 1,
      description: 'Connects out to a host and wires a shell to the connection (a reverse shell).',
    });
  const request = /\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$HTTP_(?:GET|POST|COOKIE)_VARS\b/.test(text);
  // An IRC bot: it joins a channel and takes its orders there (commands for a shell among them).
  if (
    has('fsockopen', 'pfsockopen', 'stream_socket_client', 'socket_connect') &&
    (has(...shellSinks) || f.shells.length > 0) &&
    /['"]PRIVMSG\b/.test(text) &&
    /['"]JOIN\s/.test(text) &&
    /['"]NICK\s/.test(text)
  )
    add({
      id: 'php-irc-bot',
      category: 'backdoor',
      weight: 12,
      line: 1,
      description:
        'An IRC bot: connects to a chat server, joins a channel and runs the shell commands it is sent there.',
    });
  if (request && features.length >= 4 && (features.includes('shell') || features.includes('back-connect')))
    add({
      id: 'php-webshell-toolkit',
      category: 'webshell',
      weight: 6 + 2 * features.length,
      line: 1,
      evidence: features.join(', '),
      description: `A web-driven toolkit: ${features.join(', ')} — what web shells offer their operator.`,
    });
  // The server's other accounts: user names read from /etc/passwd made into their home folders
  // (to search their sites' configuration files for passwords), or every session file in the
  // server's temporary folder read out (other sites' logged-in sessions).
  const passwd = passwdFile.exec(text);
  if (passwd !== null && otherHomes.test(text))
    add({
      id: 'php-other-accounts-harvest',
      category: 'webshell',
      weight: 12,
      line: lineAtIndex(text, passwd.index),
      description:
        "Reads the server's user list (/etc/passwd) and walks the users' home folders — how shells harvest other sites' configuration files.",
    });
  const sessions = sessionFiles.exec(text);
  if (
    sessions !== null &&
    has('opendir', 'readdir', 'scandir', 'glob') &&
    has('fopen', 'file_get_contents', 'file', 'readfile')
  )
    add({
      id: 'php-other-accounts-harvest',
      category: 'webshell',
      weight: 10,
      line: lineAtIndex(text, sessions.index),
      description: "Lists and reads the server's session files (sess_…) — other visitors' and other sites' sessions.",
    });
  // Injected code that hides from the shop's staff: a visit to the admin pages marks the browser
  // with a cookie (then the injection is never shown to it); and its commands and content come
  // from hosts named by bare IP addresses. Either alone is weak; cloaking kits do both.
  const adminVisit = adminPathTest.exec(text);
  if (adminVisit !== null && has('setcookie'))
    add({
      id: 'php-hides-from-admins',
      category: 'injection',
      weight: 5,
      line: lineAtIndex(text, adminVisit.index),
      description:
        'Marks the browsers that open the admin pages with a cookie — how injected code hides from the staff.',
    });
  const ipHosts = new Set([...text.matchAll(bareIpUrl)].map((m) => m[1]));
  if (ipHosts.size >= 2)
    add({
      id: 'php-bare-ip-endpoints',
      category: 'injection',
      weight: 6,
      line: 1,
      evidence: [...ipHosts].slice(0, 3).join(', '),
      description: 'Talks to several hosts named by bare IP addresses (a command server and its spares).',
    });
  // Any database admin tool by what it does: its own connection, driven by the request, that
  // lists every database on the server (the platforms talk to their one database only).
  const listsDatabases = features.includes('database') && (/\bshow\s+databases\b/i.test(text) || has('mysql_list_dbs'));
  if ((dbAdminTool.test(text) || listsDatabases) && request)
    add({
      id: 'php-db-admin-tool',
      category: 'webshell',
      weight: 12,
      line: 1,
      description:
        'A database admin tool (Adminer or similar) in the site: it lets anyone with the URL at the shop’s data.',
    });
}

/**
 * Where each socket call takes its address and port: connections out (`connect`) and servers
 * that listen (`listen`), by argument position.
 */
const socketEnds = new Map<string, { role: 'connect' | 'listen'; at: readonly number[] }>([
  ['fsockopen', { role: 'connect', at: [0, 1] }],
  ['pfsockopen', { role: 'connect', at: [0, 1] }],
  ['stream_socket_client', { role: 'connect', at: [0] }],
  ['socket_connect', { role: 'connect', at: [1, 2] }],
  ['socket_bind', { role: 'listen', at: [1, 2] }],
  ['stream_socket_server', { role: 'listen', at: [0] }],
  ['socket_create_listen', { role: 'listen', at: [0] }],
  // (listens on the address socket_bind gave it: no address of its own)
  ['socket_listen', { role: 'listen', at: [] }],
]);

/** A plain variable's name, or null. */
const plainVariable = (e: PNode | null): string | null => (e?.kind === 'variable' ? strAt(e, 'name') : null);

/** Whether the code steps a variable through values: `$p++`, `++$p`, `$p += …`, or `foreach (… as $p)`. */
function steppedVariable(f: PhpFile, text: string, name: string): boolean {
  const v = name.replace(/[^\w\x80-\xff]/g, '');
  if (v !== name || v === '') return false;
  if (new RegExp(`\\$${v}\\s*(?:\\+\\+|--|\\+=)|(?:\\+\\+|--)\\s*\\$${v}\\b`).test(text)) return true;
  return f.foreachs.some((fe) => plainVariable(nodeAt(fe, 'value')) === name);
}

/**
 * Network tools a visitor drives: connections to a host or port the request names (port
 * scanners, relays, back-connects), a sweep over ports or hosts, a server listening where the
 * request says (bind shells, sniffers), a proxy connecting wherever its client asks (SOCKS).
 * Vendors' HTTP and FTP clients take their hosts from configuration: each alone stays weak but a
 * listening port the request picks, and they add up. (Mailers the request drives are read where
 * mail's other flows are.)
 */
function networkToolSignals(f: PhpFile, text: string, add: AddSignal): void {
  directMailSignals(f, text, add);
  folderReconSignals(f, add);
  for (const c of f.calls) {
    const fn = f.calleeName(c);
    if (fn === null) continue;
    const args = nodesAt(c, 'arguments');
    const line = lineOf(c);
    const ends = socketEnds.get(fn);
    if (ends === undefined) continue;
    const ep = ends.at.map((i) => args[i] ?? null);
    if (ends.role === 'listen') {
      add({
        id: 'php-socket-server',
        category: 'webshell',
        weight: 4,
        line,
        description: `Runs a network server from a web script (${fn}).`,
      });
      if (ep.some((a) => f.isTainted(a)))
        add({
          id: 'php-request-listen',
          category: 'webshell',
          weight: 12,
          line,
          description: `Listens on an address or port the request names (${fn}) — a bind shell, proxy or sniffer for whoever has the page.`,
        });
      continue;
    }
    if (ep.some((a) => f.isTainted(a)))
      add({
        id: 'php-request-socket',
        category: 'webshell',
        weight: 6,
        line,
        description: `Connects to a host or port the request names (${fn}) — a port scanner, relay or back-connect.`,
      });
    if (ep.some((a) => fromSocket(f, a, 0, new Set())))
      add({
        id: 'php-socket-relay',
        category: 'webshell',
        weight: 6,
        line,
        description: `Connects wherever a network client it serves asks (${fn}) — a proxy (SOCKS) for whoever reaches it.`,
      });
    const stepped = ep.map(plainVariable).find((n) => n !== null && steppedVariable(f, text, n));
    if (stepped !== undefined)
      add({
        id: 'php-socket-sweep',
        category: 'webshell',
        weight: 4,
        line,
        evidence: clip(`$${stepped}: ${excerptAt(text, line)}`),
        description: `Connects to one port or host after another (${fn} in a loop over $${stepped}) — a port scanner.`,
      });
  }
}

/**
 * Whether a path starts with request data: as written, or through a parameter whose callers
 * pass such a path (`listDir($_GET['dir'])`). Not through other variables: the analysis is
 * flow-insensitive, and a big file reuses a name (`$directory`) for unrelated paths.
 */
function pathFromRequest(f: PhpFile, e: PNode | null, depth = 0): boolean {
  if (e === null || depth > 3) return false;
  if (f.startsTainted(e)) return true;
  const name = plainVariable(e);
  if (name === null || (f.assigns.get(name) ?? []).length > 0) return false;
  return f.argumentsFor(name).some((v) => v !== e && pathFromRequest(f, v, depth + 1));
}

const folderListers = new Set(['opendir', 'scandir', 'glob', 'dir']);

/** Methods PHP calls on its own when an object is unserialised, freed, printed or asked for a member. */
const magicMethods = new Set(['__destruct', '__wakeup', '__unserialize', '__tostring', '__call', '__get', '__invoke']);

/**
 * An object-injection gadget: a magic method that runs one of the object's own properties as code
 * or a command (`function __destruct() { eval($this->data); }`). Whoever writes the serialised
 * object sets the property; with request data unserialised in the same file it is a back door.
 */
function gadgetSignals(f: PhpFile, add: AddSignal): void {
  if (f.methodNodes.size === 0) return;
  const ownProperty = (x: PNode | null) => x !== null && thisProperty(x) !== null;
  const injected = f.calls.some(
    (c) => f.calleeName(c) === 'unserialize' && nodesAt(c, 'arguments').some((a) => f.isTainted(a)),
  );
  for (const [name, m] of f.methodNodes) {
    if (!magicMethods.has(name)) continue;
    const at = f.sinkTaking(m, ownProperty, 2000);
    if (at === null) continue;
    add({
      id: injected ? 'php-object-injection' : 'php-magic-method-exec',
      category: 'backdoor',
      weight: injected ? 20 : 6,
      line: lineOf(at),
      description: injected
        ? `Unserialises request data, and ${name}() runs a property of the object as code: the request writes the code.`
        : `${name}() runs a property of the object as code or a command (an object-injection gadget).`,
    });
    return;
  }
}

/**
 * Any folder the request names listed (its path starts with request data: no fixed folder in
 * front), and its entries tested for write access: a file browser for whoever has the page, and
 * the recon tool that finds where on the server files can be dropped.
 */
function folderReconSignals(f: PhpFile, add: AddSignal): void {
  let listed: PNode | null = null;
  let writable = false;
  for (const c of f.calls) {
    const fn = f.calleeName(c);
    if (fn === 'is_writable' || fn === 'is_writeable') writable = true;
    else if (
      listed === null &&
      fn !== null &&
      folderListers.has(fn) &&
      pathFromRequest(f, nodesAt(c, 'arguments')[0] ?? null)
    )
      listed = c;
  }
  if (listed === null) return;
  add({
    id: 'php-request-folder-listing',
    category: 'webshell',
    weight: 6,
    line: lineOf(listed),
    description:
      'Lists any folder the request names (its path starts with request data) — a file browser for whoever has the page.',
  });
  if (writable)
    add({
      id: 'php-writable-recon',
      category: 'webshell',
      weight: 4,
      line: lineOf(listed),
      description:
        'Tests the folders it lists for write access — how an intruder finds where on the server to drop files.',
    });
}

const socketWrites = new Set(['fputs', 'fwrite', 'socket_write', 'socket_send', 'stream_socket_sendto']);

/**
 * Mail delivered by the code itself to each recipient's own mail server: it looks the domain's
 * mail exchangers up (getmxrr) and speaks SMTP to them (`RCPT TO`) over a socket of its own —
 * a spam sender or an address harvester's verifier; the platforms hand mail to a configured
 * relay instead. Stronger when what it writes to the socket is the request's (its recipients).
 */
function directMailSignals(f: PhpFile, text: string, add: AddSignal): void {
  if (!mxLookup.test(text) || !/RCPT\s+TO\s*:/i.test(text)) return;
  let lookup: PNode | null = null;
  let opens = false;
  let fromRequest = false;
  for (const c of f.calls) {
    const fn = f.calleeName(c);
    if (fn === 'getmxrr') lookup ??= c;
    else if (fn !== null && socketEnds.get(fn)?.role === 'connect') opens = true;
    else if (
      fn !== null &&
      socketWrites.has(fn) &&
      nodesAt(c, 'arguments')
        .slice(1)
        .some((a) => f.isTainted(a))
    )
      fromRequest = true;
  }
  if (lookup === null || !opens) return;
  add({
    id: 'php-direct-mx-mailer',
    category: 'webshell',
    weight: fromRequest ? 10 : 6,
    line: lineOf(lookup),
    description: fromRequest
      ? "Speaks SMTP itself to each recipient's mail server (getmxrr, RCPT TO) with what the request sends — a spam mailer or address verifier."
      : "Speaks SMTP itself to each recipient's mail server (getmxrr, RCPT TO) instead of the site's mail relay.",
  });
}

/**
 * Code written without letters: every variable named with underscores (`$_`, `$__`), names built
 * by incrementing strings or by bitwise operators on punctuation, then a variable called. Only
 * a shell hiding every function name writes PHP so; read outside strings and comments.
 */
function letterlessSignals(text: string, add: AddSignal): void {
  if (text.length > 200_000 || !/\$_+\s*\(/.test(text)) return;
  const code = text
    .replace(/<\?(?:php)?|\?>/gi, ' ')
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''")
    .replace(/\/\*[\s\S]*?\*\/|(?:\/\/|#)[^\n]*/g, ' ');
  let letters = 0;
  let visible = 0;
  for (let i = 0; i < code.length; i++) {
    const raw = code.charCodeAt(i);
    if (raw > 32) visible++;
    const c = raw | 32;
    if (c >= 97 && c <= 122) letters++;
  }
  if (visible >= 150 && letters / visible < 0.02)
    add({
      id: 'php-letterless-code',
      category: 'obfuscation',
      weight: 12,
      line: 1,
      evidence: clip(code.trim().slice(0, 120)),
      description:
        'PHP written without letters (variables named only with underscores, names built from punctuation or incremented strings), then a variable called: how shells hide every function name.',
    });
}

/** Signals read from the text itself, without parsing: they work on files too broken to parse. */
function lexicalSignals(text: string, add: AddSignal): void {
  letterlessSignals(text, add);
  seoCloakSignals(text, add);
  tamperSignals(text, add);
  // One pass over the text: the longest line and the longest run of base64/hex characters
  // (packed payloads are encoded blobs of thousands of characters).
  let longest = 0;
  let at = 0;
  let start = 0;
  let run = 0;
  let bestRun = 0;
  let runEnd = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 10 : text.charCodeAt(i);
    if (c === 10) {
      if (i - start > longest) {
        longest = i - start;
        at = start;
      }
      start = i + 1;
    }
    // A-Z a-z 0-9 + / = and the backslash-x of escaped strings.
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 47 && c <= 57) || c === 43 || c === 61 || c === 92)
      run++;
    else {
      if (run > bestRun) {
        bestRun = run;
        runEnd = i;
      }
      run = 0;
    }
  }
  if (bestRun >= 600) {
    const s = text.slice(runEnd - bestRun, runEnd);
    if (entropy(s.slice(0, 4000)) > 4.2 || s.startsWith('\\x'))
      add({
        id: 'php-encoded-blob',
        category: 'obfuscation',
        weight: 5,
        line: lineAtIndex(text, runEnd - bestRun),
        evidence: clip(s, 60),
        description: `A packed blob of ${s.length} encoded characters.`,
      });
  }
  const hexEsc = text.match(/\\x[0-9a-fA-F]{2}/g)?.length ?? 0;
  const chrs = text.match(/\bchr\s*\(\s*\d+\s*\)/gi)?.length ?? 0;
  if (hexEsc + chrs >= 40 && (hexEsc + chrs) * 200 > text.length)
    add({
      id: 'php-escaped-strings',
      category: 'obfuscation',
      weight: 5,
      line: 1,
      evidence: `${hexEsc} \\x escapes, ${chrs} chr() calls`,
      description: 'Strings spelled as \\x escapes or chr() calls, as obfuscated code does.',
    });
  if (longest > 5000 && /\$|eval|function/.test(text.slice(at, at + longest)))
    add({
      id: 'php-long-line',
      category: 'obfuscation',
      weight: 3,
      line: lineAtIndex(text, at),
      evidence: `${longest} characters on one line`,
      description: 'Code packed onto one very long line.',
    });
  if (/\berror_reporting\s*\(\s*0\s*\)/i.test(text) && /\bset_time_limit\s*\(\s*0\s*\)/i.test(text))
    add({
      id: 'php-quiet-and-endless',
      category: 'webshell',
      weight: 3,
      line: 1,
      description: 'Turns off error reporting and time limits, as shells do.',
    });
}

/**
 * Joins adjacent plain literals (`"Fil"."e"."s"` -> `"Files"`) on the same line before parsing:
 * packers chain thousands of them, and the parser's precedence resolution is quadratic in a
 * chain's length. Only literals without escapes or interpolation are joined, so the folded
 * values are unchanged; lines are kept, so reported line numbers are too.
 */
function collapseConcatenations(text: string): string {
  const pairs = /(["'])[^"'\\\n$]*\1[ \t]*\.[ \t]*\1/g;
  if ((text.match(pairs)?.length ?? 0) < 200) return text;
  let out = text;
  for (let pass = 0; pass < 16; pass++) {
    const next = out
      .replace(/"([^"\\\n$]*)"[ \t]*\.[ \t]*"([^"\\\n$]*)"/g, '"$1$2"')
      .replace(/'([^'\\\n]*)'[ \t]*\.[ \t]*'([^'\\\n]*)'/g, "'$1$2'");
    if (next === out) break;
    out = next;
  }
  return out;
}

function lineAtIndex(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

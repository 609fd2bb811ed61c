// Normalisation of attacker-controlled text before rules see it: repeated URL-decoding
// (lenient, including %u and overlong UTF-8), `+` to space, HTML entities, `\x`/`\u` escapes,
// full-width and other compatibility forms, NUL removal and case folding; then the SQL view
// (comments and extra whitespace removed) and the compact view (no whitespace at all).
// Each step runs only when its trigger character is present, because almost all traffic is
// plain and this runs for every request.

/** Longest text looked at; anything longer is cut (keeps regex cost bounded on huge lines). */
export const MAX_FIELD = 8192;

const hexVal = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

/**
 * Decodes a run of %XX bytes as UTF-8, leniently: overlong forms (%c0%ae = '.') decode to
 * what naive servers made of them, and bytes that are not UTF-8 become Latin-1 characters.
 */
function decodeBytes(run: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < run.length; i += 3)
    bytes.push(hexVal(run.charCodeAt(i + 1)) * 16 + hexVal(run.charCodeAt(i + 2)));
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? -1;
    const b2 = bytes[i + 2] ?? -1;
    const b3 = bytes[i + 3] ?? -1;
    const cont = (x: number): boolean => x >= 0x80 && x < 0xc0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
    } else if (b >= 0xc0 && b < 0xe0 && cont(b1)) {
      out += String.fromCharCode(((b & 0x1f) << 6) | (b1 & 0x3f));
      i += 2;
    } else if (b >= 0xe0 && b < 0xf0 && cont(b1) && cont(b2)) {
      out += String.fromCharCode(((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
      i += 3;
    } else if (b >= 0xf0 && b < 0xf8 && cont(b1) && cont(b2) && cont(b3)) {
      const cp = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      i += 4;
    } else if (
      b >= 0xf8 &&
      b < 0xfe &&
      [1, 2, 3, 4, 5].slice(0, b < 0xfc ? 4 : 5).every((k) => cont(bytes[i + k] ?? -1))
    ) {
      // 5- and 6-byte forms (not UTF-8 any more, but old decoders took them): %f8%80%80%80%ae = '.'.
      const len = b < 0xfc ? 5 : 6;
      let cp = b & (b < 0xfc ? 0x03 : 0x01);
      for (let k = 1; k < len; k++) cp = cp * 64 + ((bytes[i + k] ?? 0) & 0x3f);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      i += len;
    } else if ((b === 0xc0 || b === 0xc1) && b1 >= 0xc0) {
      // An overlong lead with a bogus second byte (%c0%ee): IIS kept the low six bits ('.').
      out += String.fromCharCode(((b & 1) << 6) | (b1 & 0x3f));
      i += 2;
    } else if (b === 0xc0 || b === 0xc1) {
      // A lone overlong lead byte (%c0%2e): old IIS decoders dropped it and kept the next.
      i += 1;
    } else {
      out += String.fromCharCode(b);
      i += 1;
    }
  }
  return out;
}

const pctUnicode = /%u([0-9a-f]{4})/gi;
const pctRun = /(?:%[0-9a-f]{2})+/gi;
// (a doubled backslash is the escape written for a layer in between, JSON: `al\\u0065rt`)
const backslashEsc = /\\{1,2}(?:x([0-9a-f]{2})|u\{([0-9a-f]{1,6})\}|u([0-9a-f]{4}))/gi;
// octal escapes of a JavaScript string (`\74svg o\156load\75…`), read when there are several
const octalEsc = /\\{1,2}([0-3][0-7]{2}|[0-7]{2})/g;
// (any number of leading zeros: `&#00000000000000000040;` is `(` to a browser)
// (and the legacy names browsers read without a semicolon, `<div&nbsp style=…>`, `&lt&lt;`; not
// before `=`, where `&lt=` is a query parameter)
const entity = /&(?:#x0*([0-9a-f]{1,6});?|#0*(\d{1,7});?|([a-z]{2,8});|(nbsp|lt|gt|quot|amp)(?![a-z0-9=;]))/gi;
const entityProbe = /&(?:#|[a-z]{2,8};|(?:nbsp|lt|gt|quot|amp)(?![a-z0-9=;]))/i;
const named: Record<string, string> = {
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  amp: '&',
  nbsp: ' ',
  colon: ':',
  sol: '/',
  bsol: '\\',
  tab: '\t',
  newline: '\n',
  lpar: '(',
  rpar: ')',
  semi: ';',
  equals: '=',
  period: '.',
  num: '#',
  excl: '!',
  grave: '`',
  lsqb: '[',
  rsqb: ']',
  lcub: '{',
  rcub: '}',
  vert: '|',
  hyphen: '-',
  plus: '+',
  comma: ',',
  dollar: '$',
  percnt: '%',
  ast: '*',
  quest: '?',
  commat: '@',
  lowbar: '_',
  apos2: "'",
};
// (a tag opened so and another `<;` or a `>;` after it, or the tag given an attribute, or a
// comment opened so: `<;script src=…`, `<;!--[if …]`; `<;a` alone is text)
const mangledTag = /<;\/?[a-z][\s\S]*?[<>];|<;(?:!--|[a-z][a-z0-9]*[\s+]+[a-z][\w:-]*\s*=)/i;
const mangledTags = /<;(?=\/?[a-z!])/gi;
const mangledAfter = /([>"'&]);/g;
// base64 text whose first byte is `<` and second a letter (`PG`/`PH`), `/` (`PC8`, `PC9`) or `!`
// (`PCE`…`PCH`), in a value or segment of its own
const base64Probe = /P[CGH]/;
const base64Markup = /(?<![A-Za-z0-9+])P(?:[GH]|C[89E-H])[A-Za-z0-9+/]{13,}={0,2}(?![A-Za-z0-9+/=])/g;
// … that decodes to a tag with an attribute or a closed tag, in printable text
// eslint-disable-next-line no-control-regex
const markupText = /^(?=[\s\S]*[>=])<(?:(?:\/?[a-z][a-z0-9-]*|!doctype)[\s/>]|!--)[^\x00-\x08\x0e-\x1f\ufffd]*$/i;
const fromCode = (n: number): string => (n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '');

// `%5%c`: what one decoding leaves of `%%35%%63` (each hex digit of %5c encoded again, an IIS
// double-decoding trick); the next decoding reads it as %5c.
const splitNibble = /%([0-9a-f])%([0-9a-f])/gi;
const splitNibbleProbe = /%[0-9a-f]%[0-9a-f]/i;

/** One round of URL decoding (%XX runs as UTF-8, %uXXXX). */
function urlDecode(s: string): string {
  let out = s;
  if (splitNibbleProbe.test(out)) out = out.replace(splitNibble, '%$1$2');
  if (out.includes('%u') || out.includes('%U'))
    out = out.replace(pctUnicode, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return out.replace(pctRun, decodeBytes);
}

function decodeEntities(s: string): string {
  return s.replace(
    entity,
    (m, hex: string | undefined, dec: string | undefined, name: string | undefined, bare: string | undefined) => {
      if (hex !== undefined) return fromCode(parseInt(hex, 16));
      if (dec !== undefined) return fromCode(parseInt(dec, 10));
      return named[(name ?? bare ?? '').toLowerCase()] ?? m;
    },
  );
}

function decodeBackslashEscapes(s: string): string {
  const d = s.replace(backslashEsc, (_m, x: string | undefined, braced: string | undefined, u: string | undefined) =>
    fromCode(parseInt(x ?? braced ?? u ?? '0', 16)),
  );
  return (d.match(octalEsc)?.length ?? 0) >= 3 ? d.replace(octalEsc, (_m, o: string) => fromCode(parseInt(o, 8))) : d;
}

// eslint-disable-next-line no-control-regex
const nonAscii = /[^\x00-\x7f]/;
const lookAlikes = /[\u2215\u2044\u29f8\u2216\u29f5\u29f9\ufe68\u2024\u02bc\u2018\u2019\u2032\u201c\u201d\u2033]/g;
const invisible = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const lookAlikeMap: Record<string, string> = {
  '\u2215': '/',
  '\u2044': '/',
  '\u29f8': '/',
  '\u2216': '\\',
  '\u29f5': '\\',
  '\u29f9': '\\',
  '\ufe68': '\\',
  '\u2024': '.',
  '\u02bc': "'",
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  // primes, as a word processor turns quotes pasted into it (`1′) and '1′='1`)
  '\u2032': "'",
  '\u2033': '"',
};

/**
 * The `decoded` view: what an application would most plausibly see, lower-cased. `plus`
 * turns `+` into a space (query strings and referers). `steps`, when given, records what was
 * done (for `ripcord rules explain`).
 */
export function decode(raw: string, plus: boolean, steps?: string[]): string {
  let s = raw.length > MAX_FIELD ? raw.slice(0, MAX_FIELD) : raw;
  if (plus && s.includes('+')) {
    s = s.replaceAll('+', ' ');
    steps?.push('+ to space');
  }
  // Decoding layers can nest in any order (&#37;27 -> %27 -> '), so repeat until stable.
  for (let round = 0; round < 4; round++) {
    const before = s;
    if (s.includes('%')) {
      const d = urlDecode(s);
      if (d !== s) {
        s = d;
        steps?.push('url-decode');
      }
    }
    if (s.includes('\\')) {
      const d = decodeBackslashEscapes(s);
      if (d !== s) {
        s = d;
        steps?.push('\\x/\\u escapes');
      }
    }
    if (s.includes('&') && entityProbe.test(s)) {
      const d = decodeEntities(s);
      if (d !== s) {
        s = d;
        steps?.push('html entities');
      }
    }
    if (s === before) break;
  }
  // entities that lost their name but kept the semicolon (`<;script>;`, `";`, `&;#x6a`: a
  // page escaped once and unescaped wrongly): only with a tag opened so, then read as markup
  if (s.includes('<;') && mangledTag.test(s)) {
    s = s.replace(mangledTags, '<').replace(mangledAfter, '$1');
    if (s.includes('&') && entityProbe.test(s)) s = decodeEntities(s);
    steps?.push('mangled entities (<; >; ";) read as markup');
  }
  // a value that is base64 of markup (`PGlmcmFtZSBzcmM9…` is `<iframe src=…`): read decoded
  if (s.includes('P') && base64Probe.test(s)) {
    const d = s.replace(base64Markup, (m) => {
      // (in a path the token may run on into the next segment: tried up to each `/` too)
      for (let end = m.length, n = 0; end > 10 && n < 4; end = m.lastIndexOf('/', end - 1), n++) {
        const text = Buffer.from(m.slice(0, end), 'base64').toString('utf8');
        if (markupText.test(text)) return text + m.slice(end);
      }
      return m;
    });
    if (d !== s) {
      s = d;
      steps?.push('base64 markup decoded');
    }
  }
  if (s.includes('\0')) {
    s = s.replaceAll('\0', '');
    steps?.push('NUL removed');
  }
  if (nonAscii.test(s)) {
    // NFKC folds full-width forms (＜ -> <); the slashes and dots it leaves alone are the ones
    // IIS-style "best fit" decoders turn into path separators.
    // Invisible format characters (zero-width space and joiners, direction marks and
    // overrides, word joiner, BOM, soft hyphen) split a keyword for a filter (`un\u200bion`,
    // `<\u202escript>`) and show as nothing: dropped.
    const n = s
      .normalize('NFKC')
      .replace(lookAlikes, (c) => lookAlikeMap[c] ?? c)
      .replace(invisible, '');
    if (n !== s) {
      s = n;
      steps?.push('unicode compatibility forms (NFKC)');
    }
  }
  const lower = s.toLowerCase();
  if (lower !== s) steps?.push('lower-case');
  return lower;
}

const execComment = /\/\*!\d{0,6}/g;
const blockComment = /\/\*[\s\S]*?(?:\*\/|$)/g;
const lineComment = /(?:--|#)[^\n]*/g;
const spaces = /[\s\u0000-\u001f]+/g;

/**
 * The `sql` view (from the decoded text): MySQL executable comments keep their content, other
 * comments become one space, `--` and `#` comments run to the line end, whitespace collapses.
 */
export function sqlView(decoded: string, steps?: string[]): string {
  let s = decoded;
  if (s.includes('/*')) {
    s = s.replace(execComment, ' ').replace(blockComment, ' ').replaceAll('*/', ' ');
    steps?.push('sql comments removed');
  }
  if (s.includes('--') || s.includes('#')) {
    s = s.replace(lineComment, ' ');
    steps?.push('sql line comments removed');
  }
  const collapsed = s.replace(spaces, ' ');
  if (collapsed !== s) steps?.push('whitespace collapsed');
  return collapsed;
}

// eslint-disable-next-line no-control-regex
const allSpace = /[\s\u0000-\u001f]+|\/\*[\s\S]*?\*\//g;

/** The `compact` view: decoded text without any whitespace, control characters or block comments. */
export function compactView(decoded: string, steps?: string[]): string {
  const s = decoded.replace(allSpace, '');
  if (s !== decoded) steps?.push('whitespace and comments removed');
  return s;
}

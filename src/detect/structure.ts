// The structural matchers rules use as conditions (`sqli: true`, `traversal: true`, `cmdi: true`): split a
// request field into the values an application reads (path segments, REST ids, query values,
// string values of JSON in a parameter), decode each, and ask the SQL tokenizer (sqli.ts) or
// the path normaliser (traversal.ts), or the shell reader (cmdi.ts). They run only when the rule's prefilter gate passed.

import { MAX_FIELD, decode } from './normalise.ts';
import { detectSqli } from './sqli.ts';
import { base64Like, detectTraversal, percentDecoded } from './traversal.ts';
import {
  aloneAfterAmp,
  commandWords,
  detectCmdi,
  psAliases,
  reconCommands,
  systemVariables,
  variableSliceSource,
} from './cmdi.ts';

// An option opening a value or after a space, quote or `=` (`-c 10 …`, `-X/var/…`, `--exec=…`):
// a superset of cmdi.ts's argument injection (argumentInjection).
const argumentGate = `(?:^|[=/?\\s+"'])-{1,2}[a-z][\\w-]*[\\s+=/]`;

// Grouped by first letter (`c(?:url|at|…)`), so the gate tries one branch per position, not all.
const cmdWords = [...Map.groupBy(commandWords, (w) => w[0] ?? '')]
  .map(([first, ws]) => `${first}(?:${ws.map((w) => w.slice(1).replace(/[-+]/g, (c) => `\\${c}`)).join('|')})`)
  .join('|');

export const structuralKinds = ['sqli', 'traversal', 'cmdi'] as const;
export type StructuralKind = (typeof structuralKinds)[number];

/**
 * Cheap prefilters on the field's decoded view (merged into the rule engine's gate regex): a
 * value without any of these cannot produce an injection fingerprint or a climbing path.
 */
export const prefilters: Record<StructuralKind, string> = {
  sqli: `['"\`;()@#|]|--|/\\*|[\\s+](?:and|or|xor|div|union|having|order|group|limit|procedure|rlike|like|regexp|waitfor|select|case[\\s+]+(?:[\\w'"@.]+[\\s+]+)?when)\\b|(?:^|[=/])(?:union|having|case[\\s+]+(?:[\\w'"@.]+[\\s+]+)?when|(?:order|group)[\\s+]+by|procedure|waitfor|select|where|create[\\s+]+(?:table|function|procedure|trigger)|truncate)\\b|&&|(?:^|[=/])(?:or|and|xor)[\\s+]+\\S|(?:^|[=/])\\s*0x[0-9a-f]{16}|\\d(?:and|or)\\s*\\d`,
  // a superset of what cmdi.ts can match: separators, substitution, globs, a command opening a
  // value, with a Windows program suffix or not (`ping.exe -n 3 …`; the words come from cmdi.ts,
  // so the gate cannot fall behind the reader)
  cmdi: `[;|\`\n\r{$\\x1a]|sh['"]?[\\s+]*,[\\s+]*['"]?-c|[<>]\\(|&&|&[\\s+]*[%!]{0,2}(?:${cmdWords})\\b|%(?:${systemVariables.join('|')})%|${variableSliceSource}|[a-z]\\^[a-z]|&[\\s+]*(?:call|start)[\\s+]|(?:^|[=/?])[\\s+]*['"]?(?:${psAliases.join('|')})[\\s+]*[($'"]|[=/"]&[\\s+]?(?:${aloneAfterAmp.join('|')})(?:$|[\\s+/&"])|[/\\\\][\\w.]*[*[]|[/\\\\]\\w*\\?[\\w?]*[/\\\\]|(?:\\\\{1,2}|''|"")[a-z]|(?:^|[=/?])[\\s+]*['"]?[\\s+]*[%!]{0,2}(?:${cmdWords})(?:\\.(?:exe|com|bat|cmd))?[%!]{0,2}['"]?(?:\\s|\\+|$|&)|(?:^|[=/?\\s'"(])\\s*/(?:usr/(?:local/)?)?s?bin/|/(?:usr/(?:local/)?)?s?bin/[a-z]|/[%!]{0,2}(?:${reconCommands.join('|')})(?:\\.exe)?[%!]{0,2}/|(?:^|[=/?])[\\s+]*\\\\?![\\s+]+[a-z]|~[+-]|!-\\d|(?:^|[=/?])\\s*if\\s*/i\\b|/(?:tcp|udp)/[\\w.-]+/\\d|(?:^|[=/])\\s*\\d?>>?\\s*/\\w|(?:^|[=/?])\\s*\\\\[a-z]|(?<![a-z])for[\\s+]+/[a-z]|(?<![\\w.-])cmd(?:\\.exe)?[\\s+]+/[ck][\\s+]|${argumentGate}`,
  // (`etc…issue`: a system file behind separators no decoder knows, `%bg%qf`, `%c1%pc`; base64
  // of `../`, `..\`, `etc` or of any absolute path, `/` then a letter: `L2…`, `L3…`)
  traversal: `\\.\\.|0x2[ef]|0x5c|etc.{1,12}?(?:passwd|shadow|group|hosts|issue)|(?:^|[=/\\\\:])(?:etc|proc|windows|winnt)[/\\\\]|run[/\\\\]secrets[/\\\\]|\\.ini\\b|file:|passwd|system32|[.?][^\\w]{0,8}[.?]|(?:^|[=/\\\\:])\\.(?:ht|env|ssh|aws|docker|kube|gnupg|git|svn|bash_|zsh_|history|netrc|pgpass|my\\.cnf|npmrc)|sys[/\\\\](?:class|kernel|devices|firmware)|[="]\\s*(?:[/\\\\]|[a-z]:[/\\\\]|~[\\w.-]*[/\\\\])|//(?:etc|var|usr|opt|volumes|proc|root|boot|home\\d?|apache2?|logs?|php\\d?|windows|winnt|program files|www|srv|[a-z]:)[/\\\\]|/[a-z]:[/\\\\]|(?:^|[=/:"])(?:li4v|li5c|l[23][a-z0-9+/]{6}|zxrjl)|(?:config|configuration|settings|database|dbase|db|connect|connection|localsettings|parameters|secrets?|credentials)(?:\\.inc)?\\.[a-z]{2,4}\\b|web\\.config\\b|global\\.asa\\b|(?:web|meta)-inf[/\\\\]`,
};

/**
 * Narrower prefilters for headers: every browser's User-Agent has brackets and `;`, which pass
 * the field prefilter above, so a structural rule on a header would read every request. What
 * an injection there needs instead: a quote, a comment, `@@`, `||`, a word of SQL or its logic,
 * or a call SQL makes (`version(`: `Version/4.0` is Safari's product token).
 */
export const headerPrefilters: Partial<Record<StructuralKind, string>> = {
  sqli: `['"\`#]|--|/\\*|@@|\\|\\||\\b(?:and|or|xor|not|union|select|from|where|having|order|group|procedure|sleep|benchmark|waitfor|pg_sleep|exec|execute|declare|drop|insert|update|delete|create|alter|truncate|shutdown|case)\\b|\\b(?:user|version|database|schema|if|iif|char|concat)\\s*\\(`,
};
export const headerField = (field: string): boolean => field === 'user_agent' || field === 'referer';

const executableComments = /\/\*\s*(?:m?!|\+)[^*]{0,60}(?:\*\/)?/gi;
const jsonString = /"((?:[^"\\]|\\.){2,})"/g;
const jsonEscapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
/**
 * A JSON string's text as the application's parser gives it: `\n`, `\t` and the other escapes
 * are the characters they stand for (`user(\n` is a call left open on its own line), `\"` a quote.
 * (`\uXXXX` was decoded with the rest of the value.)
 */
const jsonText = (s: string): string =>
  s.includes('\\') ? s.replace(/\\(["\\/bfnrt])/g, (_m, c: string) => jsonEscapes[c] ?? c) : s;

/** Query values of a raw query string (decoded, `+` as space), with JSON string values. */
function queryValues(query: string, out: string[]): void {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const raw = eq < 0 ? pair : pair.slice(eq + 1);
    if (raw === '') continue;
    const v = decode(raw, true);
    out.push(v);
    if ((v.startsWith('{') || v.startsWith('[')) && v.includes('"')) {
      for (const m of v.matchAll(jsonString)) {
        out.push(jsonText(m[1] ?? ''));
      }
    }
  }
}

/** Splits a target (`/path?query`) at the first `?`. */
function splitTarget(raw: string): [string, string | null] {
  const q = raw.indexOf('?');
  return q < 0 ? [raw, null] : [raw.slice(0, q), raw.slice(q + 1)];
}

const encodedSlash = /%(?:25)*2f/i;

/** For SQL: path segments (block comments resolved first so `/**\/` spaces survive the split). */
function sqlValues(field: string, raw: string): string[] {
  const text = raw.length > MAX_FIELD ? raw.slice(0, MAX_FIELD) : raw;
  const out: string[] = [];
  if (field === 'target' || field === 'path' || field === 'query' || field === 'referer') {
    let path: string;
    let query: string | null;
    if (field === 'query') [path, query] = ['', text];
    else if (field === 'referer') {
      // a Referer that is no URL (a scanner's payload, a client's own text) is one value, read
      // whole: its slashes are no path (`HTC One/18;` in a client's name is no segment `18;`)
      const site = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(text);
      if (site === null) {
        out.push(decode(text, false));
        return out;
      }
      [path, query] = splitTarget(text.slice(site[0].length));
    } else [path, query] = splitTarget(text);
    if (path !== '') {
      const raw = decode(path, true);
      // a comment a database executes or takes hints from (`/*!50000union*/`, `/*+ … */`) is
      // read before comments become spaces and slashes split the path
      // (with `+` kept: in a path it is the hint's own, `/*+ index(t) */`)
      if (raw.includes('/*'))
        for (const m of (path.includes('+') ? decode(path, false) : raw).matchAll(executableComments)) out.push(m[0]);
      // a comment closed that no `/*` opened (`/id/x*/ or 1=1--`: opened in another parameter)
      // has the slash of its `*/` inside the segment: the tail from that segment on is one value
      const close = raw.indexOf('*/');
      if (close > 0 && raw.lastIndexOf('/*', close) < 0) out.push(raw.slice(raw.lastIndexOf('/', close - 1) + 1));
      // an empty comment inside a word joins it (`uni/**/on`) or is a space (`or/**/true`): both
      // readings; any other comment is a space
      const spaced = raw.includes('/*') ? raw.replace(/\/\*[\s\S]*?\*\//g, ' ') : raw;
      const joined = raw.includes('/**/')
        ? raw.replace(/(?<=\w)\/\*\*\/(?=\w)/g, '').replace(/\/\*[\s\S]*?\*\//g, ' ')
        : spaced;
      for (const reading of joined === spaced ? [spaced] : [joined, spaced]) {
        let dec = reading;
        // one left open after a segment with spaces, quotes or brackets (`/id/ or 1/*`, not
        // `/page/2/*`) comments out the rest of the query, like `--`
        const open = dec.indexOf('/*');
        if (open > 0 && /[\s'"()]/.test(dec.slice(dec.lastIndexOf('/', open - 1) + 1, open)))
          dec = `${dec.slice(0, open)} --`;
        for (const seg of dec.split('/')) if (seg.length > 1) out.push(seg);
      }
      // a slash that came encoded (`/id/%27%2F1%2F1%3D%27`) is part of its segment to a router,
      // which splits on the slashes it was sent: such a segment is a value whole too
      if (encodedSlash.test(path))
        for (const seg of path.split('/')) if (encodedSlash.test(seg)) out.push(decode(seg, true));
    }
    if (query !== null) queryValues(query, out);
    return out;
  }
  out.push(decode(text, false));
  return out;
}

/** Where, from `from`, a segment opens with a root of its own (`//` or `/\`), or -1. */
function rootedSegment(p: string, from: number): number {
  const a = p.indexOf('//', from);
  const b = p.indexOf('/\\', from);
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/** For paths: the whole path (it resolves from the web root) and each query value. */
function pathValues(field: string, raw: string): { value: string; absolute: boolean }[] {
  const text = raw.length > MAX_FIELD ? raw.slice(0, MAX_FIELD) : raw;
  if (field === 'target' || field === 'path' || field === 'query') {
    const [path, query] = field === 'query' ? ['', text] : splitTarget(text);
    const out: { value: string; absolute: boolean }[] = [];
    if (path !== '') {
      out.push({ value: path, absolute: false });
      // (a routed value may come %-encoded whole, its slashes and colon too: `/id/%2fsys%2fclass`,
      // `/id/c%3a%5cinetpub…`, so both readings are searched for where it starts)
      for (const p of path.includes('%') ? [path, percentDecoded(path)] : [path]) {
        // after `//` a routed value starts with its own root (`/id//etc/nsswitch.conf`, and with a
        // Windows root, `/id/\xampp\php\php.ini`): an absolute path
        for (let at = rootedSegment(p, 0), n = 0; at >= 0 && n < 4; at = rootedSegment(p, at + 2), n++)
          out.push({ value: p.slice(at + 1), absolute: true });
        // a segment that opens with a drive (`/id/c:%5cinetpub%5c…`, `/id/c:windows/…` from the
        // drive's current folder): a routed Windows path
        const drive = /\/([a-z]:(?:[/\\a-z]|%5c|%2f))/i.exec(p);
        if (drive !== null) out.push({ value: p.slice(drive.index + 1), absolute: true });
      }
    }
    if (query !== null)
      for (const pair of query.split('&')) {
        const eq = pair.indexOf('=');
        const v = eq < 0 ? pair : pair.slice(eq + 1);
        if (v === '') continue;
        out.push({ value: v.replaceAll('+', ' '), absolute: true });
        // JSON in a parameter: each string in it is a value of its own.
        // (its quotes may come encoded twice or as %u: `%2522`, `%u0022`)
        if (v.includes('%22') || v.includes('"') || v.includes('%25') || v.includes('%u')) {
          // base64 strings keep their case (the decoded view is lower-cased)
          for (const m of percentDecoded(v).matchAll(jsonString))
            if (base64Like.test(m[1] ?? '')) out.push({ value: m[1] ?? '', absolute: true });
          const d = decode(v, true);
          if ((d.startsWith('{') || d.startsWith('[')) && d.includes('"'))
            for (const m of d.matchAll(jsonString)) {
              out.push({ value: jsonText(m[1] ?? ''), absolute: true });
            }
        }
      }
    return out;
  }
  return [{ value: text, absolute: true }];
}

// SQL words a filter strips once, written inside themselves so that stripping leaves them (`OORR`,
// `UNIunionON`, `SELselectECT`, `AANDND`)
const strippedWords = ['union', 'select', 'from', 'where', 'and', 'or', 'order', 'sleep', 'benchmark'];
const wordRun = /[a-z]{3,20}/gi;

/** `v` read once more with each such doubled word collapsed, when it has one; else null. */
function unnestedSql(v: string): ReturnType<typeof detectSqli> {
  let changed = false;
  const u = v.replace(wordRun, (w) => {
    const l = w.toLowerCase();
    for (const k of strippedWords) {
      const i = l.indexOf(k, 1);
      if (i > 0 && i + k.length < l.length && l.slice(0, i) + l.slice(i + k.length) === k) {
        changed = true;
        return k;
      }
    }
    return w;
  });
  return changed ? detectSqli(u) : null;
}

const spansShell = /[|;&`$]|(?:^|\/)s?bin\//;

/** What a structural matcher found: a short, printable reason (fingerprint or normalised path). */
export function matchStructure(kind: StructuralKind, field: string, raw: string): string | null {
  if (kind === 'sqli') {
    for (const v of sqlValues(field, raw)) {
      // a value with `+` between its words is read again with `+` as the space a form
      // encoding meant (`8-999.9+union+select+0`, encoded once more on the way: the application
      // gets the `+` itself), as the shell reader does; not a URL with a query of its own (a
      // return address: `/search?q="table+lamp"&page=2`), whose `+` its own query reads
      const r =
        detectSqli(v) ??
        (v.includes('+') && !v.includes('?') && !v.includes('&') ? detectSqli(v.replaceAll('+', ' ')) : null) ??
        unnestedSql(v);
      if (r !== null)
        return `sql fingerprint ${r.fingerprint} (${r.context === 'bare' ? 'bare' : `after ${r.context}`}) in ${clip(v)}`;
    }
    return null;
  }
  if (kind === 'cmdi') {
    const values = sqlValues(field, raw);
    // the whole path too: a payload with slashes in it spans several segments
    if (field === 'target' || field === 'path') {
      const rawPath = splitTarget(raw)[0];
      // with `+` as a space and, when it has one, as itself (`~+5`, `alias +g a=b`: a path may
      // carry the shell's own plus)
      for (const path of rawPath.includes('+')
        ? [decode(rawPath, true), decode(rawPath, false)]
        : [decode(rawPath, true)]) {
        values.push(path);
        // and from each later segment on: a routed value (`/id/for /f …`) starts mid-path; and
        // without the path's last segment, which may be the route's own after the value
        // (`/orders/|usr/bin/id/items`)
        const last = path.lastIndexOf('/');
        let at = path.indexOf('/', 1);
        for (let n = 0; at > 0 && n < 12; n++, at = path.indexOf('/', at + 1)) {
          values.push(path.slice(at + 1));
          // (only a value that spans segments with shell in it: a program path or a separator)
          if (at < last && path.lastIndexOf('/', last - 1) > at) {
            const cut = path.slice(at + 1, last);
            if (spansShell.test(cut)) values.push(cut);
          }
        }
      }
    }
    for (const v of values) {
      const r = detectCmdi(v);
      if (r !== null) return `${r.reason} in ${clip(v)}`;
    }
    return null;
  }
  for (const { value, absolute } of pathValues(field, raw)) {
    const r = detectTraversal(value, absolute);
    if (r !== null)
      return `path ${clip(r.path)} climbs ${r.climbs}${r.sensitive === null ? '' : `, names ${r.sensitive}`}`;
  }
  return null;
}

const clip = (s: string): string => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

// Builds the public web-attack evaluation set from fetched mirrors (never committed): payloads
// from PayloadsAllTheThings (development set) and the OWASP Core Rule Set's regression tests
// (held out: looked at only to report), embedded into realistic shop access-log lines in
// several positions (query parameter, path segment, REST id, JSON in a parameter, and a POST
// form whose body the log never shows); a CRS test whose attack is its User-Agent or Referer
// is one line with the payload in that field (position `ua`/`referer`, reported apart). Writes
// one TSV per set: category, position, source, payload (JSON string) and the log line.
// Usage: npm run bench -- build-webattacks --patt MIRROR --crs MIRROR [--extra MIRROR …] [--out DIR]
// [--unseen MIRROR …]
// (--extra: fuzzdb-project/fuzzdb and payloadbox/{xss,sql-injection}-payload-list, a fresh check;
// --unseen: client9/libinjection, xmendez/wfuzz, 1N3/IntruderPayloads, foospidy/payloads,
// nemesida-waf/waf-bypass, Morzeux/HttpParamsDataset, InfoSecWarrior/Offensive-Payloads, a second
// one, with HttpParamsDataset's normal values as a benign check)
// (MIRROR: the bare git directory `fetch` made, e.g. /work/.mirror/owner+name/repo)

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { seededRandom as rng } from '../src/core/random.ts';

export const defaultOut = join(import.meta.dirname, 'data', 'webattacks');
export const categories = ['sqli', 'xss', 'traversal', 'cmdi'] as const;
export type Category = (typeof categories)[number];
export const positions = ['query', 'path', 'rest', 'json', 'post'] as const;

/** Most payloads per category and source file kept (seeded sample), so a run stays short. */
const PER_CATEGORY = 2500;

function git(dir: string, args: string[]): string {
  const r = spawnSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${dir}: ${r.stderr}`);
  return r.stdout;
}

const listFiles = (dir: string, under: string): string[] =>
  git(dir, ['ls-tree', '-r', '--name-only', 'HEAD', '--', under])
    .split('\n')
    .filter((f) => f !== '');

const show = (dir: string, path: string): string => git(dir, ['show', `HEAD:${path}`]);

/** PayloadsAllTheThings: the Intruder lists of each class. */
const pattLists: Record<Category, { under: string; skip?: RegExp }[]> = {
  sqli: [{ under: 'SQL Injection/Intruder' }],
  // Lists of bare event-handler names and JSONP endpoints are word lists, not payloads.
  xss: [
    {
      under: 'XSS Injection/Intruders',
      skip: /jsonp_endpoint|0xcela_event_handlers|port_swigger_xss_cheatsheet_event_handlers/,
    },
  ],
  traversal: [
    { under: 'Directory Traversal/Intruder' },
    { under: 'File Inclusion/Intruders/Traversal.txt' },
    { under: 'File Inclusion/Intruders/dot-slash-PathTraversal_and_LFI_pairing.txt' },
  ],
  cmdi: [{ under: 'Command Injection/Intruder' }],
};

interface Payload {
  category: Category;
  source: string;
  payload: string;
  /** A header the combined log shows (the test's attack is there, not in the request line). */
  place?: 'ua' | 'referer';
}

const field = (o: unknown, k: string): unknown =>
  o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined;
const asList = (o: unknown): unknown[] => (Array.isArray(o) ? o : []);

function sample<T>(list: T[], n: number, seed: number): T[] {
  if (list.length <= n) return list;
  const r = rng(seed);
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

/** What `{FILE}` in a traversal list is filled with, in turn. */
const fileTargets = ['etc/passwd', 'windows/win.ini', 'boot.ini', 'etc/hosts', 'app/etc/env.php'];

/** A payload with %XX, HTML character references and \xXX/\uXXXX escapes undone once. */
function charDecode(p: string): string {
  return lenientDecode(p)
    .replace(/&#x([0-9a-f]{1,6});?/gi, (_m, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d{1,7});?/g, (_m, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&[a-z]{2,6};/gi, '<')
    .replace(/\\(?:x[0-9a-f]{2}|u[0-9a-f]{4})/gi, '<');
}

/**
 * Whether a payload is no attack by itself, whatever a list files it under: fuzz characters
 * alone (`<>"'%;)(&+`), a number alone (`3.10E+17`), or one word with only quotes, brackets and
 * list punctuation around it (`select`, `'sqlvuln`, `(sqlvuln)`, `#NAME?`, `@variable`, `passwd`,
 * `whoami`): probes of a parser or word-list entries, which the rules leave alone because a
 * shop's search sees such words. A word called (`database(`), a separator before it (`|id`,
 * `;id`, `\nid`), braces or a tilde around it (`{id,}`, `~+5`), a comment after it
 * (`admin'--`), quotes closed and opened around it (`'or'`), hex bytes (`0x2e0x2e…`), a path
 * (`/.bashrc`, `../`), markup (`<img`) or a base64 word is structure, so those count as
 * attacks. Reported apart by `bench detect-quality`, not dropped.
 */
const base64Word = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z\d+/]{16,}$/;
export function loneWords(payload: string): boolean {
  const t = charDecode(payload).replace(/^[ \t]+|[ \t]+$/g, '');
  // (an operator between a quote closed and one opened, `'<=>'`, `' + '`, is SQL)
  if (!/[\p{L}\d]/u.test(t))
    return /^[ \t'"<>%;()&+*|?,=]*$/.test(t) && !t.includes('--') && !/['"][^'"]*[-<>=+*|&^][^'"]*['"]/.test(t);
  if (/^[+-]?[\d.,]+(?:e[+-]?\d+)? ?%?$/i.test(t)) return true;
  const m = /^([ '"($#@,+?!]*)([\p{L}\d_]+)([ '");?%,.!]*)$/u.exec(t);
  const word = m?.[2] ?? '';
  // (a base64 word is text encoded, read by the rules as what it decodes to)
  if (m === null || /0x[\da-f]{2}/i.test(word) || t.includes('$(') || base64Word.test(word)) return false;
  // a word between a quote closed and one opened (`'or'`, `' like '`) is an operator in SQL
  return !(/['"]/.test(m[1] ?? '') && /['"]/.test(m[3] ?? ''));
}

function fromPatt(dir: string): { payloads: Payload[]; dropped: number } {
  const out: Payload[] = [];
  let dropped = 0;
  for (const category of categories) {
    const seen = new Set<string>();
    const mine: Payload[] = [];
    for (const { under, skip } of pattLists[category]) {
      for (const file of listFiles(dir, under)) {
        if (skip?.test(file) || /\.(md|png|jpg)$/i.test(file)) continue;
        for (const raw of show(dir, file).split('\n')) {
          const p = raw.replace(/\r$/, '');
          // Fuzz characters alone (', ", #, --) are probes of a parser, not attacks.
          // Comment lines of the lists (fuzzdb's "# ...") are not payloads.
          if (p.startsWith('# ')) continue;
          if (p.trim().length < 4) {
            if (p.trim() !== '') dropped++;
            continue;
          }
          // A lone character in an encoding (`&#x3c;`, `\u003c`, `%3C`) probes a parser like the
          // fuzz characters above; so do cheat-sheet lines (`||<TAB>(double pipe) concatenate`,
          // `Time-Based:`), which are documentation, not payloads.
          if (
            charDecode(p).replace(/\s/g, '').length < 2 ||
            /\t\s*[(a-z]+[ a-z(),]*$/i.test(p) ||
            /^[A-Z][a-z]+(?:[ -][A-Za-z]+){0,4}:?$/.test(p)
          ) {
            dropped++;
            continue;
          }
          if (seen.has(p)) continue;
          seen.add(p);
          // `{FILE}` is a placeholder the list expects filled before use (Burp payload processing).
          const filled = p.includes('{FILE}')
            ? p.replaceAll('{FILE}', fileTargets[mine.length % fileTargets.length] ?? '')
            : p;
          mine.push({ category, source: `patt:${file.split('/').pop()}`, payload: filled });
        }
      }
    }
    out.push(...sample(mine, PER_CATEGORY, 11));
  }
  return { payloads: out, dropped };
}

/**
 * A fresh check (optional, `--extra MIRROR` once per mirror): lists of fuzzdb and of the
 * payloadbox collections, by path inside whichever mirror holds them. Payloads already in the
 * development set are left out, so what remains is new to the rules. Word lists (event names,
 * command names alone) and templates (`{cmd}`) are not payloads and are not listed here.
 */
// Kept as published, though not every line is an attack by itself: fuzzdb's SQL lists hold lone
// keywords (`select`, `delete`, `having`), placeholder words (`sqlvuln`) and spreadsheet
// artefacts (`#NAME?`, `3.10E+17`), and its LFI list bare file names (`config.js`,
// `/admin/install.php`); the rules leave those alone (a shop's search sees such words), so
// they stay as misses in the fresh-check figures (about 136 of its 1,320 SQLi lines).
const extraLists: { path: string; category: Category; formEncoded?: boolean }[] = [
  { path: 'attack/sql-injection/detect', category: 'sqli' },
  { path: 'attack/sql-injection/exploit', category: 'sqli' },
  { path: 'attack/sql-injection/payloads-sql-blind', category: 'sqli' },
  { path: 'attack/xss/xss-rsnake.txt', category: 'xss' },
  { path: 'attack/xss/xss-other.txt', category: 'xss' },
  { path: 'attack/xss/xss-uri.txt', category: 'xss' },
  { path: 'attack/xss/XSSPolyglot.txt', category: 'xss' },
  { path: 'attack/html_js_fuzz/HTML5sec_Injections.txt', category: 'xss' },
  { path: 'attack/path-traversal/path-traversal-windows.txt', category: 'traversal' },
  { path: 'attack/lfi/JHADDIX_LFI.txt', category: 'traversal' },
  { path: 'attack/os-cmd-execution/command-execution-unix.txt', category: 'cmdi' },
  // written as a query string already: `+` is the space (`+|+Dir+c:\`), so it is read as one
  // before placing (left as `+`, a query would carry it as %2B, a literal plus no shell splits on)
  { path: 'attack/os-cmd-execution/OSCommandInject.Windows.txt', category: 'cmdi', formEncoded: true },
  { path: 'attack/os-cmd-execution/source-disc-cmd-exec-traversal.txt', category: 'cmdi' },
  { path: 'Intruder/xss-payload-list.txt', category: 'xss' },
  { path: 'Intruder/detect', category: 'sqli' },
  { path: 'Intruder/exploit', category: 'sqli' },
  { path: 'Intruder/payloads-sql-blind', category: 'sqli' },
];

function fromExtra(dirs: string[], known: Set<string>): Payload[] {
  const out: Payload[] = [];
  for (const category of categories) {
    const seen = new Set<string>();
    const mine: Payload[] = [];
    for (const dir of dirs) {
      const name = dir.split('/').slice(-2, -1)[0] ?? dir;
      for (const { path, formEncoded } of extraLists.filter((l) => l.category === category))
        for (const file of listFiles(dir, path)) {
          if (/\.(md|png|jpg)$/i.test(file)) continue;
          for (const raw of show(dir, file).split('\n')) {
            const p = raw.replace(/\r$/, '');
            if (p.startsWith('# ') || p.trim().length < 4 || charDecode(p).replace(/\s/g, '').length < 2) continue;
            if (seen.has(p) || known.has(p)) continue;
            seen.add(p);
            const payload = formEncoded === true ? p.replaceAll('+', ' ') : p;
            mine.push({ category, source: `${name.replace(/\+/g, '/')}:${file.split('/').pop()}`, payload });
          }
        }
    }
    out.push(...sample(mine, PER_CATEGORY, 13));
  }
  return out;
}

/**
 * A second fresh check (optional, `--unseen MIRROR` once per mirror), from collections no rule
 * was written from: libinjection's test data (`data/sqli-*`, `data/xss-*`, written as query
 * values: `+` is a space), wfuzz's injection lists, 1N3's IntruderPayloads, foospidy's payloads
 * and nemesida-waf/waf-bypass (JSON files whose `URL` or `ARGS` value is the payload; those
 * marked `BLOCKED: false` are its false-positive checks and are left out), HttpParamsDataset's
 * labelled values and InfoSecWarrior/Offensive-Payloads' lists. Used to see whether
 * the shapes generalise, never to tune on one string at a time; payloads of the development
 * and fresh sets are left out. `{FILE}` is filled as in the development lists.
 */
type UnseenKind = 'form' | 'json' | 'csv';
const unseenLists: { path: string; category: Category; name?: RegExp; kind?: UnseenKind; label?: string }[] = [
  { path: 'data', name: /\/sqli-[^/]*\.txt$/, category: 'sqli', kind: 'form' },
  { path: 'data', name: /\/xss-[^/]*\.txt$/, category: 'xss', kind: 'form' },
  { path: 'wordlist/Injections/SQL.txt', category: 'sqli' },
  { path: 'wordlist/vulns/sql_inj.txt', category: 'sqli' },
  { path: 'wordlist/Injections/XSS.txt', category: 'xss' },
  { path: 'wordlist/Injections/Traversal.txt', category: 'traversal' },
  { path: 'wordlist/vulns/dirTraversal.txt', category: 'traversal' },
  { path: 'FuzzLists/sqli-error-based.txt', category: 'sqli' },
  { path: 'FuzzLists/sqli-time-based.txt', category: 'sqli' },
  { path: 'FuzzLists/sqli-union-select.txt', category: 'sqli' },
  { path: 'FuzzLists/xss_payloads_quick.txt', category: 'xss' },
  { path: 'FuzzLists/lfi.txt', category: 'traversal' },
  { path: 'FuzzLists/traversal.txt', category: 'traversal' },
  { path: 'FuzzLists/command_exec.txt', category: 'cmdi' },
  { path: 'other/sqli', category: 'sqli' },
  { path: 'owasp/jbrofuzz/sqli.txt', category: 'sqli' },
  { path: 'owasp/fuzzing_code_database/sqli', category: 'sqli' },
  { path: 'other/xss', category: 'xss' },
  { path: 'owasp/jbrofuzz/xss.txt', category: 'xss' },
  { path: 'other/traversal', category: 'traversal' },
  { path: 'owasp/fuzzing_code_database/directory_traversal', category: 'traversal' },
  { path: 'other/commandinjection', category: 'cmdi' },
  { path: 'utils/payload/SQLi', category: 'sqli', kind: 'json' },
  { path: 'utils/payload/XSS', category: 'xss', kind: 'json' },
  { path: 'utils/payload/LFI', category: 'traversal', kind: 'json' },
  { path: 'utils/payload/RCE', category: 'cmdi', kind: 'json' },
  // Morzeux/HttpParamsDataset: parameter values labelled by attack type (its `norm` ones, real
  // form values, are a benign check: unseen-benign.tsv)
  { path: 'payload_full.csv', category: 'sqli', kind: 'csv', label: 'sqli' },
  { path: 'payload_full.csv', category: 'xss', kind: 'csv', label: 'xss' },
  { path: 'payload_full.csv', category: 'traversal', kind: 'csv', label: 'path-traversal' },
  { path: 'payload_full.csv', category: 'cmdi', kind: 'csv', label: 'cmdi' },
  // InfoSecWarrior/Offensive-Payloads: one list per attack class
  { path: 'Cross-Site-Scripting-XSS-Payloads.txt', category: 'xss' },
  { path: 'Directory-Traversal-Payloads.txt', category: 'traversal' },
  { path: 'OS-Command-Injection-Unix-Payloads.txt', category: 'cmdi' },
  { path: 'OS-Command-Injection-Windows-Payloads.txt', category: 'cmdi' },
  { path: 'SQL-Injection-Payloads.txt', category: 'sqli' },
  { path: 'SQL-Injection-Auth-Bypass-Payloads.txt', category: 'sqli' },
];

/** Rows of a CSV file (quoted fields, `""` for a quote, newlines inside quotes). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  return rows;
}

/** HttpParamsDataset's rows: payload, length, attack type, label. */
const labelled = (text: string, label: string): string[] =>
  csvRows(text)
    .slice(1)
    .flatMap((r) => (r[2] === label && r[0] !== undefined ? [r[0]] : []));

/** The payloads of one file of an unseen list, as its kind stores them. */
function unseenPayloads(text: string, kind: UnseenKind | undefined, label = ''): string[] {
  if (kind === 'csv') return labelled(text, label);
  if (kind === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return [];
    }
    return asList(field(doc, 'payload')).flatMap((p) => {
      if (field(p, 'BLOCKED') === false) return [];
      const url = field(p, 'URL');
      const args = field(p, 'ARGS');
      const v =
        typeof url === 'string' && url !== '' ? url : typeof args === 'string' ? args.replace(/^[^=]*=/, '') : '';
      return v === '' ? [] : [v];
    });
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  return kind === 'form' ? lines.filter((l) => !l.startsWith('#')).map((l) => l.replaceAll('+', ' ')) : lines;
}

/** The benign values of the unseen mirrors (HttpParamsDataset's `norm` rows), sampled. */
function unseenBenign(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const dir of dirs)
    for (const file of listFiles(dir, 'payload_full.csv'))
      for (const v of labelled(show(dir, file), 'norm')) out.add(v);
  return sample([...out], 10_000, 19);
}

function fromUnseen(dirs: string[], known: Set<string>): Payload[] {
  const out: Payload[] = [];
  for (const category of categories) {
    const seen = new Set<string>();
    const mine: Payload[] = [];
    for (const dir of dirs) {
      // (a mirror may be a work tree's .git folder: named by the folder above it)
      const name =
        dir
          .replace(/\/\.git\/?$/, '')
          .split('/')
          .slice(-2, -1)[0] ?? dir;
      for (const list of unseenLists.filter((l) => l.category === category))
        for (const file of listFiles(dir, list.path)) {
          if (list.name !== undefined && !list.name.test(`/${file}`)) continue;
          let text: string;
          try {
            text = show(dir, file);
          } catch {
            continue; // a large file the mirror keeps only listed
          }
          for (const p of unseenPayloads(text, list.kind, list.label)) {
            if (p.startsWith('# ') || p.trim().length < 4 || charDecode(p).replace(/\s/g, '').length < 2) continue;
            if (seen.has(p) || known.has(p)) continue;
            seen.add(p);
            const filled = p.includes('{FILE}')
              ? p.replaceAll('{FILE}', fileTargets[mine.length % fileTargets.length] ?? '')
              : p;
            mine.push({ category, source: `${name.replace(/\+/g, '/')}:${file.split('/').pop()}`, payload: filled });
          }
        }
    }
    out.push(...sample(mine, PER_CATEGORY, 17));
  }
  return out;
}

const crsDirs: Record<string, Category> = {
  'REQUEST-930-APPLICATION-ATTACK-LFI': 'traversal',
  'REQUEST-932-APPLICATION-ATTACK-RCE': 'cmdi',
  'REQUEST-941-APPLICATION-ATTACK-XSS': 'xss',
  'REQUEST-942-APPLICATION-ATTACK-SQLI': 'sqli',
};

/** Rule id -> paranoia level, from the rule files' `paranoia-level/N` tags. */
function paranoia(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of listFiles(dir, 'rules').filter((f) => /REQUEST-9(30|32|41|42)-.*\.conf$/.test(f))) {
    const text = show(dir, file);
    for (const block of text.split(/\nSecRule /)) {
      const id = /\bid:(\d{6})/.exec(block)?.[1];
      const pl = /paranoia-level\/(\d)/.exec(block)?.[1];
      if (id !== undefined && pl !== undefined) out.set(id, Number(pl));
    }
  }
  return out;
}

function lenientDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Names and values of a query string or form body, decoded once (as the application reads
 * them). An `&` that opens an HTML character reference (`&quot;`, `&#x7B;`) is part of the
 * value: the test authors wrote entity-encoded payloads unescaped, meaning one value (a browser
 * would have sent `%26`); splitting there cut such payloads into `quot;…` fragments.
 */
function fieldsOf(qs: string): { name: string; value: string }[] {
  return qs
    .split(/&(?!#?[A-Za-z0-9]{1,31};)/)
    .filter((kv) => kv !== '')
    .map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0
        ? { name: '', value: lenientDecode(kv) }
        : { name: lenientDecode(kv.slice(0, eq)), value: lenientDecode(kv.slice(eq + 1)) };
    });
}

/** Headers a test sets as request plumbing (never where its attack is). */
const plumbing = new Set([
  'host',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'content-type',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'cache-control',
]);
const defaultAgent = /^OWASP (CRS|ModSecurity)/;

/** Where a test's attack is, when it is in a header: a combined log shows only the User-Agent and Referer. */
function headerAttack(headers: Record<string, unknown>): { place: 'ua' | 'referer'; value: string } | 'hidden' | null {
  let found: { place: 'ua' | 'referer'; value: string } | 'hidden' | null = null;
  for (const [k, raw] of Object.entries(headers)) {
    const name = k.toLowerCase();
    const v = String(raw);
    if (plumbing.has(name)) continue;
    if (name === 'user-agent') {
      if (!defaultAgent.test(v)) found = { place: 'ua', value: v };
    } else if (name === 'referer') found ??= { place: 'referer', value: v };
    // A cookie or custom header holding more than plain words carries the attack; no access log shows it.
    else if (!/^[\w .-]*$/.test(v)) found = 'hidden';
  }
  return found;
}

/** A plain value (a word, an id, a MIME type) beside the attack value of the same test. */
const plain = (v: string): boolean =>
  /^[A-Za-z0-9_ .-]{0,24}$/.test(v) || /^(text|application|image|audio|video|multipart)\/[\w.+-]+$/i.test(v);

interface CrsStats {
  tests: number;
  hidden: number;
  header: number;
  noValue: number;
}

/**
 * CRS regression tests of the four classes whose rule is paranoia level 1 and that must fire.
 * Each test is read with a YAML parser (escapes, block scalars, lists of body lines). What is
 * taken: the names and values of the query and of a form body (an XML or JSON body as one
 * value, it is one document); a test whose attack sits in a cookie or custom header is
 * excluded (no access log shows it) and one whose attack is the User-Agent or Referer is
 * placed there (a combined log shows both); values that are plain words or MIME types beside
 * another value of the same test are the other arguments, not the attack.
 */
function fromCrs(dir: string): { payloads: Payload[]; stats: CrsStats } {
  const pl = paranoia(dir);
  const out: Payload[] = [];
  const stats: CrsStats = { tests: 0, hidden: 0, header: 0, noValue: 0 };
  for (const [sub, category] of Object.entries(crsDirs)) {
    const seen = new Set<string>();
    for (const file of listFiles(dir, `tests/regression/tests/${sub}`)) {
      const rule = /(\d{6})\.yaml$/.exec(file)?.[1];
      if (rule === undefined || (pl.get(rule) ?? 9) !== 1) continue;
      const doc: unknown = parseYaml(show(dir, file));
      for (const test of asList(field(doc, 'tests'))) {
        for (const stage of asList(field(test, 'stages'))) {
          const st = field(stage, 'stage') ?? stage;
          const input = field(st, 'input');
          const log = field(field(st, 'output'), 'log') ?? field(st, 'output');
          // Only tests where the rule must fire (no_expect_ids marks the benign ones).
          if (asList(field(log, 'expect_ids')).length === 0) continue;
          stats.tests++;
          const headers = (field(input, 'headers') ?? {}) as Record<string, unknown>;
          const h = headerAttack(headers);
          if (h === 'hidden') {
            stats.hidden++;
            continue;
          }
          if (h !== null) {
            stats.header++;
            if (!seen.has(h.value)) {
              seen.add(h.value);
              out.push({ category, source: `crs:${rule}`, payload: h.value, place: h.place });
            }
            continue;
          }
          const uri = String(field(input, 'uri') ?? '');
          const rawData = field(input, 'data');
          const data = Array.isArray(rawData) ? rawData.map(String).join('\n') : rawData == null ? '' : String(rawData);
          const ctype = String(
            Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '',
          ).toLowerCase();
          const cands: string[] = [];
          if (uri.includes('?')) for (const f of fieldsOf(uri.slice(uri.indexOf('?') + 1))) cands.push(f.name, f.value);
          if (/xml|json/.test(ctype)) cands.push(data);
          else if (!ctype.startsWith('multipart/')) for (const f of fieldsOf(data)) cands.push(f.name, f.value);
          const vals = cands.filter((v) => v.trim().length >= 3);
          // Path-only LFI tests: the path itself is the payload.
          if (vals.length === 0 && category === 'traversal' && !uri.includes('?') && /\.\.|%/.test(uri)) vals.push(uri);
          // Plain words and MIME types are the other arguments of the test.
          const attack = vals.filter((v) => !plain(v));
          if (attack.length === 0) stats.noValue++;
          for (const v of attack) {
            if (seen.has(v)) continue;
            seen.add(v);
            out.push({ category, source: `crs:${rule}`, payload: v });
          }
        }
      }
    }
  }
  return { payloads: out, stats };
}

const hex = (c: string): string =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * What a scanner or browser sends for the payload in one place of the request line: bytes a
 * request line cannot carry are %-encoded; `%XX` already in the payload is kept (lists carry
 * pre-encoded payloads); in a query a space is `+`.
 */
export function encodeFor(payload: string, where: 'query' | 'path', plusSpace: boolean): string {
  let out = '';
  for (let i = 0; i < payload.length; i++) {
    const c = payload[i] as string;
    if (c === '%') out += /^[0-9a-fA-F]{2}|^u[0-9a-fA-F]{4}/.test(payload.slice(i + 1, i + 6)) ? '%' : '%25';
    else if (c === ' ') out += plusSpace ? '+' : '%20';
    else if (/[A-Za-z0-9\-._~!$'()*,;:@/=]/.test(c)) out += c;
    else if (where === 'path' && c === '+') out += '+';
    else if (where === 'query' && /[?|\\[\]{}^`]/.test(c)) out += c;
    else out += hex(c);
  }
  return out;
}

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function logLine(n: number, method: string, target: string, referer = '-', ua = UA): string {
  const ip = `198.51.${(n >> 8) & 255}.${n & 255}`;
  // Servers escape quotes, backslashes and control bytes in every logged field (\xHH).
  const esc = (s: string) =>
    s.replace(/["\\\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `${ip} - - [15/Jan/2024:10:00:00 +0000] "${method} ${esc(target)} HTTP/1.1" 200 512 "${esc(referer)}" "${esc(ua)}"`;
}

/** The request targets of one payload in every position (post: the body is not in the log). */
export function embed(
  payload: string,
  n: number,
): { position: (typeof positions)[number]; method: string; target: string }[] {
  const json = JSON.stringify({ sku: payload, qty: 1 });
  return [
    {
      position: 'query',
      method: 'GET',
      target:
        n % 2 === 0
          ? `/catalogsearch/result/?q=${encodeFor(payload, 'query', true)}`
          : `/catalog/product/view?id=${encodeFor(payload, 'query', true)}&store=default`,
    },
    { position: 'path', method: 'GET', target: `/catalog/product/view/id/${encodeFor(payload, 'path', n % 2 === 0)}` },
    {
      position: 'rest',
      method: 'GET',
      target:
        n % 2 === 0
          ? `/rest/V1/products/${encodeFor(payload, 'path', false)}`
          : `/rest/default/V1/orders/${encodeFor(payload, 'path', false)}/items`,
    },
    { position: 'json', method: 'GET', target: `/checkout/cart/add?data=${encodeFor(json, 'query', false)}` },
    { position: 'post', method: 'POST', target: '/customer/account/loginPost/' },
  ];
}

function write(file: string, payloads: Payload[]): number {
  const rows: string[] = [];
  payloads.forEach((p, i) => {
    if (p.place !== undefined) {
      const line =
        p.place === 'ua'
          ? logLine(rows.length, 'GET', '/', '-', p.payload)
          : logLine(rows.length, 'GET', '/', p.payload);
      rows.push([p.category, p.place, p.source, JSON.stringify(p.payload), line].join('\t'));
      return;
    }
    for (const e of embed(p.payload, i))
      rows.push(
        [p.category, e.position, p.source, JSON.stringify(p.payload), logLine(rows.length, e.method, e.target)].join(
          '\t',
        ),
      );
  });
  writeFileSync(file, `${rows.join('\n')}\n`);
  return rows.length;
}

/** Benign values in the same positions as the attacks (category `benign`, POST left out). */
function writeBenign(file: string, values: string[]): number {
  const rows: string[] = [];
  values.forEach((v, i) => {
    for (const e of embed(v, i))
      if (e.position !== 'post')
        rows.push(
          ['benign', e.position, 'benign', JSON.stringify(v), logLine(rows.length, e.method, e.target)].join('\t'),
        );
  });
  writeFileSync(file, `${rows.join('\n')}\n`);
  return rows.length;
}

export default function main(args: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const patt = arg('--patt');
  const crs = arg('--crs');
  const many = (name: string): string[] =>
    args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1] as string] : []));
  const extra = many('--extra');
  const unseen = many('--unseen');
  const out = arg('--out') ?? defaultOut;
  if (patt === undefined && crs === undefined) {
    console.error('usage: npm run bench -- build-webattacks --patt MIRROR --crs MIRROR [--out DIR]');
    process.exitCode = 2;
    return;
  }
  mkdirSync(out, { recursive: true });
  let known = new Set<string>();
  if (patt !== undefined) {
    const { payloads, dropped } = fromPatt(patt);
    known = new Set(payloads.map((p) => p.payload));
    const n = write(join(out, 'dev.tsv'), payloads);
    console.log(
      `dev (PayloadsAllTheThings): ${payloads.length} payloads, ${n} lines (${dropped} fuzz characters, lone encoded characters and cheat-sheet lines dropped)`,
    );
  }
  if (crs !== undefined) {
    const { payloads, stats } = fromCrs(crs);
    const n = write(join(out, 'heldout.tsv'), payloads);
    console.log(
      `held out (CRS regression tests, PL1 rules): ${payloads.length} payloads, ${n} lines, from ${stats.tests} tests that must fire: ` +
        `${stats.header} with the attack in the User-Agent or Referer (placed there), ${stats.hidden} with it in a cookie or ` +
        `other header (excluded: no access log shows it), ${stats.noValue} with no value beyond plain words (or a multipart body)`,
    );
  }
  if (extra.length > 0) {
    const payloads = fromExtra(extra, known);
    for (const p of payloads) known.add(p.payload);
    const n = write(join(out, 'extra.tsv'), payloads);
    console.log(
      `extra (${extra.length} mirrors, payloads not in the development set): ${payloads.length} payloads, ${n} lines`,
    );
  }
  if (unseen.length > 0) {
    const payloads = fromUnseen(unseen, known);
    const n = write(join(out, 'unseen.tsv'), payloads);
    console.log(`unseen (${unseen.length} mirrors, payloads in no other set): ${payloads.length} payloads, ${n} lines`);
    const benign = unseenBenign(unseen);
    if (benign.length > 0) {
      const b = writeBenign(join(out, 'unseen-benign.tsv'), benign);
      console.log(`unseen benign (HttpParamsDataset's normal values): ${benign.length} values, ${b} lines`);
    }
  }
  console.log(`written to ${out}`);
}

if (import.meta.main) main(process.argv.slice(2));

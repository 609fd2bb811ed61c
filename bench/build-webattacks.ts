// Builds the public web-attack evaluation set from fetched mirrors (never committed): payloads
// from PayloadsAllTheThings (development set) and the OWASP Core Rule Set's regression tests
// (held out: looked at only to report), embedded into realistic shop access-log lines in
// several positions (query parameter, path segment, REST id, JSON in a parameter, and a POST
// form whose body the log never shows). Writes one TSV per set: category, position, source,
// payload (JSON string) and the log line.
// Usage: npm run bench -- build-webattacks --patt MIRROR --crs MIRROR [--out DIR]
// (MIRROR: the bare git directory `fetch` made, e.g. /work/.mirror/owner+name/repo)

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  xss: [{ under: 'XSS Injection/Intruders', skip: /jsonp_endpoint|0xcela_event_handlers/ }],
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
}

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
          if (seen.has(p)) continue;
          seen.add(p);
          mine.push({ category, source: `patt:${file.split('/').pop()}`, payload: p });
        }
      }
    }
    out.push(...sample(mine, PER_CATEGORY, 11));
  }
  return { payloads: out, dropped };
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

/** Values of a query string or form body, decoded once (as the application would read them). */
function valuesOf(qs: string): string[] {
  return qs
    .split('&')
    .map((kv) => lenientDecode(kv.includes('=') ? kv.slice(kv.indexOf('=') + 1) : kv))
    .filter((v) => v.trim().length >= 3);
}

/** CRS regression tests of the four classes whose rule is paranoia level 1 and that must fire. */
function fromCrs(dir: string): Payload[] {
  const pl = paranoia(dir);
  const out: Payload[] = [];
  for (const [sub, category] of Object.entries(crsDirs)) {
    const seen = new Set<string>();
    for (const file of listFiles(dir, `tests/regression/tests/${sub}`)) {
      const rule = /(\d{6})\.yaml$/.exec(file)?.[1];
      if (rule === undefined || (pl.get(rule) ?? 9) !== 1) continue;
      const text = show(dir, file);
      // The YAML is regular: split on test_id and read uri/data/expect_ids of each test.
      for (const t of text.split(/\n\s*- test_id:/).slice(1)) {
        // Only tests where the rule must fire (no_expect_ids marks the benign ones).
        if (!/(?<!no_)expect_ids:\s*\[\s*\d/.test(t)) continue;
        const uri = /\n\s*uri:\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/.exec(t);
        const data = /\n\s*data:\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S.*))/.exec(t);
        const u = uri === null ? '' : (uri[1] ?? uri[2] ?? uri[3] ?? '').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        const d =
          data === null ? '' : (data[1] ?? data[2] ?? data[3] ?? '').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        const vals = [...(u.includes('?') ? valuesOf(u.slice(u.indexOf('?') + 1)) : []), ...valuesOf(d)];
        // Path-only LFI tests: the path itself is the payload.
        if (vals.length === 0 && category === 'traversal' && !u.includes('?') && /\.\.|%/.test(u)) vals.push(u);
        for (const v of vals) {
          // Plain words are the other arguments of a test whose attack sits in a header, cookie
          // or argument name (not in the request line).
          if (seen.has(v) || /^[A-Za-z0-9_ .-]{0,24}$/.test(v)) continue;
          seen.add(v);
          out.push({ category, source: `crs:${rule}`, payload: v });
        }
      }
    }
  }
  return out;
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

function logLine(n: number, method: string, target: string): string {
  const ip = `198.51.${(n >> 8) & 255}.${n & 255}`;
  const esc = (s: string) => s.replace(/["\\]/g, (c) => (c === '"' ? '\\x22' : '\\x5C'));
  return `${ip} - - [15/Jan/2024:10:00:00 +0000] "${method} ${esc(target)} HTTP/1.1" 200 512 "-" "${UA}"`;
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

export default function main(args: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const patt = arg('--patt');
  const crs = arg('--crs');
  const out = arg('--out') ?? defaultOut;
  if (patt === undefined && crs === undefined) {
    console.error('usage: npm run bench -- build-webattacks --patt MIRROR --crs MIRROR [--out DIR]');
    process.exitCode = 2;
    return;
  }
  mkdirSync(out, { recursive: true });
  if (patt !== undefined) {
    const { payloads, dropped } = fromPatt(patt);
    const n = write(join(out, 'dev.tsv'), payloads);
    console.log(
      `dev (PayloadsAllTheThings): ${payloads.length} payloads, ${n} lines (${dropped} fuzz characters under 4 chars dropped)`,
    );
  }
  if (crs !== undefined) {
    const payloads = fromCrs(crs);
    const n = write(join(out, 'heldout.tsv'), payloads);
    console.log(`held out (CRS regression tests, PL1 rules): ${payloads.length} payloads, ${n} lines`);
  }
  console.log(`written to ${out}`);
}

if (import.meta.main) main(process.argv.slice(2));

// Detection quality: the share of attack requests flagged per class (test/fixtures/attacks,
// each line plus encoded and evasive variants of it), and the share of benign requests
// flagged (generated shop traffic from bench/gen-access-log.ts, the real Apache logs in
// ../shared/corpora/elastic-apache, and hand-written look-alikes). The peer, fail2ban's
// web filters run by fail2ban-regex on the same lines, is reported beside it when it can be
// installed; on the public sets, the OWASP Core Rule Set at paranoia level 1 (bench/crs-peer.ts:
// Apache with ModSecurity from Debian) runs on the same request lines, and on a sample of the
// benign ones for its false positives. Usage: npm run bench -- detect-quality [--verbose] [--benign N] [--no-peer]
// [--attacks DIR] (another collection in the same line format, e.g. one the rules never saw)
// [--webset DIR] (the public set bench/build-webattacks.ts builds; default bench/data/webattacks;
// its extra.tsv and unseen.tsv, the fresh checks from --extra and --unseen mirrors, are reported
// when present; lines whose payload is a lone word, number or fuzz characters are counted apart)

import { seededRandom as rng } from '../src/core/random.ts';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createDetector, loadRules, type Finding } from '../src/detect/index.ts';
import { getParser } from '../src/logs/index.ts';
import type { LogEvent } from '../src/logs/index.ts';
import { accessLines } from './gen-access-log.ts';
import { loneWords, defaultOut as websetDir } from './build-webattacks.ts';
import { crsVerdicts } from './crs-peer.ts';

const root = join(import.meta.dirname, '..');
const defaultAttacksDir = join(root, 'test', 'fixtures', 'attacks');
const apacheCorpus = join(root, '..', 'shared', 'corpora', 'elastic-apache', 'apache_logs');

interface Item {
  line: string;
  /** The fixture line it came from, for reports. */
  source: string;
  variant: string;
}

const hex = (c: string): string =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** What must be escaped for the text to stand in a request line at all. */
function minimal(target: string): string {
  const q = target.indexOf('?');
  const esc = (s: string, plus: boolean) =>
    // eslint-disable-next-line no-control-regex
    s.replace(/[\s"\u0000-\u001f\u007f-\uffff]/gu, (c) => (c === ' ' && plus ? '+' : hex(c)));
  return q < 0 ? esc(target, false) : `${esc(target.slice(0, q), false)}?${esc(target.slice(q + 1), true)}`;
}

/** Every character but letters, digits, `&`, `=` and `/` %-encoded (sqlmap/Burp "encode all"). */
function full(target: string): string {
  const q = target.indexOf('?');
  const enc = (s: string, keep: RegExp) => [...s].map((c) => (keep.test(c) ? c : hex(c))).join('');
  if (q < 0) return enc(target, /[A-Za-z0-9/_-]/);
  return `${enc(target.slice(0, q), /[A-Za-z0-9/_.-]/)}?${enc(target.slice(q + 1), /[A-Za-z0-9&=_+-]/)}`;
}

function mixedCase(s: string, r: () => number): string {
  return [...s].map((c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** Request variants of one fixture target, as scanners and their tamper options produce them. */
function variants(cls: string, target: string, r: () => number): { variant: string; target: string }[] {
  const out = [
    { variant: 'plain', target: minimal(target) },
    { variant: 'encoded', target: full(target) },
    { variant: 'double-encoded', target: full(target).replace(/%/g, '%25') },
    { variant: 'mixed-case', target: minimal(mixedCase(target, r)) },
  ];
  const q = target.indexOf('?');
  if (q >= 0 && target.slice(q).includes(' ')) {
    const head = target.slice(0, q + 1);
    const tail = target.slice(q + 1);
    if (cls === 'sqli')
      out.push({ variant: 'comments-for-spaces', target: minimal(head + tail.replace(/ /g, '/**/')) });
    if (cls === 'sqli') out.push({ variant: 'newline-for-spaces', target: head + minimal(tail).replace(/\+/g, '%0a') });
    if (cls === 'xss') out.push({ variant: 'tab-for-spaces', target: head + minimal(tail).replace(/\+/g, '%09') });
    if (cls === 'cmdi') out.push({ variant: 'ifs-for-spaces', target: minimal(head + tail.replace(/ /g, '${IFS}')) });
  }
  return out;
}

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function accessLine(n: number, method: string, target: string, ua: string, referer: string, status: number): string {
  const ip = `198.18.${(n >> 8) & 255}.${n & 255}`;
  const esc = (s: string) => s.replace(/["\\]/g, (c) => (c === '"' ? '\\x22' : '\\x5C'));
  // Servers escape quotes and backslashes in every logged field (nginx and Apache: \xHH).
  return `${ip} - - [15/Jan/2024:10:00:00 +0000] "${method} ${esc(target)} HTTP/1.1" ${status} 512 "${esc(referer)}" "${esc(ua)}"`;
}

/** Items of one fixture file: every line, in all variants. */
function itemsOf(cls: string, text: string, withVariants: boolean): Item[] {
  const r = rng(42);
  const out: Item[] = [];
  let n = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('UA: ') || line.startsWith('REF: ')) {
      const value = line.slice(line.indexOf(' ') + 1);
      const vs = withVariants ? [value, mixedCase(value, r)] : [value];
      vs.forEach((v, i) => {
        const ua = line.startsWith('UA: ') ? v : UA;
        const ref = line.startsWith('REF: ') ? v : '-';
        out.push({
          line: accessLine(n++, 'GET', '/', ua, ref, 200),
          source: line,
          variant: i === 0 ? 'plain' : 'mixed-case',
        });
      });
      continue;
    }
    const m = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH) (.*)$/.exec(line);
    const method = m?.[1] ?? 'GET';
    const target = m?.[2] ?? line;
    const status = cls === 'probe' || cls === 'shop' ? 404 : 200;
    const vs = withVariants ? variants(cls, target, r) : [{ variant: 'plain', target: minimal(target) }];
    for (const v of vs)
      out.push({ line: accessLine(n++, method, v.target, UA, '-', status), source: line, variant: v.variant });
  }
  return out;
}

interface Result {
  total: number;
  flagged: number;
  misses: Item[];
  hits: { item: Item; findings: readonly Finding[] }[];
  unparsed: number;
}

function run(lines: Iterable<Item>, keep: 'misses' | 'hits'): Result {
  const rules = loadRules();
  const detector = createDetector(rules.compiled);
  const parser = getParser('nginx');
  const ctx = { year: 2024, now: Date.UTC(2024, 6, 1), timezone: 'UTC' };
  const res: Result = { total: 0, flagged: 0, misses: [], hits: [], unparsed: 0 };
  for (const item of lines) {
    const p = parser.parse(item.line, ctx);
    if (p.type !== 'event') {
      res.unparsed++;
      continue;
    }
    res.total++;
    const ev: LogEvent = p.event;
    const f = detector.process(ev);
    if (f.length > 0) {
      res.flagged++;
      if (keep === 'hits') res.hits.push({ item, findings: f });
    } else if (keep === 'misses') res.misses.push(item);
  }
  return res;
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(b >= 10000 ? 3 : 1)}%`);

/** fail2ban's web filters over the same lines: which lines any of them matches. */
function peer(items: Item[], dataDir: string): { matched: number } | { error: string } {
  if (spawnSync('fail2ban-regex', ['--help'], { stdio: 'ignore' }).status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'fail2ban'], { stdio: 'ignore' });
    if (spawnSync('fail2ban-regex', ['--help'], { stdio: 'ignore' }).status !== 0)
      return { error: 'fail2ban-regex not available' };
  }
  const file = join(dataDir, 'peer-input.log');
  writeFileSync(file, `${items.map((i) => i.line).join('\n')}\n`);
  const matched = new Set<string>();
  for (const filter of [
    'nginx-botsearch',
    'apache-badbots',
    'apache-noscript',
    'apache-overflows',
    'php-url-fopen',
    'apache-shellshock',
    'apache-fakegooglebot',
  ]) {
    const path = `/etc/fail2ban/filter.d/${filter}.conf`;
    if (!existsSync(path)) continue;
    const r = spawnSync('fail2ban-regex', ['--print-all-matched', '--print-no-missed', file, path], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    for (const l of (r.stdout ?? '').split('\n')) {
      const m = /^\|\s+(.*)$/.exec(l);
      if (m?.[1]?.includes(' HTTP/1.1"')) matched.add(m[1].trim());
    }
  }
  return { matched: items.filter((i) => matched.has(i.line.trim())).length };
}

const webCats = ['sqli', 'xss', 'traversal', 'cmdi'] as const;
const predicted = [...webCats, 'rfi', 'other', 'none'] as const;

/** The request line of an access-log line (`GET /path?query HTTP/1.1`), or null. */
const requestLineOf = (line: string): string | null => /"([A-Z]+ \S+ HTTP\/1\.[01])"/.exec(line)?.[1] ?? null;

/**
 * The public set: detection per category and position, and a category x predicted table;
 * with `crs`, the Core Rule Set at paranoia level 1 on the same request lines beside it.
 */
async function webset(dir: string, verbose: boolean, crs: boolean): Promise<void> {
  for (const [file, title] of [
    ['dev.tsv', 'development: PayloadsAllTheThings'],
    ['heldout.tsv', 'held out: OWASP CRS regression tests (PL1 rules)'],
    ['extra.tsv', 'fresh check: fuzzdb and payloadbox lists not in the development set (--extra)'],
    [
      'unseen.tsv',
      'second fresh check: libinjection, wfuzz, IntruderPayloads, foospidy, waf-bypass, HttpParamsDataset, InfoSecWarrior (--unseen)',
    ],
  ] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      if (file === 'extra.tsv' || file === 'unseen.tsv') continue;
      console.log(
        `\nPublic set ${title}: skipped, ${path} is missing (npm run bench -- build-webattacks --patt … --crs …)`,
      );
      continue;
    }
    const rows = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [cat = '', position = '', source = '', payload = '', line = ''] = l.split('\t');
        return { cat, position, source, payload, line };
      });
    const rules = loadRules();
    const detector = createDetector(rules.compiled);
    const parser = getParser('nginx');
    const ctx = { year: 2024, now: Date.UTC(2024, 6, 1), timezone: 'UTC' };
    const table = new Map<string, Map<string, number>>();
    const byPos = new Map<string, [number, number]>();
    // lines whose payload is a lone word, number or fuzz characters: [lines, flagged] per category
    const lone = new Map<string, [number, number]>();
    let postFlagged = 0;
    let postTotal = 0;
    const headerSeen = new Map<string, [number, number]>();
    const misses: string[] = [];
    const sent: { cat: string; position: string; line: string; ours: boolean }[] = [];
    for (const r of rows) {
      const p = parser.parse(r.line, ctx);
      const findings = p.type === 'event' ? detector.process(p.event) : [];
      if (r.position === 'post') {
        postTotal++;
        if (findings.length > 0) postFlagged++;
        continue;
      }
      // A test whose attack is the User-Agent or Referer header: reported apart, per category.
      if (r.position === 'ua' || r.position === 'referer') {
        const v = headerSeen.get(r.cat) ?? [0, 0];
        v[0]++;
        if (findings.length > 0) v[1]++;
        headerSeen.set(r.cat, v);
        if (findings.length === 0 && verbose) misses.push(`  miss ${r.cat} [${r.position}] ${r.source} ${r.payload}`);
        continue;
      }
      const cats = findings.map((f) => f.category);
      const pred =
        cats.length === 0
          ? 'none'
          : cats.includes(r.cat)
            ? r.cat
            : (webCats.find((c) => cats.includes(c)) ?? (cats.includes('rfi') ? 'rfi' : 'other'));
      const row = table.get(r.cat) ?? new Map<string, number>();
      row.set(pred, (row.get(pred) ?? 0) + 1);
      table.set(r.cat, row);
      const rl = requestLineOf(r.line);
      if (rl !== null) sent.push({ cat: r.cat, position: r.position, line: rl, ours: pred !== 'none' });
      if (loneWords(JSON.parse(r.payload) as string)) {
        const l = lone.get(r.cat) ?? [0, 0];
        l[0]++;
        if (pred !== 'none') l[1]++;
        lone.set(r.cat, l);
      }
      const k = `${r.cat}|${r.position}`;
      const v = byPos.get(k) ?? [0, 0];
      v[0]++;
      if (pred !== 'none') v[1]++;
      byPos.set(k, v);
      if (pred === 'none' && verbose) misses.push(`  miss ${r.cat} [${r.position}] ${r.source} ${r.payload}`);
    }
    console.log(`\nPublic set ${title} (${rows.length} lines)`);
    console.log(
      `  ${'category'.padEnd(10)} ${'lines'.padStart(6)} ${'flagged'.padStart(8)}  ${['query', 'path', 'rest', 'json'].map((x) => x.padStart(7)).join(' ')}`,
    );
    for (const c of webCats) {
      const row = table.get(c);
      if (row === undefined) continue;
      const total = [...row.values()].reduce((a, b) => a + b, 0);
      const flagged = total - (row.get('none') ?? 0);
      const per = ['query', 'path', 'rest', 'json'].map((pos) => {
        const v = byPos.get(`${c}|${pos}`) ?? [0, 0];
        return pct(v[1], v[0]).padStart(7);
      });
      console.log(
        `  ${c.padEnd(10)} ${String(total).padStart(6)} ${pct(flagged, total).padStart(8)}  ${per.join(' ')}`,
      );
    }
    if (lone.size > 0)
      console.log(
        `  lone words, numbers or fuzz characters (no attack by themselves; lines, flagged) and the rest flagged: ${webCats
          .flatMap((c) => {
            const l = lone.get(c);
            const row = table.get(c);
            if (l === undefined || row === undefined) return [];
            const total = [...row.values()].reduce((a, b) => a + b, 0);
            const flagged = total - (row.get('none') ?? 0);
            return [`${c} ${l[0]}, ${l[1]}; rest ${pct(flagged - l[1], total - l[0])}`];
          })
          .join(' | ')}`,
      );
    console.log(`  confusion (rows: true category; columns: predicted)`);
    console.log(`  ${''.padEnd(10)} ${predicted.map((p) => p.padStart(9)).join('')}`);
    for (const c of webCats) {
      const row = table.get(c);
      if (row === undefined) continue;
      console.log(`  ${c.padEnd(10)} ${predicted.map((p) => String(row.get(p) ?? 0).padStart(9)).join('')}`);
    }
    console.log(
      `  POST form (payload in the body, not in the log): ${postFlagged} of ${postTotal} flagged (not counted above)`,
    );
    if (headerSeen.size > 0)
      console.log(
        `  User-Agent/Referer (the test's attack is that header; not counted above): ${[...headerSeen]
          .map(([c, [t, f]]) => `${c} ${f} of ${t}`)
          .join(', ')}`,
      );
    for (const m of misses) console.log(m);
    if (crs && sent.length > 0) {
      const v = await crsVerdicts(sent.map((x) => x.line));
      if ('error' in v) console.log(`  Core Rule Set peer: ${v.error}`);
      else {
        console.log(
          '  beside it, the OWASP Core Rule Set 3.3 at paranoia level 1 (ModSecurity 2 in Apache, blocking; same request lines):',
        );
        const positions = ['query', 'path', 'rest', 'json'];
        console.log(
          `  ${'category'.padEnd(10)} ${'lines'.padStart(6)} ${'ripcord'.padStart(8)} ${'CRS PL1'.padStart(8)} ${'Apache 400'.padStart(10)}   CRS PL1 by position: ${positions.map((x) => x.padStart(7)).join(' ')}`,
        );
        for (const c of webCats) {
          const idx = sent.flatMap((x, i) => (x.cat === c ? [i] : []));
          if (idx.length === 0) continue;
          const ours = idx.filter((i) => sent[i]?.ours).length;
          const blocked = idx.filter((i) => v[i] === 'blocked').length;
          const refused = idx.filter((i) => v[i] === 'refused').length;
          const per = positions.map((pos) => {
            const at = idx.filter((i) => sent[i]?.position === pos);
            return pct(at.filter((i) => v[i] === 'blocked').length, at.length).padStart(7);
          });
          console.log(
            `  ${c.padEnd(10)} ${String(idx.length).padStart(6)} ${pct(ours, idx.length).padStart(8)} ${pct(blocked, idx.length).padStart(8)} ${pct(refused, idx.length).padStart(10)}   ${''.padEnd(21)}${per.join(' ')}`,
          );
        }
      }
    }
  }
}

/**
 * The benign values of the unseen mirrors (unseen-benign.tsv: HttpParamsDataset's normal form
 * values in the attack positions): flagged in any web-attack category, and by any rule.
 */
function unseenBenign(dir: string, verbose: boolean): void {
  const path = join(dir, 'unseen-benign.tsv');
  if (!existsSync(path)) return;
  const detector = createDetector(loadRules().compiled);
  const parser = getParser('nginx');
  const ctx = { year: 2024, now: Date.UTC(2024, 6, 1), timezone: 'UTC' };
  let lines = 0;
  let web = 0;
  let any = 0;
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    const [, position = '', , payload = '', line = ''] = l.split('\t');
    if (line === '') continue;
    lines++;
    const p = parser.parse(line, ctx);
    const findings = p.type === 'event' ? detector.process(p.event) : [];
    if (findings.length > 0) any++;
    const hit = findings.find((f) => (webCats as readonly string[]).includes(f.category));
    if (hit !== undefined) {
      web++;
      if (verbose) console.log(`  FP ${hit.category} [${position}] ${payload}`);
    }
  }
  console.log(
    `\nUnseen benign values (HttpParamsDataset's normal ones, same positions): ${lines} lines, ${pct(web, lines)} flagged as a web attack (${web}), ${pct(any, lines)} by any rule (${any}: probes of hidden files among them)`,
  );
}

/** The Core Rule Set at paranoia level 1 on a sample of the benign lines: its false positives. */
async function crsBenign(lines: readonly string[]): Promise<void> {
  const requestLines = lines.map(requestLineOf).filter((l): l is string => l !== null);
  const v = await crsVerdicts(requestLines);
  if ('error' in v) console.log(`Core Rule Set peer: ${v.error}`);
  else
    console.log(
      `Core Rule Set PL1 on ${requestLines.length} benign request lines (the first of each benign source): ${pct(
        v.filter((x) => x === 'blocked').length,
        requestLines.length,
      )} blocked (${v.filter((x) => x === 'blocked').length}), Apache refused ${v.filter((x) => x === 'refused').length}`,
    );
}

export default async function main(args: string[]): Promise<void> {
  const verbose = args.includes('--verbose');
  const benignArg = args.indexOf('--benign');
  const benignLines = benignArg >= 0 ? Number(args[benignArg + 1]) : 200_000;
  const dataDir = join(root, 'bench', 'data');
  const attacksArg = args.indexOf('--attacks');
  const attacksDir = attacksArg >= 0 ? (args[attacksArg + 1] ?? defaultAttacksDir) : defaultAttacksDir;
  mkdirSync(dataDir, { recursive: true });

  console.log(
    'Attack requests (test/fixtures/attacks, every line in plain, encoded, double-encoded, mixed-case and per-class evasive forms)',
  );
  const rows: string[][] = [];
  let allT = 0;
  let allF = 0;
  const allAttack: Item[] = [];
  for (const f of readdirSync(attacksDir)
    .filter((n) => n.endsWith('.txt') && n !== 'benign.txt')
    .sort()) {
    const cls = f.replace(/\.txt$/, '');
    const items = itemsOf(cls, readFileSync(join(attacksDir, f), 'utf8'), true);
    allAttack.push(...items);
    const r = run(items, 'misses');
    allT += r.total;
    allF += r.flagged;
    rows.push([
      cls,
      String(r.total),
      String(r.flagged),
      pct(r.flagged, r.total),
      r.unparsed > 0 ? `${r.unparsed} unparsed` : '',
    ]);
    if (verbose) for (const m of r.misses) console.log(`  miss ${cls} [${m.variant}] ${m.source}`);
  }
  rows.push(['all', String(allT), String(allF), pct(allF, allT), '']);
  for (const r of rows)
    console.log(
      `  ${r[0]?.padEnd(10)} ${r[1]?.padStart(6)} requests  ${r[2]?.padStart(6)} flagged  ${r[3]?.padStart(7)}  ${r[4]}`,
    );

  console.log('\nBenign requests');
  const sources: { name: string; items: () => Iterable<Item> }[] = [
    {
      name: `generated shop traffic (${benignLines} lines, bench/gen-access-log.ts seed 7)`,
      items: function* () {
        for (const line of accessLines({ lines: benignLines, seed: 7 }))
          yield { line, source: line, variant: 'generated' };
      },
    },
    {
      name: 'elastic-apache/apache_logs (10,000 real lines)',
      items: function* () {
        if (!existsSync(apacheCorpus)) return;
        for (const line of readFileSync(apacheCorpus, 'utf8').split('\n'))
          if (line !== '') yield { line, source: line, variant: 'real' };
      },
    },
    {
      name: 'look-alikes (test/fixtures/attacks/benign.txt)',
      items: () => itemsOf('benign', readFileSync(join(defaultAttacksDir, 'benign.txt'), 'utf8'), false),
    },
  ];
  let bT = 0;
  let bF = 0;
  let probes = 0;
  for (const s of sources) {
    const r = run(s.items(), 'hits');
    // The real log is not clean: it holds real probes (wp-login.php, /administrator/ answered
    // 404 on a site without them). Those are true findings, counted apart and listed.
    const real = r.hits.filter(
      (h) =>
        h.item.variant === 'real' &&
        / 404 /.test(h.item.line) &&
        h.findings.every((f) => f.category === 'probe' || f.category === 'scanner'),
    );
    const fps = r.hits.filter((h) => !real.includes(h));
    probes += real.length;
    bT += r.total - real.length;
    bF += fps.length;
    console.log(
      `  ${pct(fps.length, r.total - real.length).padStart(8)} false positives (${fps.length} of ${r.total - real.length})  ${s.name}` +
        (real.length > 0
          ? `\n           + ${real.length} real probes in it found (404 for wp-login.php, /administrator/, … on a site without them)`
          : ''),
    );
    const shown = verbose ? r.hits : fps.slice(0, 8);
    for (const h of shown)
      console.log(
        `      ${real.includes(h) ? 'probe ' : 'FP    '}${h.findings.map((f) => f.rule).join(',')}: ${h.item.line.slice(0, 220)}`,
      );
  }
  console.log(
    `  ${pct(bF, bT).padStart(8)} false positives (${bF} of ${bT})  all benign (${probes} real probes not counted)`,
  );

  const rate = allT === 0 ? 0 : allF / allT;
  const fp = bT === 0 ? 0 : bF / bT;
  console.log(
    `\nTargets: attacks flagged > 95%: ${(rate * 100).toFixed(1)}% ${rate > 0.95 ? 'PASS' : 'FAIL'}; benign flagged < 0.1%: ${(fp * 100).toFixed(3)}% ${fp < 0.001 ? 'PASS' : 'FAIL'}`,
  );

  const websetArg = args.indexOf('--webset');
  const crs = !args.includes('--no-peer');
  const webDir = websetArg >= 0 ? (args[websetArg + 1] ?? websetDir) : websetDir;
  await webset(webDir, verbose, crs);
  unseenBenign(webDir, verbose);
  if (crs) {
    const sample: string[] = [];
    for (const s of sources) {
      let n = 0;
      for (const it of s.items()) {
        if (n++ >= 1500) break;
        sample.push(it.line);
      }
    }
    await crsBenign(sample);
  }

  if (!args.includes('--no-peer')) {
    const p = peer(allAttack, dataDir);
    if ('error' in p) console.log(`peer: ${p.error}`);
    else {
      console.log(
        `peer fail2ban web filters: ${pct(p.matched, allT)} of attack requests matched (${p.matched}); ripcord/peer detection ratio ${(allF / Math.max(1, p.matched)).toFixed(1)}x`,
      );
    }
  }
}

if (import.meta.main) await main(process.argv.slice(2));

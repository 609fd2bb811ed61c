// Runs code rules over content that is already in memory (a file read once for hashing and
// scanning, or a database cell). Content is decoded as latin1: one char per byte, so any byte
// sequence is scannable and offsets are byte offsets; rules are written in ASCII.

import { analyseJs, analyseScriptFile, externalScriptSignals, jsPrefilter, scriptsOf } from './js-analysis.ts';
import { type Screen, Screener, unscreened } from './keywords.ts';
import type { Language } from './languages.ts';
import { analysePhp, phpPrefilter } from './php-analysis.ts';
import type { CodeCategory, CodeRule, CodeSeverity } from './rules.ts';
import { reportAt, type Signal, SignalSet, severityOf } from './signals.ts';
import { sniffLanguages } from './sniff.ts';

export interface CodeFinding {
  /** File path (as given) or `table.column#key` for database content. */
  path: string;
  rule: string;
  category: CodeCategory;
  severity: CodeSeverity;
  /** 1-based line of the hit; 0 for a rule on the path alone. */
  line: number;
  /** A short excerpt of what matched (attacker-controlled: escape when shown). */
  match: string;
  description: string;
}

export interface ScanTarget {
  /** Shown in findings. */
  path: string;
  /** '/'-separated path relative to the site root, for rules with `paths`. */
  rel: string;
  /** Content kinds; defaults to what the name and the content say. */
  languages?: readonly Language[];
}

export const excerptLength = 120;

export function excerpt(text: string, index: number, length: number): string {
  const raw = text.slice(index, index + Math.min(length, excerptLength));
  const cut = raw.replace(/\s+/g, ' ').trim();
  return length > excerptLength ? `${cut}…` : cut;
}

export function lineAt(text: string, index: number): number {
  let line = 1;
  let i = text.indexOf('\n');
  while (i !== -1 && i < index) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

/** Bytes to text for scanning: latin1, cut to maxBytes. */
export function scanText(content: Uint8Array, maxBytes: number): string {
  const b = Buffer.from(content.buffer, content.byteOffset, Math.min(content.byteLength, maxBytes));
  return b.toString('latin1');
}

/** Media and archives too big and too inert to read for code (images are read: PHP hides in them). */
const inert =
  /\.(?:mp4|m4v|mov|avi|mkv|webm|mp3|wav|ogg|flac|zip|gz|tgz|bz2|xz|7z|rar|pdf|woff2?|ttf|otf|eot|psd|iso|dmg|sqlite|db)$/i;

/**
 * True when a file is worth reading for a scan. Content decides the language (PHP hides in
 * images, text and extensionless files), so every file is read but inert media and archives.
 */
export function isScannable(rel: string, _rules: readonly CodeRule[]): boolean {
  return !inert.test(rel);
}

/**
 * Everything the scanner finds in one text: the code rules' hits and the analysers' verdict
 * (PHP and JavaScript, by the languages the name and the content show).
 */
export function scanContent(text: string, target: ScanTarget, rules: readonly CodeRule[]): CodeFinding[] {
  // A page saved from the browser's view-source: the page's own source, escaped into a table.
  const source = target.languages === undefined ? viewSourceText(text) : null;
  if (source !== null) return scanContent(source, target, rules);
  const langs = target.languages ?? sniffLanguages(target.rel, text);
  if (langs.length === 0) return [];
  // One keyword pass says which rule and prefilter expressions could match; only those run.
  const screen = screenerFor(rules).screen(text);
  const hits = matchRules(text, target, rules, langs, screen);
  const verdict = analyseOrReport(text, target, langs, screen);
  // A packing shape (eval of decoded text) on a line whose eval the analyser unpacked and read
  // through says nothing the reading did not: what that code does decides, as for vendors'
  // packed licence checks — the analysers' verdict, and the other rules read on that code.
  const packed = (f: CodeFinding) =>
    verdict.unpacked.has(f.line) && rules.find((r) => r.id === f.rule)?.packing === true;
  const out = verdict.unpacked.size === 0 ? hits : hits.filter((f) => !packed(f));
  const dropped = hits.find(packed);
  if (dropped !== undefined) {
    const named = new Set(out.map((f) => f.rule));
    // Rules of what code does: how the unpacked code looks (its own packing) is no reason once read.
    const acts = rules.filter((r) => !r.packing && r.category !== 'obfuscation' && r.pathMatch === null);
    for (const layer of verdict.layers)
      for (const f of matchRules(layer, target, acts, ['php']))
        if (!named.has(f.rule)) {
          named.add(f.rule);
          out.push({ ...f, line: dropped.line, match: `${f.match} (in the code unpacked here)` });
        }
  }
  // A line a rule already named needs no second reason from the analysers.
  const ruleLines = new Set(out.map((f) => f.line));
  for (const s of verdict.findings) if (!ruleLines.has(s.line)) out.push({ ...s, path: target.path });
  return out;
}

/**
 * The analysers' verdict, or, when they fail on this content, a finding that says so: content
 * made to break a scanner (a chain nested past the stack, a parser trap) must neither end the
 * scan of every other file nor pass as clean. The rules' own hits stand either way.
 */
function analyseOrReport(
  text: string,
  target: ScanTarget,
  langs: readonly Language[],
  screen: Screen,
): ReturnType<typeof analyse> {
  try {
    return analyse(text, target.rel, langs, screen);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const finding: Omit<CodeFinding, 'path'> = {
      rule: 'analysis-failed',
      category: 'obfuscation',
      severity: 'medium',
      line: 0,
      match: excerpt(why, 0, why.length),
      description:
        'The code analysers could not read this content to the end; content made to break a scanner is suspect: look at it by hand.',
    };
    return { findings: [finding], unpacked: new Set(), layers: [] };
  }
}

/** A line of a page saved from Chrome's view-source: `<td class="line-content">…escaped source…</td>`. */
const viewSourceLine = /<td class="line-content">([\s\S]*?)<\/td>/g;

/**
 * The source a page saved from the browser's view-source shows (its lines, tags stripped and
 * entities unescaped: line N is the source's line N), or null for any other text.
 */
export function viewSourceText(text: string): string | null {
  if (!text.includes('<td class="line-number"') || !text.includes('<td class="line-content">')) return null;
  const lines: string[] = [];
  for (const m of text.matchAll(viewSourceLine)) lines.push(unescapeHtml((m[1] as string).replace(/<[^>]*>/g, '')));
  return lines.length === 0 ? null : lines.join('\n');
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };

function unescapeHtml(s: string): string {
  return s.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,6}));/gi, (m, dec: string, hex: string, name: string) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex, 16);
      return code < 256 ? String.fromCharCode(code) : m;
    }
    return entities[name.toLowerCase()] ?? m;
  });
}

const screeners = new WeakMap<readonly CodeRule[], Screener>();

/** The keyword screen of a rule set (with the analysers' prefilters), built once per set. */
function screenerFor(rules: readonly CodeRule[]): Screener {
  let s = screeners.get(rules);
  if (s === undefined) {
    s = new Screener([...rules.flatMap((r) => r.patterns), ...phpPrefilter, ...jsPrefilter]);
    screeners.set(rules, s);
  }
  return s;
}

/** The code rules' hits alone (what `rules test` checks each rule's samples with). */
export function matchRules(
  text: string,
  target: ScanTarget,
  rules: readonly CodeRule[],
  langs: readonly Language[] = target.languages ?? sniffLanguages(target.rel, text),
  screen: Screen = unscreened,
): CodeFinding[] {
  const out: CodeFinding[] = [];
  for (const rule of rules) {
    if (!langs.some((l) => rule.languages.has(l))) continue;
    if (rule.pathMatch !== null && !rule.pathMatch(target.rel)) continue;
    let index = 0;
    let length = 0;
    let hit = true;
    for (let i = 0; i < rule.patterns.length && hit; i++) {
      const re = rule.patterns[i] as RegExp;
      const m = screen.may(re) ? re.exec(text) : null;
      if (m === null) hit = false;
      else if (i === 0) {
        index = m.index;
        length = m[0].length;
      }
    }
    if (!hit) continue;
    if (rule.unless?.test(text)) continue;
    const pathOnly = rule.patterns.length === 0;
    out.push({
      path: target.path,
      rule: rule.id,
      category: rule.category,
      severity: rule.severity,
      line: pathOnly ? 0 : lineAt(text, index),
      match: pathOnly ? target.rel.slice(target.rel.lastIndexOf('/') + 1) : excerpt(text, index, length),
      description: rule.description,
    });
  }
  return out;
}

/** Folders where uploads, caches and media live: code there was not shipped by a vendor. */
const writableFolder =
  /(?:^|\/)(?:media|uploads?|var|tmp|cache|images?|files|wp-content\/uploads|pub\/media|img)(?:\/|$)|(?:^|\/)\.[^/]+$/i;

/**
 * The analysers' verdict on one text: every signal of the PHP and JavaScript analysers (the
 * scripts inside HTML and templates too), reported when together they reach the bar; and the
 * lines of the PHP evals whose code was unpacked and read through.
 */
export function analyse(
  text: string,
  rel: string,
  langs: readonly Language[],
  screen: Screen = unscreened,
): { findings: Omit<CodeFinding, 'path'>[]; unpacked: ReadonlySet<number>; layers: readonly string[] } {
  const set = new SignalSet();
  const take = (signals: readonly Signal[]) => {
    for (const s of signals) set.add(s);
  };
  let unpacked: ReadonlySet<number> = new Set();
  let layers: readonly string[] = [];
  if (langs.includes('php')) {
    const php = analysePhp(text, 0, screen);
    take(php.signals);
    ({ unpacked, layers } = php);
  }
  // A script (not markup) is analysed whole, even when a string in it holds a <script> tag: then
  // once, the scripts its strings hold read from their values (analyseScriptFile).
  // A script that starts with `<!--` (the old way to hide a script from ancient browsers) is one too.
  const script = langs.includes('js') && !langs.includes('php') && (!/^\s*</.test(text) || !langs.includes('html'));
  if (script && langs.includes('html')) take(analyseScriptFile(text, screen));
  else if (script) take(analyseJs(text, 1, false, screen).signals);
  else if (langs.includes('html')) for (const s of scriptsOf(text)) take(analyseJs(s.code, s.line).signals);
  if (langs.includes('html')) take(externalScriptSignals(text));
  if (set.size === 0) return { findings: [], unpacked, layers };
  if (writableFolder.test(rel) && langs.includes('php'))
    set.add({
      id: 'code-in-writable-folder',
      category: 'upload',
      weight: 3,
      line: 0,
      evidence: rel,
      description: 'Code in a folder for uploads, media or caches.',
    });
  const score = set.score();
  if (score < reportAt) return { findings: [], unpacked, layers };
  const severity = severityOf(score);
  const findings = set
    .all()
    .filter((s) => s.weight >= 3)
    .map((s) => ({
      rule: s.id,
      category: s.category,
      severity,
      line: s.line,
      match: s.evidence,
      description: `${s.description} (score ${score})`,
    }));
  return { findings, unpacked, layers };
}

// Detection as the CLI and the daemon use it: the rule set the config asks for (shipped
// rules, the user's files resolved against the config's folder, minus `detect.disable` and
// the platform's presets), a ready detector, the rule test runner and explainer wired to the
// real log parsers, and `ripcord detect` over a file or stdin without storing anything.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { AppError } from '../core/errors.ts';
import type { FormatName } from '../core/config/index.ts';
import {
  createDetector,
  explainEvent,
  loadRules,
  runRuleTests,
  splitRequest,
  type CaseResult,
  type Detector,
  type Explanation,
  type LineParser,
  type LoginHistory,
  type RuleSet,
} from '../detect/index.ts';
import { getParser, sniffFormat, type LogEvent, type ParseContext, type Parser } from '../logs/index.ts';
import { resolvePath, type LoadedConfig } from './config.ts';

/** Rules that make no sense on some platforms (WordPress shops log into wp-login.php daily). */
const platformPresets: Record<string, string[]> = {
  wordpress: ['probe-wordpress'],
  woocommerce: ['probe-wordpress'],
};

export function ruleSetFor(loaded: LoadedConfig): RuleSet {
  const { config, baseDir } = loaded;
  const ruleFiles = config.detect.ruleFiles.map((f) => resolvePath(baseDir, f));
  // Presets only switch off rules that exist (a user may have removed or renamed them).
  const probe = loadRules({ ruleFiles, disable: config.detect.disable });
  const known = new Set(probe.files.flatMap((f) => f.rules.map((r) => r.id)));
  const preset = (platformPresets[config.site.platform] ?? []).filter(
    (id) => known.has(id) && !config.detect.disable.includes(id),
  );
  if (preset.length === 0) return probe;
  return loadRules({ ruleFiles, disable: [...config.detect.disable, ...preset] });
}

export function detectorFor(loaded: LoadedConfig, history?: LoginHistory): Detector {
  const set = ruleSetFor(loaded);
  return createDetector(set.compiled, { maxBuckets: loaded.config.detect.maxBuckets, ...(history ? { history } : {}) });
}

export interface RuleInfo {
  id: string;
  kind: string;
  category: string;
  severity: string;
  title: string;
  enabled: boolean;
  file: string;
  shipped: boolean;
  description: string;
  tests: number;
}

export function listRules(loaded: LoadedConfig): RuleInfo[] {
  const set = ruleSetFor(loaded);
  const disabled = new Set(set.disabled);
  return set.files.flatMap((f) =>
    f.rules.map((r) => ({
      id: r.id,
      kind: r.kind,
      category: r.category,
      severity: r.severity,
      title: r.title,
      enabled: !disabled.has(r.id),
      file: f.path,
      shipped: f.shipped,
      description: r.description,
      tests: f.tests.filter((t) => t.spec.expect.includes(r.id)).length,
    })),
  );
}

function parseContext(): ParseContext {
  const now = Date.now();
  return { year: new Date(now).getUTCFullYear(), now, timezone: 'UTC' };
}

/** Parses one line with a named format (or sniffs it for `auto`). */
export const parseLine: LineParser = (format, line) => {
  const name = format === 'auto' ? sniffFormat([line]) : format;
  let parser: Parser;
  try {
    parser = getParser(name as FormatName);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const r = parser.parse(line, parseContext());
  if (r.type === 'event') return r.event;
  return { error: r.type === 'skip' ? `the ${parser.name} parser skips this line (not key traffic)` : r.reason };
};

export function testRules(loaded: LoadedConfig, only?: string): CaseResult[] {
  return runRuleTests(ruleSetFor(loaded), { only, parseLine });
}

/**
 * Explains one line: parsed with `format` (sniffed when absent); a bare request such as
 * `GET /search?q=...` is taken as a web request too, so payloads can be tried directly.
 */
export function explainLine(
  loaded: LoadedConfig,
  line: string,
  format?: string,
): { event: LogEvent; explanation: Explanation } {
  const set = ruleSetFor(loaded);
  let event: LogEvent | null = null;
  const bare = /^(?:[A-Z]{3,10} )?\/\S*/.test(line.trim());
  if (bare && format === undefined) {
    const trimmed = line.trim();
    const req = splitRequest(/^[A-Z]{3,10} /.test(trimmed) ? trimmed : `GET ${trimmed}`);
    event = {
      kind: 'http',
      time: Date.now(),
      ip: '0.0.0.0',
      ...req,
      status: 200,
      bytes: null,
      referer: null,
      userAgent: null,
      user: null,
      vhost: null,
      durationMs: null,
    };
  } else {
    const r = parseLine(format ?? 'auto', line);
    if ('error' in r)
      throw new AppError('parse', `the line could not be parsed: ${r.error}`, {
        where: format ?? 'auto-detected format',
      });
    event = r;
  }
  return { event, explanation: explainEvent(set.compiled, event) };
}

export interface DetectedFinding {
  line: number;
  rule: string;
  category: string;
  severity: string;
  field: string;
  match: string;
}

export interface DetectSummary {
  lines: number;
  events: number;
  skipped: number;
  rejected: number;
  findings: number;
  format: string;
}

/**
 * Runs every enabled rule over the lines of a file (or stdin for `-`) without storing
 * anything; `onFinding` gets each finding with its 1-based line number as it is found.
 */
export async function detectLines(
  loaded: LoadedConfig,
  input: string | Readable,
  format: string | undefined,
  onFinding: (f: DetectedFinding) => void,
): Promise<DetectSummary> {
  const detector = detectorFor(loaded);
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  if (typeof input === 'string') {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: Error) =>
        reject(new AppError('not_found', `cannot read: ${e.message}`, { where: input })),
      );
    });
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const ctx = parseContext();
  const summary: DetectSummary = {
    lines: 0,
    events: 0,
    skipped: 0,
    rejected: 0,
    findings: 0,
    format: format ?? 'auto',
  };
  let parser: Parser | null = format === undefined || format === 'auto' ? null : getParser(format as FormatName);
  const pending: string[] = [];
  const handle = (line: string): void => {
    summary.lines++;
    const p = (parser as Parser).parse(line, ctx);
    if (p.type === 'skip') summary.skipped++;
    else if (p.type === 'reject') summary.rejected++;
    else {
      summary.events++;
      for (const f of detector.process(p.event)) {
        summary.findings++;
        onFinding({
          line: summary.lines,
          rule: f.rule,
          category: f.category,
          severity: f.severity,
          field: f.field,
          match: f.match,
        });
      }
    }
  };
  for await (const line of rl) {
    if (parser === null) {
      // Sniff the format from the first lines, then replay them.
      pending.push(line);
      if (pending.length < 20) continue;
      parser = getParser(sniffFormat(pending));
      summary.format = parser.name;
      for (const l of pending.splice(0)) handle(l);
      continue;
    }
    handle(line);
  }
  if (parser === null && pending.length > 0) {
    parser = getParser(sniffFormat(pending));
    summary.format = parser.name;
    for (const l of pending.splice(0)) handle(l);
  }
  return summary;
}

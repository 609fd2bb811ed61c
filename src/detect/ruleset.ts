// The rule set a configuration asks for: the shipped rules plus the user's files, minus
// `detect.disable` and the rules the shop's platform makes pointless; the listing `ripcord
// rules list` shows; and the explanation of one line (`ripcord rules explain`).

import { AppError } from '../core/errors.ts';
import { explainEvent, type Explanation } from './explain.ts';
import type { LogEvent } from '../core/events.ts';
import { loadRules, type RuleSet } from './load.ts';
import { splitRequest, type LineParser } from './testing.ts';

/** Rules that make no sense on some platforms (WordPress shops log into wp-login.php daily). */
const platformPresets: Record<string, string[]> = {
  wordpress: ['probe-wordpress'],
  woocommerce: ['probe-wordpress'],
};

export interface RuleSetOptions {
  /** The user's rule files, absolute. */
  ruleFiles: string[];
  disable: string[];
  /** `site.platform`. */
  platform: string;
}

export function ruleSetFor(o: RuleSetOptions): RuleSet {
  // Presets only switch off rules that exist (a user may have removed or renamed them).
  const probe = loadRules({ ruleFiles: o.ruleFiles, disable: o.disable });
  const known = new Set(probe.files.flatMap((f) => f.rules.map((r) => r.id)));
  const preset = (platformPresets[o.platform] ?? []).filter((id) => known.has(id) && !o.disable.includes(id));
  if (preset.length === 0) return probe;
  return loadRules({ ruleFiles: o.ruleFiles, disable: [...o.disable, ...preset] });
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

export function listRules(set: RuleSet): RuleInfo[] {
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

/**
 * Explains one line: parsed with `format` (sniffed when absent); a bare request such as
 * `GET /search?q=...` is taken as a web request too, so payloads can be tried directly.
 */
export function explainLine(
  set: RuleSet,
  line: string,
  format: string | undefined,
  parseLine: LineParser,
  now: number,
): { event: LogEvent; explanation: Explanation } {
  let event: LogEvent | null = null;
  const bare = /^(?:[A-Z]{3,10} )?\/\S*/.test(line.trim());
  if (bare && format === undefined) {
    const trimmed = line.trim();
    const req = splitRequest(/^[A-Z]{3,10} /.test(trimmed) ? trimmed : `GET ${trimmed}`);
    event = {
      kind: 'http',
      time: now,
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

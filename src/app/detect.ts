// Detection wired for the CLI and the daemon: the rule set the config asks for (user rule
// files resolved against the config's folder), a ready detector whose first-seen rules remember
// the logins stored in the traffic record, the rule tests and explainer over the real log
// parsers, and `ripcord detect` over a file or stdin.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { AppError } from '../core/errors.ts';
import type { FormatName } from '../core/config/index.ts';
import * as detect from '../detect/index.ts';
import {
  createDetector,
  MemoryLoginHistory,
  runRuleTests,
  type CaseResult,
  type Detector,
  type DetectorOptions,
  type Explanation,
  type LineParser,
  type Login,
  type LoginHistory,
  type RuleInfo,
  type RuleSet,
} from '../detect/index.ts';
import * as logs from '../logs/index.ts';
import {
  getParser,
  sniffFormat,
  type DetectedFinding,
  type DetectSummary,
  type EventStore,
  type LogEvent,
  type ParseContext,
  type Parser,
} from '../logs/index.ts';
import { resolvePath, type LoadedConfig } from './config.ts';

export type { DetectedFinding, DetectSummary, RuleInfo };

/** How far back, and how many, stored logins seed the history. */
const HISTORY_DAYS = 400;
const HISTORY_MAX = 200_000;

export function ruleSetFor(loaded: LoadedConfig): RuleSet {
  const { config, baseDir } = loaded;
  return detect.ruleSetFor({
    ruleFiles: config.detect.ruleFiles.map((f) => resolvePath(baseDir, f)),
    disable: config.detect.disable,
    platform: config.site.platform,
  });
}

export function detectorFor(
  loaded: LoadedConfig,
  history?: LoginHistory,
  rules: DetectorOptions['rules'] = 'all',
): Detector {
  const set = ruleSetFor(loaded);
  return createDetector(set.compiled, {
    maxBuckets: loaded.config.detect.maxBuckets,
    rules,
    ...(history ? { history } : {}),
  });
}

/** The stored successful logins, oldest first: the history of the first-seen rules. */
export async function historyLogins(store: EventStore, now = Date.now()): Promise<Login[]> {
  const rows = await store.searchAuth({
    loginsOnly: true,
    outcome: 'success',
    since: now - HISTORY_DAYS * 86_400_000,
    limit: HISTORY_MAX,
  });
  const out: Login[] = [];
  // Oldest first, as they happened.
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r && r.user !== null) out.push({ service: r.service, user: r.user, ip: r.ip, time: r.time });
  }
  return out;
}

/** The stored successful logins are the history of the first-seen rules: nothing extra is written back. */
export async function loginHistory(store: EventStore, now = Date.now()): Promise<MemoryLoginHistory> {
  const history = new MemoryLoginHistory();
  for (const l of await historyLogins(store, now)) history.remember(l);
  return history;
}

/**
 * The detector for the traffic pipeline, or undefined when detection is off; with `rules`
 * 'stateful', the part that runs beside a detection thread (detect-thread.ts).
 */
export async function buildDetector(
  loaded: LoadedConfig,
  store: EventStore,
  rules: DetectorOptions['rules'] = 'all',
): Promise<Detector | undefined> {
  if (!loaded.config.detect.enabled) return undefined;
  return detectorFor(loaded, await loginHistory(store), rules);
}

export function listRules(loaded: LoadedConfig): RuleInfo[] {
  return detect.listRules(ruleSetFor(loaded));
}

function parseContext(): ParseContext {
  const now = Date.now();
  return { year: new Date(now).getUTCFullYear(), now, timezone: 'UTC' };
}

/** Parses one line with a named format (or sniffs it for `auto`): the log parsers as detect's LineParser. */
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

export function explainLine(
  loaded: LoadedConfig,
  line: string,
  format?: string,
): { event: LogEvent; explanation: Explanation } {
  return detect.explainLine(ruleSetFor(loaded), line, format, parseLine, Date.now());
}

/** `ripcord detect`: every enabled rule over a file (or stdin for `-`), nothing stored. */
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
  return logs.detectLines(rl, format, detector, parseContext(), onFinding);
}

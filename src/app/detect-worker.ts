// The detection thread's side (started by detect-thread.ts): it builds the detector from the
// rule options and login history it is given, then answers each job — a batch's lines,
// parsed here exactly as the pipeline parses them — with that batch's findings, in order.
// It keeps the detector's state (counting windows, login history) for the whole run.

import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, MemoryLoginHistory, ruleSetFor, type Detector, type Login } from '../detect/index.ts';
import { toAppError } from '../core/errors.ts';
import { getParser, parseLines, type DetectJob, type Parser } from '../logs/index.ts';
import type { FormatName } from '../core/config/index.ts';
import type { Finding } from '../core/finding.ts';

export interface DetectWorkerData {
  ruleFiles: string[];
  disable: string[];
  platform: string;
  maxBuckets: number;
  /** Stored successful logins, oldest first (the first-seen rules' history). */
  logins: Login[];
}

export type DetectRequest = { seq: number; job: DetectJob };
export type DetectReply =
  | { seq: number; findings: { finding: Finding; event: number }[] }
  | { seq: number; error: string };

/** The first message: the detector is built, or why not (a broken rule file), with its error code. */
export type DetectReady =
  | { ready: true }
  | { ready: false; code: string; message: string; where: string | undefined; details: string[] };

function build(): Detector | null {
  try {
    const data = workerData as DetectWorkerData;
    const history = new MemoryLoginHistory();
    for (const l of data.logins) history.remember(l);
    const set = ruleSetFor({ ruleFiles: data.ruleFiles, disable: data.disable, platform: data.platform });
    const d = createDetector(set.compiled, { maxBuckets: data.maxBuckets, history });
    parentPort?.postMessage({ ready: true } satisfies DetectReady);
    return d;
  } catch (e) {
    const err = toAppError(e, 'internal');
    parentPort?.postMessage({
      ready: false,
      code: err.code,
      message: err.message,
      where: err.where,
      details: [...err.details],
    } satisfies DetectReady);
    return null;
  }
}

/** Lines parsed and run at a time. */
const SLICE = 256;

const built = build();
const detector = built;
const parsers = new Map<string, Parser>();

if (detector !== null)
  parentPort?.on('message', ({ seq, job }: DetectRequest) => {
    let reply: DetectReply;
    try {
      const key = `${job.sourceId}\u0000${job.format}\u0000${job.logFormat ?? ''}`;
      let parser = parsers.get(key);
      if (parser === undefined) {
        parser = getParser(job.format as FormatName, { logFormat: job.logFormat });
        parsers.set(key, parser);
      }
      // Parsed and run a slice at a time, so a slice's events die young instead of the whole
      // batch's being copied by the garbage collector; the event indices count across slices,
      // as if the batch were parsed at once (parseLines reads each line on its own).
      const findings: { finding: Finding; event: number }[] = [];
      let base = 0;
      for (let from = 0; from < job.lines.length; from += SLICE) {
        const lines = job.lines.slice(from, from + SLICE);
        const { events } = parseLines(parser, lines, job.firstLine + from, job.ctx, job.platform);
        for (let i = 0; i < events.length; i++) {
          const e = events[i];
          if (e !== undefined) for (const f of detector.process(e)) findings.push({ finding: f, event: base + i });
        }
        base += events.length;
      }
      reply = { seq, findings };
    } catch (e) {
      reply = { seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    parentPort?.postMessage(reply);
  });

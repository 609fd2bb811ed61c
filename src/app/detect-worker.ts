// The detection thread's side (started by detect-thread.ts): it compiles the rule set it is
// given, then answers each job (a batch's lines, parsed here exactly as the pipeline parses
// them) with what needs no state of the traffic (detect/gate-verdicts.ts): the gate verdicts
// of every event and the signature rules' findings, in order. The rules that keep state
// (counting windows, login history) run on the main thread at the commit, with these verdicts.

import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, gateFingerprint, ruleSetFor, verdictStride, type Detector } from '../detect/index.ts';
import { toAppError } from '../core/errors.ts';
import { getParser, parseLines, type DetectJob, type Parser } from '../logs/index.ts';
import type { FormatName } from '../core/config/index.ts';
import type { Finding } from '../core/finding.ts';

export interface DetectWorkerData {
  ruleFiles: string[];
  disable: string[];
  platform: string;
}

export type DetectRequest = { seq: number; job: DetectJob };
export type DetectReply =
  | { seq: number; verdicts: Int32Array; events: number; findings: { finding: Finding; event: number }[] }
  | { seq: number; error: string };

/** The first message: the rules are compiled (and their fingerprint), or why not, with its error code. */
export type DetectReady =
  | { ready: true; fingerprint: string }
  | { ready: false; code: string; message: string; where: string | undefined; details: string[] };

function build(): { detector: Detector; stride: number } | null {
  try {
    const data = workerData as DetectWorkerData;
    const set = ruleSetFor({ ruleFiles: data.ruleFiles, disable: data.disable, platform: data.platform });
    const detector = createDetector(set.compiled, { rules: 'signatures' });
    parentPort?.postMessage({ ready: true, fingerprint: gateFingerprint(set.compiled) } satisfies DetectReady);
    return { detector, stride: verdictStride(set.compiled) };
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
const parsers = new Map<string, Parser>();
/** Verdicts of the batch being worked on (grown as needed); each reply gets an exact copy. */
let scratch = new Int32Array(0);

if (built !== null)
  parentPort?.on('message', ({ seq, job }: DetectRequest) => {
    const { detector, stride } = built;
    try {
      const key = `${job.sourceId}\u0000${job.format}\u0000${job.logFormat ?? ''}`;
      let parser = parsers.get(key);
      if (parser === undefined) {
        parser = getParser(job.format as FormatName, { logFormat: job.logFormat });
        parsers.set(key, parser);
      }
      // A line makes at most two events (a request and the shop-admin login derived from it).
      if (scratch.length < stride * job.lines.length * 2) scratch = new Int32Array(stride * job.lines.length * 2);
      // Parsed and run a slice at a time, so a slice's events die young instead of the whole
      // batch's being copied by the garbage collector; the event indices count across slices,
      // as if the batch were parsed at once (parseLines reads each line on its own).
      const findings: { finding: Finding; event: number }[] = [];
      let n = 0;
      for (let from = 0; from < job.lines.length; from += SLICE) {
        const lines = job.lines.slice(from, from + SLICE);
        const { events } = parseLines(parser, lines, job.firstLine + from, job.ctx, job.platform);
        for (const e of events) {
          for (const f of detector.process(e)) findings.push({ finding: f, event: n });
          detector.writeVerdicts(scratch, n++);
        }
      }
      const verdicts = scratch.slice(0, n * stride);
      parentPort?.postMessage({ seq, verdicts, events: n, findings } satisfies DetectReply, [verdicts.buffer]);
    } catch (e) {
      parentPort?.postMessage({
        seq,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      } satisfies DetectReply);
    }
  });

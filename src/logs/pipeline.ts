// The traffic path: a batch of lines -> parser -> (derived shop-admin logins) -> detector ->
// one store transaction with the events, rejections, findings and the source checkpoint.
// A crash between batches loses nothing and doubles nothing: the checkpoint moves only with
// the batch it covers.

import type { FormatName } from '../core/config/index.ts';
import { AppError, toAppError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { LogEvent, ParseContext, ParseResult, Parser, Rejection } from './events.ts';
import { batchEvents, type AppendBatch, type EventStore, type PackedEvents } from './ports.ts';
import type { LineBatch } from './sources.ts';
import { deriveShopAdminLogin, getParser, sniffFormat } from './parsers/index.ts';

/**
 * What the pipeline needs of a detector (src/detect's engine satisfies it). With `verdicts`,
 * the gate verdicts of the batch's events worked out on another thread (BatchGates), event
 * `at` of the batch reads its gates from there.
 */
export interface EventDetector {
  process(event: LogEvent, verdicts?: Int32Array, at?: number): readonly Finding[];
}

/** A batch as the detection thread receives it: it parses the lines exactly as `parseLines` does. */
export interface DetectJob {
  /** The channel's source: a stateful parser (`auto`) is kept per source. */
  sourceId: string;
  lines: readonly string[];
  firstLine: number;
  /** The parser the channel chose (its name after sniffing) and its custom log format. */
  format: string;
  logFormat: string | undefined;
  ctx: ParseContext;
  platform: string;
}

/** What the detection thread answers for a batch (detect/gate-verdicts.ts has the verdicts' layout). */
export interface BatchVerdicts {
  /** Gate verdicts, a fixed number of ints per event, in the order parseLines makes the events. */
  verdicts: Int32Array;
  events: number;
  /** The signature rules' findings, by event index, in order. */
  findings: { finding: Finding; event: number }[];
}

/**
 * The stateless part of detection off the pipeline's thread (a worker, app/detect-worker): the
 * gate verdicts of a batch's events and the signature rules' findings. Jobs are answered in
 * the order given; the rules that keep state run here, in order, at the commit.
 */
export interface BatchGates {
  verdicts(job: DetectJob): Promise<BatchVerdicts>;
}

export interface PipelineOptions {
  store: EventStore;
  detector?: EventDetector | undefined;
  /** The detector's gates worked out on another thread; batches are then stored one behind (see SourceChannel.handle). */
  batchGates?: BatchGates | undefined;
  /** Shop platform, for recognising admin logins in access logs. */
  platform?: string;
  /** Called after each committed batch that produced findings (wakes the alert dispatcher). */
  onFindings?: (ids: number[]) => void;
  now?: () => number;
  /** Longest text kept for a rejected line. */
  maxRejectText?: number;
}

export interface SourceStats {
  lines: number;
  events: number;
  skipped: number;
  rejected: number;
  findings: number;
  format: string | null;
}

export interface ParsedLines {
  events: LogEvent[];
  eventLines: number[];
  rejects: Rejection[];
  skipped: number;
}

/**
 * A batch's lines as events (with the shop-admin logins derived from access-log requests),
 * rejections and the count of skipped lines. Pure and deterministic for one parser and
 * context: a detector on another thread runs it too and gets the same event indices.
 */
export function parseLines(
  parser: Parser,
  lines: readonly string[],
  firstLine: number,
  ctx: ParseContext,
  platform: string,
  maxText = 8192,
): ParsedLines {
  const events: LogEvent[] = [];
  const eventLines: number[] = [];
  const rejects: Rejection[] = [];
  let skipped = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    const lineNo = firstLine + i;
    if (text === '') {
      skipped++;
      continue;
    }
    let r: ParseResult;
    try {
      r = parser.parse(text, ctx);
    } catch (e) {
      // Parsers must not throw; if one does, the line is kept as a rejection, not lost.
      r = {
        type: 'reject' as const,
        reason: `parser ${parser.name} failed: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (r.type === 'skip') {
      skipped++;
      continue;
    }
    if (r.type === 'reject') {
      rejects.push({ line: lineNo, text: text.length > maxText ? text.slice(0, maxText) : text, reason: r.reason });
      continue;
    }
    events.push(r.event);
    eventLines.push(lineNo);
    if (r.event.kind === 'http') {
      const login = deriveShopAdminLogin(r.event, platform);
      if (login !== null) {
        events.push(login);
        eventLines.push(lineNo);
      }
    }
  }
  return { events, eventLines, rejects, skipped };
}

/** Commits of parsed batches that may be queued or running while the next batch is parsed. */
const COMMITS_AHEAD = 2;

/** How long a parsed batch may wait for the next one before it is stored on its own (follow mode). */
const IDLE_COMMIT_MS = 25;

/**
 * A batch sent to the detection thread, kept as its lines until its commit: parsed only then,
 * so its events live for one commit instead of a whole round on the other thread (long enough
 * for the garbage collector to copy them twice and move them to the old generation). The lines
 * are kept as they came (slices of the read chunks): joining them into one string to keep
 * fewer objects cost the main thread more (0.8 us a line) than the collector saved.
 */
interface Pending {
  batch: LineBatch;
  parser: Parser;
  ctx: ParseContext;
  verdicts: Promise<BatchVerdicts>;
}

/** One source's parsing state: its format (sniffed once for `auto`) and counters. */
export class SourceChannel {
  readonly sourceId: string;
  readonly stats: SourceStats = { lines: 0, events: 0, skipped: 0, rejected: 0, findings: 0, format: null };
  #logFormat: string | undefined;
  #parser: Parser | null = null;
  #ctx: ParseContext;
  #p: PipelineOptions;
  /** With a detection thread: the batch sent there whose gate verdicts are still being worked out. */
  #pending: Pending | null = null;
  /** Commits run one at a time, in order (handle, the idle timer and flush all go through it). */
  #chain: Promise<void> = Promise.resolve();
  #idle: ReturnType<typeof setTimeout> | null = null;
  /** A failure of a commit the idle timer started, reported to the next caller. */
  #error: unknown = null;
  /** Without a detection thread: commits queued or running (in order) while the next batch is parsed. */
  #inflight: Promise<void>[] = [];
  /** A commit failed: the ones queued after it must not store (their lines come after the lost ones). */
  #broken: unknown = null;

  constructor(
    p: PipelineOptions,
    sourceId: string,
    format: FormatName,
    opts: { logFormat?: string | undefined; timezone?: string } = {},
  ) {
    this.#p = p;
    this.sourceId = sourceId;
    this.#logFormat = opts.logFormat;
    const now = (p.now ?? Date.now)();
    this.#ctx = { year: new Date(now).getUTCFullYear(), now, timezone: opts.timezone ?? 'UTC' };
    if (format !== 'auto' || opts.logFormat !== undefined)
      this.#parser = getParser(format === 'auto' ? 'nginx' : format, { logFormat: opts.logFormat });
  }

  #parserFor(lines: readonly string[]): Parser {
    let parser = this.#parser;
    if (parser === null) {
      const sample = lines.filter((l) => l.trim() !== '').slice(0, 50);
      parser = getParser(sniffFormat(sample), { logFormat: this.#logFormat });
      this.#parser = parser;
    }
    this.stats.format = parser.name;
    return parser;
  }

  #tick(): ParseContext {
    const now = (this.#p.now ?? Date.now)();
    this.#ctx.now = now;
    this.#ctx.year = new Date(now).getUTCFullYear();
    return this.#ctx;
  }

  #appendBatch(batch: LineBatch, parsed: ParsedLines, findings: AppendBatch['findings']): AppendBatch {
    return {
      sourceId: this.sourceId,
      events: parsed.events,
      eventLines: parsed.eventLines,
      rejects: parsed.rejects,
      findings,
      lines: batch.lines.length,
      skipped: parsed.skipped,
      checkpoint: batch.checkpoint,
    };
  }

  /** Turns a batch of lines into the store's append batch, detecting in this thread. */
  prepare(batch: LineBatch): AppendBatch {
    return this.#prepareWith(batch, this.#parserFor(batch.lines), this.#tick(), null);
  }

  /**
   * prepare() with a given parser and context; with `gates`, the batch's gate verdicts from the
   * detection thread, which parsed the same lines the same way (so its events are these).
   */
  #prepareWith(batch: LineBatch, parser: Parser, ctx: ParseContext, gates: BatchVerdicts | null): AppendBatch {
    const parsed = parseLines(
      parser,
      batch.lines,
      batch.firstLine,
      ctx,
      this.#p.platform ?? 'custom',
      this.#p.maxRejectText ?? 8192,
    );
    const findings: AppendBatch['findings'] = [];
    const detector = this.#p.detector;
    if (gates !== null && gates.events !== parsed.events.length)
      throw new AppError(
        'internal',
        `the detection thread parsed ${gates.events} events of lines ${batch.firstLine}-${batch.firstLine + batch.lines.length - 1} of ${this.sourceId}, this thread ${parsed.events.length}`,
      );
    if (detector === undefined) {
      // nothing to run
    } else if (gates === null)
      for (let i = 0; i < parsed.events.length; i++)
        for (const f of detector.process(parsed.events[i] as LogEvent)) findings.push({ finding: f, event: i });
    else {
      // An event's findings in the order one detector gives them: the signatures' (from the
      // detection thread) before those of the rules that keep state (run here).
      const theirs = gates.findings;
      let k = 0;
      for (let i = 0; i < parsed.events.length; i++) {
        for (let f = theirs[k]; f !== undefined && f.event === i; f = theirs[++k]) findings.push(f);
        for (const f of detector.process(parsed.events[i] as LogEvent, gates.verdicts, i))
          findings.push({ finding: f, event: i });
      }
    }
    const packed = this.#pack(parsed, findings);
    const out = this.#appendBatch(batch, parsed, findings);
    if (packed !== undefined) out.packed = packed;
    return out;
  }

  /**
   * Lets the store encode what it can of freshly parsed events (EventStore.pack) while they
   * are young; those left as objects keep their order and the findings follow them.
   */
  #pack(parsed: ParsedLines, findings: AppendBatch['findings']): PackedEvents | undefined {
    const store = this.#p.store;
    if (store.pack === undefined || parsed.events.length === 0) return undefined;
    const keep = new Set<number>();
    for (const f of findings) if (f.event >= 0) keep.add(f.event);
    const r = store.pack(this.sourceId, parsed.events, parsed.eventLines, keep);
    if (r === null || r.packed.count === 0) return undefined;
    const at = new Map<number, number>();
    const events: LogEvent[] = [];
    const eventLines: number[] = [];
    for (const i of r.kept) {
      at.set(i, events.length);
      events.push(parsed.events[i] as LogEvent);
      eventLines.push(parsed.eventLines[i] as number);
    }
    parsed.events = events;
    parsed.eventLines = eventLines;
    for (const f of findings) if (f.event >= 0) f.event = at.get(f.event) ?? -1;
    return r.packed;
  }

  /**
   * prepare(), in slices of 256 lines with a turn of the event loop between them, while the
   * previous batch's commit is in flight: its round trips to a database server (BEGIN, COPY,
   * COMMIT) are answered between slices instead of waiting for the whole batch to be parsed.
   */
  async #prepareBeside(batch: LineBatch): Promise<AppendBatch> {
    const SLICE = 256;
    if (this.#inflight.length === 0 || batch.lines.length <= SLICE) return this.prepare(batch);
    const all = this.prepare({ ...batch, lines: batch.lines.slice(0, SLICE) });
    for (let from = SLICE; from < batch.lines.length; from += SLICE) {
      await new Promise<void>((r) => setImmediate(r));
      const part = this.prepare({
        ...batch,
        lines: batch.lines.slice(from, from + SLICE),
        firstLine: batch.firstLine + from,
      });
      const base = all.events.length;
      all.events.push(...part.events);
      all.eventLines.push(...part.eventLines);
      all.rejects.push(...part.rejects);
      all.skipped += part.skipped;
      for (const f of part.findings)
        all.findings.push({ finding: f.finding, event: f.event < 0 ? -1 : base + f.event });
      if (part.packed !== undefined) {
        if (all.packed === undefined) all.packed = { ...part.packed, pieces: [...part.packed.pieces] };
        else {
          all.packed.pieces.push(...part.packed.pieces);
          all.packed.count += part.packed.count;
        }
      }
    }
    return { ...all, lines: batch.lines.length };
  }

  /**
   * Parses, detects and stores one batch; retries transient store failures. With a detection
   * thread the batch goes to it at once (for its gate verdicts), and the *previous* batch is
   * parsed, run through the rules with its verdicts and stored here: the costly part of
   * detecting one batch overlaps parsing and storing the one before. Each
   * checkpoint is still stored with its own batch, in order, so a crash loses nothing (the
   * unstored batch is read again) and doubles nothing. Call `flush()` at the end of input; in
   * follow mode a batch left waiting is stored after a short idle time.
   */
  async handle(batch: LineBatch): Promise<void> {
    const bg = this.#p.batchGates;
    if (bg === undefined) {
      // Parse and detect this batch while the ones before are being stored (a database server
      // works meanwhile); commits stay one at a time and in order, and after a failed one none
      // of those queued behind it stores anything, so a crash or an error loses and doubles
      // nothing. A failure is thrown by the next handle() that waits for it, or by flush().
      if (this.#broken !== null) throw this.#broken;
      const prepared = await this.#prepareBeside(batch);
      const mine = this.#serial(async () => {
        if (this.#broken !== null) throw this.#broken;
        try {
          await this.#commit(prepared);
        } catch (e) {
          this.#broken = e;
          throw e;
        }
      });
      mine.catch(() => {}); // reported by a later handle() or by flush()
      this.#inflight.push(mine);
      // One commit may wait behind the running one: a database server that falls behind for a
      // moment (a checkpoint, another agent) does not stop the parsing at once.
      while (this.#inflight.length > COMMITS_AHEAD) await this.#inflight.shift();
      return;
    }
    this.#cancelIdle();
    this.#throwFailure();
    const ctx = { ...this.#tick() };
    const parser = this.#parserFor(batch.lines);
    const verdicts = bg.verdicts({
      sourceId: this.sourceId,
      lines: batch.lines,
      firstLine: batch.firstLine,
      format: parser.name,
      logFormat: this.#logFormat,
      ctx,
      platform: this.#p.platform ?? 'custom',
    });
    // A rejected job is handled where it is awaited (commit); this keeps it from counting as unhandled meanwhile.
    verdicts.catch(() => {});
    const previous = this.#pending;
    this.#pending = { batch, parser, ctx, verdicts };
    if (previous !== null) await this.#serial(() => this.#commitPending(previous));
    this.#idle = setTimeout(() => {
      this.#idle = null;
      this.flush().catch((e: unknown) => {
        // Reported by the next handle() or flush(): the source then fails and reads again from the stored checkpoint.
        this.#error ??= e;
      });
    }, IDLE_COMMIT_MS);
  }

  /** Stores the batch still waiting for its findings (end of input, stop). */
  async flush(): Promise<void> {
    // Commits run in order: the last one done, all are.
    const inflight = this.#inflight.at(-1);
    if (inflight !== undefined) {
      this.#inflight = [];
      try {
        await inflight;
      } finally {
        // reported once; a retry reads again from the stored checkpoint
        this.#broken = null;
      }
    }
    this.#cancelIdle();
    this.#throwFailure();
    const p = this.#pending;
    if (p === null) {
      await this.#chain;
      return;
    }
    this.#pending = null;
    await this.#serial(() => this.#commitPending(p));
  }

  #throwFailure(): void {
    const e = this.#error;
    if (e === null) return;
    this.#error = null;
    throw e;
  }

  #cancelIdle(): void {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
  }

  #serial(op: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(op);
    // A failure is reported to this caller; the chain itself goes on.
    this.#chain = next.catch(() => {});
    return next;
  }

  async #commitPending(p: Pending): Promise<void> {
    try {
      // Parsed here as the detection thread parsed it (same parser, context and lines, in the
      // same order), so the verdicts' event indices point at the same events.
      const { batch, parser, ctx } = p;
      const gates = await p.verdicts;
      await this.#commit(this.#prepareWith(batch, parser, ctx, gates));
    } catch (e) {
      // Not stored, nor (in order) anything after it: drop what waits. The caller's source
      // fails and is read again from the stored checkpoint, so no line is lost or doubled.
      this.#pending = null;
      throw e;
    }
  }

  async #commit(b: AppendBatch): Promise<void> {
    const { findingIds } = await withRetry(() => this.#p.store.append(b));
    this.stats.lines += b.lines;
    this.stats.events += batchEvents(b);
    this.stats.skipped += b.skipped;
    this.stats.rejected += b.rejects.length;
    this.stats.findings += findingIds.length;
    if (findingIds.length > 0) this.#p.onFindings?.(findingIds);
  }
}

/** Retries an operation that failed with a transient error, with exponential backoff. */
export async function withRetry<T>(op: () => Promise<T>, attempts = 6, baseMs = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (e) {
      const err = toAppError(e, 'store');
      if (!err.transient || i >= attempts - 1) throw err;
      await new Promise((r) => setTimeout(r, baseMs * 2 ** i));
    }
  }
}

// The traffic path: a batch of lines -> parser -> (derived shop-admin logins) -> detector ->
// one store transaction with the events, rejections, findings and the source checkpoint.
// A crash between batches loses nothing and doubles nothing: the checkpoint moves only with
// the batch it covers.

import type { FormatName } from '../core/config/index.ts';
import { toAppError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { LogEvent, ParseContext, ParseResult, Parser, Rejection } from './events.ts';
import { batchEvents, type AppendBatch, type EventStore, type PackedEvents } from './ports.ts';
import type { LineBatch } from './sources.ts';
import { deriveShopAdminLogin, getParser, sniffFormat } from './parsers/index.ts';

/** What the pipeline needs of a detector (src/detect's engine satisfies it). */
export interface EventDetector {
  process(event: LogEvent): readonly Finding[];
}

/** A batch as a detector on another thread receives it: it parses the lines exactly as `parseLines` does. */
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

/**
 * Detection off the pipeline's thread (a worker, adapters/detect-worker): the findings of
 * a batch, with the index of the event each belongs to. Jobs are answered in the order given.
 */
export interface BatchDetector {
  detect(job: DetectJob): Promise<{ finding: Finding; event: number }[]>;
}

export interface PipelineOptions {
  store: EventStore;
  detector?: EventDetector | undefined;
  /** Detection on another thread; batches are then stored one behind (see SourceChannel.handle). */
  batchDetector?: BatchDetector | undefined;
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
 * A batch sent to the batch detector, kept as its lines until its commit: parsed only then, so
 * its events live for one commit instead of a whole round on the other thread (long enough for
 * the garbage collector to copy them twice and move them to the old generation).
 */
interface Pending {
  batch: Omit<LineBatch, 'lines'> & { lines: PackedLines };
  parser: Parser;
  ctx: ParseContext;
  platform: string;
  findings: Promise<{ finding: Finding; event: number }[]>;
}

/**
 * A waiting batch's lines as one string and their lengths. Thousands of little strings kept
 * while another batch is stored would be copied by each young-generation collection and then
 * moved to the old one; one long string lives outside the young generation, and the lines
 * sliced from it again at the commit are young and die with it.
 */
interface PackedLines {
  text: string;
  lengths: Uint32Array;
}

function packLines(lines: readonly string[]): PackedLines {
  const lengths = new Uint32Array(lines.length);
  for (let i = 0; i < lines.length; i++) lengths[i] = (lines[i] as string).length;
  return { text: lines.join(''), lengths };
}

function unpackLines(p: PackedLines): string[] {
  const out: string[] = new Array(p.lengths.length);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    const end = at + (p.lengths[i] as number);
    out[i] = p.text.slice(at, end);
    at = end;
  }
  return out;
}

/** One source's parsing state: its format (sniffed once for `auto`) and counters. */
export class SourceChannel {
  readonly sourceId: string;
  readonly stats: SourceStats = { lines: 0, events: 0, skipped: 0, rejected: 0, findings: 0, format: null };
  #logFormat: string | undefined;
  #parser: Parser | null = null;
  #ctx: ParseContext;
  #p: PipelineOptions;
  /** With a batch detector: the batch parsed here whose findings are still being worked out. */
  #pending: Pending | null = null;
  /** Commits run one at a time, in order (handle, the idle timer and flush all go through it). */
  #chain: Promise<void> = Promise.resolve();
  #idle: ReturnType<typeof setTimeout> | null = null;
  /** A failure of a commit the idle timer started, reported to the next caller. */
  #error: unknown = null;
  /** Without a batch detector: commits queued or running (in order) while the next batch is parsed. */
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
    const ctx = this.#tick();
    const parser = this.#parserFor(batch.lines);
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
    if (detector)
      for (let i = 0; i < parsed.events.length; i++)
        for (const f of detector.process(parsed.events[i] as LogEvent)) findings.push({ finding: f, event: i });
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
   * Parses, detects and stores one batch; retries transient store failures. With a batch
   * detector the batch goes to it at once and is parsed here meanwhile, and the *previous*
   * batch is stored: detection of one batch overlaps parsing and storing of the next. Each
   * checkpoint is still stored with its own batch, in order, so a crash loses nothing (the
   * unstored batch is read again) and doubles nothing. Call `flush()` at the end of input; in
   * follow mode a batch left waiting is stored after a short idle time.
   */
  async handle(batch: LineBatch): Promise<void> {
    const bd = this.#p.batchDetector;
    if (bd === undefined) {
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
    const platform = this.#p.platform ?? 'custom';
    const findings = bd.detect({
      sourceId: this.sourceId,
      lines: batch.lines,
      firstLine: batch.firstLine,
      format: parser.name,
      logFormat: this.#logFormat,
      ctx,
      platform,
    });
    // A rejected job is handled where it is awaited (commit); this keeps it from counting as unhandled meanwhile.
    findings.catch(() => {});
    const previous = this.#pending;
    this.#pending = { batch: { ...batch, lines: packLines(batch.lines) }, parser, ctx, platform, findings };
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
      // same order), so the findings' event indices point at the same events.
      const { batch, parser, ctx, platform } = p;
      const lines = unpackLines(batch.lines);
      const parsed = parseLines(parser, lines, batch.firstLine, ctx, platform, this.#p.maxRejectText ?? 8192);
      await this.#commit(this.#appendBatch({ ...batch, lines }, parsed, await p.findings));
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

// The traffic path: a batch of lines -> parser -> (derived shop-admin logins) -> detector ->
// one store transaction with the events, rejections, findings and the source checkpoint.
// A crash between batches loses nothing and doubles nothing: the checkpoint moves only with
// the batch it covers.

import type { FormatName } from '../core/config/index.ts';
import { toAppError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import type { LogEvent, ParseContext, ParseResult, Parser, Rejection } from './events.ts';
import type { AppendBatch, EventStore } from './ports.ts';
import type { LineBatch } from './sources.ts';
import { deriveShopAdminLogin, getParser, sniffFormat } from './parsers/index.ts';

/** What the pipeline needs of a detector (src/detect's engine satisfies it). */
export interface EventDetector {
  process(event: LogEvent): Finding[];
}

export interface PipelineOptions {
  store: EventStore;
  detector?: EventDetector | undefined;
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

/** One source's parsing state: its format (sniffed once for `auto`) and counters. */
export class SourceChannel {
  readonly sourceId: string;
  readonly stats: SourceStats = { lines: 0, events: 0, skipped: 0, rejected: 0, findings: 0, format: null };
  #logFormat: string | undefined;
  #parser: Parser | null = null;
  #ctx: ParseContext;
  #p: PipelineOptions;

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

  /** Turns a batch of lines into the store's append batch (pure but for the detector's state). */
  prepare(batch: LineBatch): AppendBatch {
    const now = (this.#p.now ?? Date.now)();
    this.#ctx.now = now;
    this.#ctx.year = new Date(now).getUTCFullYear();
    const parser = this.#parserFor(batch.lines);
    const events: LogEvent[] = [];
    const eventLines: number[] = [];
    const rejects: Rejection[] = [];
    const findings: { finding: Finding; event: number }[] = [];
    const maxText = this.#p.maxRejectText ?? 8192;
    const platform = this.#p.platform ?? 'custom';
    const detector = this.#p.detector;
    let skipped = 0;
    const add = (ev: LogEvent, lineNo: number): void => {
      const idx = events.length;
      events.push(ev);
      eventLines.push(lineNo);
      if (detector) {
        for (const f of detector.process(ev)) findings.push({ finding: f, event: idx });
      }
    };
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i] as string;
      const lineNo = batch.firstLine + i;
      if (text === '') {
        skipped++;
        continue;
      }
      let r: ParseResult;
      try {
        r = parser.parse(text, this.#ctx);
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
      add(r.event, lineNo);
      if (r.event.kind === 'http') {
        const login = deriveShopAdminLogin(r.event, platform);
        if (login !== null) add(login, lineNo);
      }
    }
    return {
      sourceId: this.sourceId,
      events,
      eventLines,
      rejects,
      findings,
      lines: batch.lines.length,
      skipped,
      checkpoint: batch.checkpoint,
    };
  }

  /** Parses, detects and stores one batch; retries transient store failures. */
  async handle(batch: LineBatch): Promise<void> {
    const b = this.prepare(batch);
    const { findingIds } = await withRetry(() => this.#p.store.append(b));
    this.stats.lines += b.lines;
    this.stats.events += b.events.length;
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

// The port every traffic source implements: it reads lines from where it left off (its
// checkpoint) and hands them over in batches, waiting for each batch to be stored before it
// moves on, so the checkpoint stored with a batch is always exactly the end of that batch.

import type { Checkpoint } from './ports.ts';

export interface LineBatch {
  lines: string[];
  /** 1-based line number of `lines[0]` within the current file (0 when the source has none). */
  firstLine: number;
  /** Position after the last line; null when the source cannot resume (stdin, network). */
  checkpoint: Checkpoint | null;
  /** Name of the file the lines came from, for messages. */
  origin: string;
}

export type BatchSink = (batch: LineBatch) => Promise<void>;

export interface LineSource {
  readonly id: string;
  /**
   * Reads from `from` (null: the beginning, or wherever a new source starts) and calls `sink`
   * for each batch, awaiting it. Resolves at the end of input (one-shot sources) or when
   * `signal` aborts (followers), after the batch in progress is stored.
   */
  run(from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void>;
  /** Bytes read so far and total bytes known (for progress bars); total 0 when unknown. */
  progress?(): { read: number; total: number };
}

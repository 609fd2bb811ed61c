// Collects lines that arrive one by one (network, journal) into batches: a batch goes to the
// sink when it is full or when the oldest line has waited `flushMs`. Batches are handed over
// strictly one after another, and `close` waits for the last one to be stored.

import type { BatchSink } from '../../logs/index.ts';
import type { Checkpoint } from '../../logs/ports.ts';

export class Batcher {
  #lines: string[] = [];
  #checkpoint: Checkpoint | null = null;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;
  #line = 0;
  readonly #sink: BatchSink;
  readonly #max: number;
  readonly #flushMs: number;
  readonly #origin: string;

  constructor(sink: BatchSink, origin: string, max = 5000, flushMs = 200) {
    this.#sink = sink;
    this.#origin = origin;
    this.#max = max;
    this.#flushMs = flushMs;
  }

  /** Adds a line; `checkpoint` is the position after it (null when there is none). */
  push(line: string, checkpoint: Checkpoint | null = null): void {
    this.#lines.push(line);
    this.#checkpoint = checkpoint;
    if (this.#lines.length >= this.#max) this.flush();
    else if (this.#timer === null) this.#timer = setTimeout(() => this.flush(), this.#flushMs);
  }

  /** Lines waiting and batches not yet stored: sources pause reading when this grows. */
  get backlog(): number {
    return this.#lines.length;
  }

  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#lines.length === 0) return;
    const lines = this.#lines;
    const checkpoint = this.#checkpoint;
    const firstLine = this.#line + 1;
    this.#line += lines.length;
    this.#lines = [];
    this.#chain = this.#chain
      .then(() => this.#sink({ lines, firstLine, checkpoint, origin: this.#origin }))
      .catch((e: unknown) => {
        this.#error ??= e;
      });
  }

  /** Waits until everything pushed so far is stored; rethrows a sink failure. */
  async drain(): Promise<void> {
    this.flush();
    await this.#chain;
    if (this.#error !== null) throw this.#error;
  }
}

// Lines piped to standard input (or any readable stream). No checkpoint: a pipe cannot be
// re-read, so a restart starts with whatever comes next.

import type { Readable } from 'node:stream';
import type { BatchSink, LineSource } from '../../logs/index.ts';
import type { Checkpoint } from '../../logs/ports.ts';
import { takeLines } from './lines.ts';
import { z } from 'zod';
import { sourceFields } from '../../core/config/sources.ts';
import type { SourceContext } from './context.ts';

export class StreamSource implements LineSource {
  readonly id: string;
  #stream: Readable;
  #batchLines: number;
  #read = 0;

  constructor(id: string, stream: Readable, batchLines = 5000) {
    this.id = id;
    this.#stream = stream;
    this.#batchLines = batchLines;
  }

  progress(): { read: number; total: number } {
    return { read: this.#read, total: 0 };
  }

  async run(_from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void> {
    let pending: Buffer = Buffer.alloc(0);
    let line = 0;
    const emit = async (final: boolean) => {
      for (;;) {
        const { lines, consumed } = takeLines(pending, this.#batchLines, final);
        if (lines.length === 0) return;
        pending = pending.subarray(consumed);
        const firstLine = line + 1;
        line += lines.length;
        await sink({ lines, firstLine, checkpoint: null, origin: this.id });
      }
    };
    const onAbort = () => this.#stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const c of this.#stream as AsyncIterable<Buffer | string>) {
        const chunk = typeof c === 'string' ? Buffer.from(c) : c;
        this.#read += chunk.length;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        await emit(false);
        if (signal.aborted) break;
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (!signal.aborted) await emit(true);
  }
}

// ---- component: `type: stdin` in `sources:` --------------------------------------------

export const type = 'stdin';

export const schema = z
  .strictObject({ type: z.literal('stdin').describe('Standard input.'), ...sourceFields })
  .describe('Lines piped to standard input.');

export type StdinSourceSpec = z.infer<typeof schema>;

export function create(spec: StdinSourceSpec, ctx: SourceContext): StreamSource {
  return new StreamSource(spec.id ?? 'stdin', ctx.stdin, ctx.batchLines);
}

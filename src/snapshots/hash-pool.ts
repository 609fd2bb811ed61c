// Worker threads that hash the chunks of big files and streams (hash-worker.ts), so that on a
// database dump the main thread only reads, cuts and deduplicates while another core hashes.
// Chunks must live in shared memory (WindowBuffers made with `shared`).

import { AppError } from '../core/errors.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';
import { WorkerPool } from './worker-pool.ts';

export class HashPool {
  readonly #pool: WorkerPool<HashRequest, HashReply>;
  /** Per worker, the memory its last chunk was in (sent again only when it changes). */
  readonly #lastMemory = new Map<unknown, SharedArrayBuffer>();

  constructor(count: number) {
    this.#pool = new WorkerPool(new URL('./hash-worker.ts', import.meta.url), count, {
      // Few, short-lived objects: a small young generation keeps the worker small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }

  #ask(file: number, req: HashRequest): Promise<HashReply> {
    // Every request about one file goes to one worker, which answers in the order asked.
    const workers = this.#pool.workers;
    const worker = workers[file % workers.length] as (typeof workers)[number];
    if (req.kind === 'chunk' && req.memory !== undefined) {
      if (this.#lastMemory.get(worker) === req.memory) delete req.memory;
      else this.#lastMemory.set(worker, req.memory);
    }
    return this.#pool.ask(worker, req);
  }

  /**
   * The chunk's SHA-256, also added to file `file`'s running hash (`first` starts it). Call in
   * the order of the file's chunks; the chunk's memory must not change until this settles.
   */
  async chunk(file: number, first: boolean, chunk: Buffer): Promise<Buffer> {
    const memory = chunk.buffer;
    if (!(memory instanceof SharedArrayBuffer)) throw new AppError('internal', 'hash pool: chunk not in shared memory');
    const seq = this.#pool.nextSeq();
    const r = await this.#ask(file, {
      kind: 'chunk',
      seq,
      file,
      first,
      memory,
      offset: chunk.byteOffset,
      length: chunk.length,
    });
    const sha = r.sha as Uint8Array;
    return Buffer.from(sha.buffer, sha.byteOffset, sha.byteLength);
  }

  /** The whole file's SHA-256 (hex), once every chunk was asked for. */
  async digest(file: number): Promise<string> {
    const seq = this.#pool.nextSeq();
    return (await this.#ask(file, { kind: 'digest', seq, file })).sha as string;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

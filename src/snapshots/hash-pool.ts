// Worker threads that hash the chunks of big files and streams (hash-worker.ts), so that on a
// database dump the main thread only reads, cuts and deduplicates while another core hashes.
// Chunks must live in shared memory (WindowBuffers made with `shared`).

import type { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';
import { SharedMemoryPosts } from './movable.ts';
import { WorkerPool } from './worker-pool.ts';

export class HashPool {
  readonly #pool: WorkerPool<HashRequest, HashReply>;
  readonly #posts = new SharedMemoryPosts();

  constructor(count: number) {
    this.#pool = new WorkerPool(new URL('./hash-worker.ts', import.meta.url), count, {
      // Few, short-lived objects: a small young generation keeps the worker small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }

  /** Every request about one file goes to one worker, which answers in the order asked. */
  #workerOf(file: number): Worker {
    const workers = this.#pool.workers;
    return workers[file % workers.length] as Worker;
  }

  /**
   * The chunk's SHA-256, also added to file `file`'s running hash (`first` starts it). Call in
   * the order of the file's chunks; the chunk's memory must not change until this settles.
   */
  async chunk(file: number, first: boolean, chunk: Buffer): Promise<Buffer> {
    const memory = chunk.buffer;
    if (!(memory instanceof SharedArrayBuffer)) throw new AppError('internal', 'hash pool: chunk not in shared memory');
    const worker = this.#workerOf(file);
    const posted = this.#posts.memoryFor(worker, memory);
    const r = await this.#pool.ask(worker, {
      kind: 'chunk',
      seq: this.#pool.nextSeq(),
      file,
      first,
      ...(posted !== undefined ? { memory: posted } : {}),
      offset: chunk.byteOffset,
      length: chunk.length,
    });
    const sha = r.sha as Uint8Array;
    return Buffer.from(sha.buffer, sha.byteOffset, sha.byteLength);
  }

  /** The whole file's SHA-256 (hex), once every chunk was asked for. */
  async digest(file: number): Promise<string> {
    const seq = this.#pool.nextSeq();
    return (await this.#pool.ask(this.#workerOf(file), { kind: 'digest', seq, file })).sha as string;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

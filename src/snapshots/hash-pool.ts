// Worker threads that hash the chunks of big files and streams (hash-worker.ts), so that on a
// database dump the main thread only reads, cuts and deduplicates while another core hashes.
// Chunks must live in shared memory (WindowBuffers made with `shared`). A worker keeps the
// process alive only while it owes an answer.

import { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';

export class HashPool {
  readonly #workers: Worker[] = [];
  readonly #owed = new Map<Worker, number>();
  readonly #waiting = new Map<
    number,
    { resolve: (r: HashReply) => void; reject: (e: unknown) => void; worker: Worker }
  >();
  #seq = 0;
  #failed: unknown = null;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./hash-worker.ts', import.meta.url), {
        // Few, short-lived objects: a small young generation keeps the worker small.
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      });
      w.on('message', (r: HashReply) => {
        const p = this.#waiting.get(r.seq);
        this.#waiting.delete(r.seq);
        const n = (this.#owed.get(w) ?? 1) - 1;
        this.#owed.set(w, n);
        if (n === 0) w.unref();
        p?.resolve(r);
      });
      w.on('error', (e) => this.#failAll(e));
      w.on('exit', (code) => {
        if (this.#waiting.size > 0) this.#failAll(new AppError('internal', `hash worker exited (${code})`));
      });
      // After the listeners: attaching a 'message' listener refs the worker again.
      w.unref();
      this.#workers.push(w);
      this.#owed.set(w, 0);
    }
  }

  #failAll(e: unknown): void {
    this.#failed ??= e;
    for (const p of this.#waiting.values()) p.reject(e);
    this.#waiting.clear();
    for (const w of this.#workers) w.unref();
  }

  #ask(file: number, req: HashRequest): Promise<HashReply> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    // Every request about one file goes to one worker, which answers in the order asked.
    const worker = this.#workers[file % this.#workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.#waiting.set(req.seq, { resolve, reject, worker });
      const owed = (this.#owed.get(worker) ?? 0) + 1;
      this.#owed.set(worker, owed);
      if (owed === 1) worker.ref();
      worker.postMessage(req);
    });
  }

  /**
   * The chunk's SHA-256, also added to file `file`'s running hash (`first` starts it). Call in
   * the order of the file's chunks; the chunk's memory must not change until this settles.
   */
  async chunk(file: number, first: boolean, chunk: Buffer): Promise<Buffer> {
    const memory = chunk.buffer;
    if (!(memory instanceof SharedArrayBuffer)) throw new AppError('internal', 'hash pool: chunk not in shared memory');
    const seq = this.#seq++;
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
    const seq = this.#seq++;
    return (await this.#ask(file, { kind: 'digest', seq, file })).sha as string;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

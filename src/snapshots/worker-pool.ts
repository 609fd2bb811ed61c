// Worker threads answering requests matched by sequence number, shared by the restore,
// hashing and sealing pools: each request goes to a worker the caller picks and settles when
// that worker answers; a worker that fails or exits fails everything still owed. A worker keeps the
// process alive only while it owes an answer (attaching the 'message' listener refs it, so it
// is unref'd after that and again whenever it has answered everything).

import type { Worker, WorkerOptions } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import { startWorker } from '../core/threads.ts';

export class WorkerPool<Req extends { seq: number }, Rep extends { seq: number }> {
  readonly workers: Worker[] = [];
  readonly #owed = new Map<Worker, number>();
  readonly #waiting = new Map<number, { resolve: (r: Rep) => void; reject: (e: unknown) => void }>();
  #seq = 0;
  #failed: unknown = null;

  constructor(module: URL, count: number, options: WorkerOptions) {
    for (let i = 0; i < count; i++) {
      const w = startWorker(module, options);
      w.on('message', (r: Rep) => {
        const p = this.#waiting.get(r.seq);
        this.#waiting.delete(r.seq);
        const n = (this.#owed.get(w) ?? 1) - 1;
        this.#owed.set(w, n);
        if (n === 0) w.unref();
        p?.resolve(r);
      });
      w.on('error', (e) => this.#failAll(e));
      w.on('exit', (code) => {
        if (this.#waiting.size > 0) this.#failAll(new AppError('internal', `worker thread exited (${code})`));
      });
      w.unref();
      this.workers.push(w);
      this.#owed.set(w, 0);
    }
  }

  #failAll(e: unknown): void {
    this.#failed ??= e;
    for (const p of this.#waiting.values()) p.reject(e);
    this.#waiting.clear();
    for (const w of this.workers) {
      this.#owed.set(w, 0);
      w.unref();
    }
  }

  /** A fresh sequence number for the next request. */
  nextSeq(): number {
    return this.#seq++;
  }

  /** The worker owing the fewest answers. */
  leastBusy(): Worker {
    let worker = this.workers[0] as Worker;
    for (const w of this.workers) if ((this.#owed.get(w) ?? 0) < (this.#owed.get(worker) ?? 0)) worker = w;
    return worker;
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Sends the request (posted before this returns) and settles with the worker's answer. */
  ask(worker: Worker, req: Req, transfer: ArrayBuffer[] = []): Promise<Rep> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    return new Promise<Rep>((resolve, reject) => {
      this.#waiting.set(req.seq, { resolve, reject });
      const owed = (this.#owed.get(worker) ?? 0) + 1;
      this.#owed.set(worker, owed);
      if (owed === 1) worker.ref();
      worker.postMessage(req, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

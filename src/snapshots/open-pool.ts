// Worker threads that open blobs for reads (open-worker.ts): a restore hands them the sealed
// bytes and gets back verified plain content (or has them read and write a big file's chunks
// themselves), so decryption, decompression and the id check run beside the main thread. A
// worker keeps the process alive only while it owes an answer.

import { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.ts';
import type { MasterKey } from './crypto.ts';
import type { ChunkRequest, HashBackRequest, OpenItemRow, OpenReply, OpenRequest } from './open-worker.ts';

/** One blob to open: its id, where its sealed bytes are in the batch, and what the index says. */
export interface OpenItem {
  id: string;
  sealed: Buffer;
  compressed: boolean;
  rawLength: number;
}

interface Waiting {
  resolve: (r: OpenReply) => void;
  reject: (e: unknown) => void;
  worker: Worker;
}

export class OpenPool {
  readonly #workers: Worker[] = [];
  readonly #owed = new Map<Worker, number>();
  readonly #waiting = new Map<number, Waiting>();
  #seq = 0;
  #failed: unknown = null;

  constructor(key: MasterKey, count: number) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./open-worker.ts', import.meta.url), {
        workerData: { enc: new Uint8Array(key.enc), id: new Uint8Array(key.id) },
        // Its objects are few and short-lived (the data is outside V8's heap): a small young
        // generation, not the main thread's 16 MiB semi-spaces, keeps each worker ~40 MB smaller.
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      });
      w.on('message', (r: OpenReply) => {
        const p = this.#waiting.get(r.seq);
        this.#waiting.delete(r.seq);
        this.#settled(w);
        p?.resolve(r);
      });
      w.on('error', (e) => this.#failAll(e));
      w.on('exit', (code) => {
        if (this.#waiting.size > 0) this.#failAll(new AppError('internal', `open worker exited (${code})`));
      });
      // After the listeners: attaching a 'message' listener refs the worker again.
      w.unref();
      this.#workers.push(w);
      this.#owed.set(w, 0);
    }
  }

  #settled(w: Worker): void {
    const n = (this.#owed.get(w) ?? 1) - 1;
    this.#owed.set(w, n);
    if (n === 0) w.unref();
  }

  #failAll(e: unknown): void {
    this.#failed ??= e;
    for (const p of this.#waiting.values()) p.reject(e);
    this.#waiting.clear();
    for (const w of this.#workers) {
      this.#owed.set(w, 0);
      w.unref();
    }
  }

  /**
   * Opens the blobs on the least busy worker. Each result is the plain content (its own
   * view of the reply's memory) or an AppError `corrupt` naming the blob.
   */
  async open(items: readonly OpenItem[]): Promise<(Buffer | AppError)[]> {
    const reply = await this.#send(
      (seq, data) => ({
        kind: 'open',
        seq,
        data,
        items: items.map((it): OpenItemRow => [it.id, it.sealed.length, it.compressed, it.rawLength]),
      }),
      items.map((it) => it.sealed),
    );
    const out = Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
    let at = 0;
    return reply.items.map((r) => {
      if (typeof r === 'string') return new AppError('corrupt', r);
      const b = out.subarray(at, at + (r as number));
      at += r as number;
      return b;
    });
  }

  /**
   * Reads, opens and hashes one chunk of a file from a local pack on a worker: every chunk of
   * one file goes to the same worker, in the order asked (the worker keeps the file's running
   * SHA-256), so call this for a file's chunks in order without awaiting in between.
   */
  async chunk(
    req: Omit<ChunkRequest, 'kind' | 'seq'>,
    spread = 0,
  ): Promise<{ plain: Buffer; digest: string | undefined } | AppError> {
    if (this.#failed !== null) throw this.#failed;
    const seq = this.#seq++;
    const worker = this.#workers[(req.file + spread) % this.#workers.length] as Worker;
    const reply = await this.#post(worker, seq, { kind: 'chunk', seq, ...req }, []);
    const [r] = reply.items;
    if (Array.isArray(r)) throw Object.assign(new Error(r[1]), { code: r[0] });
    if (typeof r !== 'number') return new AppError('corrupt', String(r));
    return {
      plain: Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength),
      digest: reply.digest,
    };
  }

  /** Reads written parts of a file back into its hash on the file's own worker; the last answers the digest. */
  async hashBack(req: Omit<HashBackRequest, 'kind' | 'seq'>): Promise<string | undefined> {
    if (this.#failed !== null) throw this.#failed;
    const seq = this.#seq++;
    const worker = this.#workers[req.file % this.#workers.length] as Worker;
    const reply = await this.#post(worker, seq, { kind: 'hash-back', seq, ...req }, []);
    const [r] = reply.items;
    if (Array.isArray(r)) throw Object.assign(new Error(r[1]), { code: r[0] });
    if (typeof r !== 'number') throw new AppError('corrupt', String(r));
    return reply.digest;
  }

  #post(worker: Worker, seq: number, req: OpenRequest, transfer: ArrayBuffer[]): Promise<OpenReply> {
    return new Promise<OpenReply>((resolve, reject) => {
      this.#waiting.set(seq, { resolve, reject, worker });
      const owed = (this.#owed.get(worker) ?? 0) + 1;
      this.#owed.set(worker, owed);
      if (owed === 1) worker.ref();
      worker.postMessage(req, transfer);
    });
  }

  async #send(request: (seq: number, data: Buffer) => OpenRequest, buffers: readonly Buffer[]): Promise<OpenReply> {
    if (this.#failed !== null) throw this.#failed;
    const only = buffers.length === 1 ? (buffers[0] as Buffer) : null;
    // A blob that owns its memory is moved as it is; several are packed into fresh memory.
    let data: Buffer;
    if (only !== null && only.byteOffset === 0 && only.buffer.byteLength === only.length) data = only;
    else {
      data = Buffer.allocUnsafeSlow(buffers.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of buffers) at += b.copy(data, at);
    }
    const seq = this.#seq++;
    const req = request(seq, data);
    let worker = this.#workers[0] as Worker;
    for (const w of this.#workers) if ((this.#owed.get(w) ?? 0) < (this.#owed.get(worker) ?? 0)) worker = w;
    return this.#post(worker, seq, req, data.byteLength > 0 ? [data.buffer as ArrayBuffer] : []);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

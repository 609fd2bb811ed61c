// Worker threads that open blobs for reads (open-worker.ts): a restore hands them the sealed
// bytes and gets back verified plain content (or has them read and write a big file's chunks
// themselves), so decryption, decompression and the id check run beside the main thread.

import { AppError } from '../core/errors.ts';
import type { MasterKey } from './crypto.ts';
import type { ChunkRequest, HashBackRequest, OpenItemRow, OpenReply, OpenRequest, SmallFile } from './open-worker.ts';
import { packed, transferOf } from './movable.ts';
import { WorkerPool } from './worker-pool.ts';

/** One blob to open: its id, where its sealed bytes are in the batch, and what the index says. */
export interface OpenItem {
  id: string;
  sealed: Buffer;
  compressed: boolean;
  rawLength: number;
}

export class OpenPool {
  readonly #pool: WorkerPool<OpenRequest, OpenReply>;

  constructor(key: MasterKey, count: number) {
    this.#pool = new WorkerPool(new URL('./open-worker.ts', import.meta.url), count, {
      workerData: { enc: new Uint8Array(key.enc), id: new Uint8Array(key.id) },
      // Its objects are few and short-lived (the data is outside V8's heap): a small young
      // generation, not the main thread's 16 MiB semi-spaces, keeps each worker ~40 MB smaller.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }

  /**
   * Opens the blobs on the least busy worker. Each result is the plain content (its own
   * view of the reply's memory) or an AppError `corrupt` naming the blob.
   */
  async open(items: readonly OpenItem[]): Promise<(Buffer | AppError)[]> {
    // One blob that owns its memory is moved as it is; several are packed into fresh memory.
    const data = packed(items.map((it) => it.sealed));
    const rows = items.map((it): OpenItemRow => [it.id, it.sealed.length, it.compressed, it.rawLength]);
    const req: OpenRequest = { kind: 'open', seq: this.#pool.nextSeq(), data, items: rows };
    const reply = await this.#pool.ask(this.#pool.leastBusy(), req, transferOf(data));
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
    const seq = this.#pool.nextSeq();
    const workers = this.#pool.workers;
    const worker = workers[(req.file + spread) % workers.length] as (typeof workers)[number];
    const reply = await this.#pool.ask(worker, { kind: 'chunk', seq, ...req });
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
    const seq = this.#pool.nextSeq();
    const workers = this.#pool.workers;
    const worker = workers[req.file % workers.length] as (typeof workers)[number];
    const reply = await this.#pool.ask(worker, { kind: 'hash-back', seq, ...req });
    const [r] = reply.items;
    if (Array.isArray(r)) throw Object.assign(new Error(r[1]), { code: r[0] });
    if (typeof r !== 'number') throw new AppError('corrupt', String(r));
    return reply.digest;
  }

  /**
   * Writes small files whole on the least busy worker (see WriteFilesRequest); per file the
   * bytes written, why its content is refused, or the errno code and message of a failed call.
   */
  async writeFiles(files: SmallFile[], owner: boolean): Promise<OpenReply['items']> {
    const req: OpenRequest = { kind: 'write-files', seq: this.#pool.nextSeq(), owner, files };
    return (await this.#pool.ask(this.#pool.leastBusy(), req)).items;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

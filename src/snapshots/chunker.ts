// Content-defined chunking: FastCDC (Xia et al., 2016/2020) with normalised chunking, hand
// written. A cut depends only on the last bytes before it, so inserting bytes in a big file
// or a database dump moves only the chunks around the change; the rest deduplicate. The gear
// table comes from the repository's secret, so chunk sizes do not reveal content to outsiders.

import { createHmac } from 'node:crypto';

export interface ChunkParams {
  min: number;
  avg: number;
  max: number;
}

/** For big files and streams. Small files (up to `min`) are always a single blob. */
export const defaultChunkParams: ChunkParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };
/** For manifests: smaller pieces so a manifest mostly deduplicates against the previous one. */
export const manifestChunkParams: ChunkParams = { min: 32 * 1024, avg: 128 * 1024, max: 1024 * 1024 };

export function gearTable(seed: Uint8Array): Int32Array {
  const out = new Int32Array(256);
  for (let block = 0; block < 32; block++) {
    const d = createHmac('sha256', seed).update(`gear ${block}`).digest();
    for (let j = 0; j < 8; j++) out[block * 8 + j] = d.readInt32LE(j * 4);
  }
  return out;
}

function log2(n: number): number {
  const b = Math.round(Math.log2(n));
  if (2 ** b !== n) throw new RangeError(`chunk average must be a power of two, not ${n}`);
  return b;
}

/** A mask of the top `bits` bits: with the shift-left gear hash the top bits depend on the most bytes. */
const topMask = (bits: number): number => ~((1 << (32 - bits)) - 1) | 0;

export class Cdc {
  readonly params: ChunkParams;
  readonly #gear: Int32Array;
  readonly #maskS: number;
  readonly #maskL: number;

  constructor(gear: Int32Array, params: ChunkParams) {
    if (!(params.min > 0 && params.min <= params.avg && params.avg <= params.max))
      throw new RangeError('chunk sizes must be 0 < min <= avg <= max');
    this.params = params;
    this.#gear = gear;
    const bits = log2(params.avg);
    // Normalised chunking, level 2: harder to cut before the average, easier after.
    this.#maskS = topMask(Math.min(bits + 2, 31));
    this.#maskL = topMask(Math.max(bits - 2, 1));
  }

  /** Length of the next chunk in buf[start, end); call with at least `max` bytes unless at the end. */
  cut(buf: Uint8Array, start: number, end: number): number {
    let n = end - start;
    const { min, avg, max } = this.params;
    if (n <= min) return n;
    if (n > max) n = max;
    const normal = Math.min(avg, n);
    const gear = this.#gear;
    const maskS = this.#maskS;
    const maskL = this.#maskL;
    let h = 0;
    let i = start + min;
    const stopS = start + normal;
    for (; i < stopS; i++) {
      h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
      if ((h & maskS) === 0) return i - start + 1;
    }
    const stopL = start + n;
    for (; i < stopL; i++) {
      h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
      if ((h & maskL) === 0) return i - start + 1;
    }
    return n;
  }
}

/**
 * Spare window buffers, shared by the windows of one snapshot: a buffer is handed out again
 * only once every chunk cut from it was released (see ChunkWindow.release).
 */
export class WindowBuffers {
  readonly #free: Buffer[] = [];
  readonly #keep: number;
  readonly #shared: boolean;

  /** `shared`: buffers in shared memory, so a worker thread can read chunks in place. */
  constructor(keep = 2, shared = false) {
    this.#keep = keep;
    this.#shared = shared;
  }

  take(size: number): Buffer {
    const i = this.#free.findIndex((b) => b.length === size);
    if (i >= 0) return this.#free.splice(i, 1)[0] as Buffer;
    return this.#shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    if (this.#free.length < this.#keep) this.#free.push(buf);
  }
}

/**
 * A sliding window over incoming bytes that hands out chunks. The caller writes into
 * `space()` (e.g. a file read) or `push()`es buffers; `next(final)` returns the next chunk
 * (a view the caller may keep) or null when more input is needed. Bytes are copied only when
 * the buffer fills up: the unfinished chunk (less than max) moves to another buffer. A caller
 * that says when it is done with each chunk (`release`) lets full buffers be used again: a
 * 1 GiB dump then touches a few warm buffers instead of 128 fresh ones (fresh memory cost
 * 3 s of page faults and zeroing per GiB, more than the chunking itself).
 */
export class ChunkWindow {
  readonly #cdc: Cdc;
  readonly #spares: WindowBuffers | null;
  #buf: Buffer;
  #start = 0;
  #end = 0;
  /** Chunks handed out and not released yet, per buffer; a buffer left behind is spare at 0. */
  readonly #out = new Map<ArrayBufferLike, { buf: Buffer; n: number; retired: boolean }>();

  constructor(cdc: Cdc, spares: WindowBuffers | null = null) {
    this.#cdc = cdc;
    this.#spares = spares;
    this.#buf = spares?.take(cdc.params.max * 2) ?? Buffer.allocUnsafeSlow(cdc.params.max * 2);
  }

  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Writable room at the end: at least `max` bytes whenever less than `max` is buffered. */
  space(): Buffer {
    const { max } = this.#cdc.params;
    if (this.#buf.length - this.#end < max && this.#start > 0) {
      // Another buffer rather than moving bytes down: chunks handed out are views of the old
      // one and must stay intact until the store has sealed them.
      const next = this.#spares?.take(max * 2) ?? Buffer.allocUnsafeSlow(max * 2);
      this.#buf.copy(next, 0, this.#start, this.#end);
      this.#retire(this.#buf);
      this.#end -= this.#start;
      this.#start = 0;
      this.#buf = next;
    }
    return this.#buf.subarray(this.#end);
  }

  #retire(buf: Buffer): void {
    const o = this.#out.get(buf.buffer);
    if (o === undefined) this.#spares?.give(buf);
    else o.retired = true;
  }

  /** The caller no longer reads this chunk (one `next` gave it): its buffer may be used again. */
  release(chunk: Buffer): void {
    const o = this.#out.get(chunk.buffer);
    if (o === undefined) return;
    if (--o.n > 0) return;
    this.#out.delete(chunk.buffer);
    if (o.retired) this.#spares?.give(o.buf);
  }

  /** Gives the window's own buffer back to the spares once its chunks are released. */
  close(): void {
    this.#retire(this.#buf);
  }

  commit(n: number): void {
    this.#end += n;
  }

  push(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      const room = this.space();
      if (room.length === 0) throw new RangeError('chunk window full: take chunks before pushing more');
      const n = Math.min(room.length, data.length - off);
      room.set(data.subarray(off, off + n));
      this.commit(n);
      off += n;
    }
  }

  /** The next chunk (a view the caller may keep: its bytes are never overwritten), or null when more input is needed. */
  next(final: boolean): Buffer | null {
    const n = this.#end - this.#start;
    if (n === 0) return null;
    if (!final && n < this.#cdc.params.max) return null;
    const len = this.#cdc.cut(this.#buf, this.#start, this.#end);
    const out = this.#buf.subarray(this.#start, this.#start + len);
    this.#start += len;
    if (this.#spares !== null) {
      const o = this.#out.get(this.#buf.buffer);
      if (o === undefined) this.#out.set(this.#buf.buffer, { buf: this.#buf, n: 1, retired: false });
      else o.n++;
    }
    return out;
  }
}

/** Bytes asked of a reader at a time by `pour`. */
const READ_STEP = 4 * 1024 * 1024;

/**
 * Copies `data` into the window piece by piece, calling `take` (which takes the chunks the
 * window can cut) after each piece, so data of any length fits.
 */
export async function feed(win: ChunkWindow, data: Uint8Array, take: () => Promise<void>): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const room = win.space();
    const n = Math.min(room.length, data.length - off);
    room.set(data.subarray(off, off + n));
    win.commit(n);
    off += n;
    await take();
  }
}

/**
 * Reads straight into the window (a file, standard input) until `read` answers 0, calling
 * `take` after each read: no buffer of its own per read, no copy.
 */
export async function pour(
  win: ChunkWindow,
  read: (room: Buffer) => number | Promise<number>,
  take: () => Promise<void>,
): Promise<void> {
  for (;;) {
    const room = win.space();
    const n = await read(room.subarray(0, Math.min(room.length, READ_STEP)));
    if (n === 0) return;
    win.commit(n);
    await take();
  }
}

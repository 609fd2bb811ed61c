// Buffers handed between threads by moving their memory, not copying it: only memory a buffer
// owns whole may be moved. A small buffer is a slice of Node's shared pool, which cannot be
// moved (moving one threw DataCloneError for a file's short last chunk). Chunks in shared
// memory are read in place by a worker; their memory is posted only when it changes.

import { isMarkedAsUntransferable } from 'node:worker_threads';

/** The bytes in memory that can be moved to another thread: the buffer itself, or a copy. */
export function movable(b: Buffer): Buffer {
  const own = b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer;
  if (own && !isMarkedAsUntransferable(b.buffer)) return b;
  const copy = Buffer.allocUnsafeSlow(b.length);
  b.copy(copy);
  return copy;
}

/** Several buffers back to back in one movable buffer (one of them as it is, when it can be). */
export function packed(buffers: readonly Buffer[]): Buffer {
  if (buffers.length === 1) return movable(buffers[0] as Buffer);
  const out = Buffer.allocUnsafeSlow(buffers.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of buffers) at += b.copy(out, at);
  return out;
}

/** What to list for moving with a message carrying `b` (nothing for an empty buffer). */
export const transferOf = (b: Uint8Array): ArrayBuffer[] => (b.byteLength > 0 ? [b.buffer as ArrayBuffer] : []);

/**
 * Sender side of chunks read in place from shared memory: the memory to post with a request
 * to `worker`, or undefined when that worker got this memory last (posting a
 * SharedArrayBuffer cost ~0.2 ms a message; a 16 MiB window holds ~16 chunks in a row).
 */
export class SharedMemoryPosts {
  readonly #last = new Map<object, SharedArrayBuffer>();

  memoryFor(worker: object, memory: SharedArrayBuffer): SharedArrayBuffer | undefined {
    if (this.#last.get(worker) === memory) return undefined;
    this.#last.set(worker, memory);
    return memory;
  }
}

/** Receiver side: the bytes of a chunk, in the memory posted with it or with an earlier one. */
export class SharedMemoryReceived {
  #memory: SharedArrayBuffer | undefined;

  view(memory: SharedArrayBuffer | undefined, offset: number, length: number): Buffer {
    // Messages arrive in the order sent, so the last memory posted is the one meant.
    this.#memory = memory ?? this.#memory;
    if (this.#memory === undefined) throw new Error('a chunk in shared memory came without its memory');
    return Buffer.from(this.#memory, offset, length);
  }
}

/**
 * Fixed-size slots in one block of shared memory, taken and given back: what the main thread
 * reads files into for a worker to compress and seal in place. Memory used again costs no
 * page faults (fresh memory cost a fault per 4 KiB page, ~0.3 s of a WordPress tree's first
 * backup on this VM), and one SharedArrayBuffer is posted to a worker once, not per request.
 */
export class SharedSlots {
  readonly size: number;
  readonly memory: SharedArrayBuffer;
  readonly #free: number[] = [];

  constructor(count: number, size: number) {
    this.size = size;
    this.memory = new SharedArrayBuffer(count * size);
    for (let i = count - 1; i >= 0; i--) this.#free.push(i);
  }

  /** A free slot (`size` bytes), or null when all are out. */
  take(): Buffer | null {
    const i = this.#free.pop();
    return i === undefined ? null : Buffer.from(this.memory, i * this.size, this.size);
  }

  /** True when `b` lies in one of these slots. */
  owns(b: Uint8Array): boolean {
    return b.buffer === this.memory;
  }

  /** Gives back the slot `b` lies in (any view into it). */
  give(b: Uint8Array): void {
    if (!this.owns(b)) return;
    const i = Math.floor(b.byteOffset / this.size);
    if (!this.#free.includes(i)) this.#free.push(i);
  }
}

// Worker thread that compresses and seals blobs, so the main thread can go on walking, reading
// and hashing: batches of small blobs (one message in: the blobs packed in one buffer), and the
// new chunks of big files and streams, read in place from the chunking window's shared memory.
// One message out: the sealed blobs packed in one buffer. Keys come in workerData, with a
// shared counter of the requests finished.

import { createSecretKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { seal } from './crypto.ts';
import { SharedMemoryReceived } from './movable.ts';
import { blobAad } from './pack.ts';
import { ZstdCompressor } from './zstd.ts';

export interface SealRequest {
  seq: number;
  level: number;
  /** All contents back to back (moved here), or empty when `shared` says where they are. */
  data: Uint8Array;
  /**
   * The contents lie in shared memory (a chunk of a big file): where. `memory` is left out
   * when it is the memory of the previous shared request to this worker (posting a
   * SharedArrayBuffer costs ~0.2 ms a message; a window holds ~16 chunks in a row).
   */
  shared?: { memory?: SharedArrayBuffer; offset: number; length: number };
  /** Per blob: id (hex) and content length. */
  items: [string, number][];
}

export interface SealReply {
  seq: number;
  /** All sealed blobs back to back. */
  data: Uint8Array;
  /** Per blob: sealed length and whether it is compressed. */
  items: [number, boolean][];
}

const { enc, done } = workerData as { enc: Uint8Array; done: Int32Array };
const key = createSecretKey(Buffer.from(enc));
const sharedInput = new SharedMemoryReceived();
/** One zstd context for all blobs (requests come one at a time); a new one if the level changes. */
let zstd = new ZstdCompressor(3);

function inputOf(m: SealRequest): Buffer {
  if (m.shared === undefined) return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  return sharedInput.view(m.shared.memory, m.shared.offset, m.shared.length);
}

parentPort?.on('message', (m: SealRequest) => {
  const input = inputOf(m);
  const parts: Buffer[] = [];
  const items: [number, boolean][] = [];
  let off = 0;
  for (const [id, len] of m.items) {
    const content = input.subarray(off, off + len);
    off += len;
    let body = content;
    let compressed = false;
    if (m.level > 0 && len > 64) {
      if (zstd.level !== m.level) {
        zstd.close();
        zstd = new ZstdCompressor(m.level);
      }
      const z = zstd.compress(content);
      if (z !== null) {
        body = z;
        compressed = true;
      }
    }
    // Sealed into memory of its own: `body` may be the compressor's scratch memory.
    const sealed = seal(key, body, blobAad(Buffer.from(id, 'hex')));
    parts.push(sealed);
    items.push([sealed.length, compressed]);
  }
  // Not Buffer.concat: a small result would come from the shared pool, which must not be transferred.
  const out = Buffer.allocUnsafeSlow(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += p.copy(out, at);
  const reply: SealReply = { seq: m.seq, data: out, items };
  // Counted before the answer is posted: the main thread reads how far behind the workers
  // really are, which the answers it has not taken yet (it may be busy reading) do not say.
  Atomics.add(done, 0, 1);
  parentPort?.postMessage(reply, [out.buffer as ArrayBuffer]);
});

// Worker thread that hashes the chunks of big files and streams while the main thread reads
// and cuts the next ones: per chunk its SHA-256 (from which the main thread derives the blob
// id), and the whole file's running SHA-256 (a file's chunks come to one worker, in order).
// Chunks are read in place from the chunking window's shared memory; nothing is copied.

import { createHash, type Hash, hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { SharedMemoryReceived } from './movable.ts';

export type HashRequest =
  | {
      kind: 'chunk';
      seq: number;
      file: number;
      first: boolean;
      /**
       * The shared memory the chunk lies in; left out when it is the memory of the previous
       * chunk sent to this worker (posting a SharedArrayBuffer cost ~0.2 ms a message, and
       * a 16 MiB window holds about 16 chunks in a row).
       */
      memory?: SharedArrayBuffer;
      offset: number;
      length: number;
    }
  | { kind: 'digest'; seq: number; file: number };

export interface HashReply {
  seq: number;
  /** `chunk`: the chunk's SHA-256; `digest`: the whole file's, hex. */
  sha: Uint8Array | string;
}

/** Running hashes of the files being chunked, by the main thread's file number. */
const files = new Map<number, Hash>();
const shared = new SharedMemoryReceived();

parentPort?.on('message', (m: HashRequest) => {
  if (m.kind === 'digest') {
    const h = files.get(m.file) ?? createHash('sha256');
    files.delete(m.file);
    parentPort?.postMessage({ seq: m.seq, sha: h.digest('hex') } satisfies HashReply);
    return;
  }
  const view = shared.view(m.memory, m.offset, m.length);
  if (m.first) files.set(m.file, createHash('sha256'));
  files.get(m.file)?.update(view);
  parentPort?.postMessage({ seq: m.seq, sha: hash('sha256', view, 'buffer') } satisfies HashReply);
});

// zstd contexts kept from one blob to the next. zlib's one-shot zstdCompressSync and
// zstdDecompressSync build a stream object and a native zstd context for every call, which on a
// small file costs several times the compression itself (a 3 KiB blob: ~37 µs one-shot, ~5 µs
// with a kept context; a 100,000-file first backup spent seconds of CPU there). Node has no
// public call that reuses a context synchronously, so this drives the native handle of one
// zlib stream the way zlib's own synchronous path does (`_handle.writeSync`, `_writeState`);
// zstd begins a new, independent frame after each finished one. Where a Node version lacks
// that handle, the one-shot calls are used: same frames, only slower.

import {
  createZstdCompress,
  createZstdDecompress,
  zstdCompressSync,
  zstdDecompressSync,
  constants as zc,
} from 'node:zlib';

/** The part of zlib's native handle this module drives. */
interface NativeHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  onerror: (message: string, errno: number) => void;
}

interface Engine {
  handle: NativeHandle;
  /** After each write: [output space left, input left]. */
  state: Uint32Array;
  close(): void;
}

function engineOf(stream: ReturnType<typeof createZstdCompress>): Engine | null {
  const inner = stream as unknown as { _handle?: unknown; _writeState?: unknown };
  const handle = inner._handle as Partial<NativeHandle> | undefined;
  const state = inner._writeState;
  if (
    typeof handle?.writeSync !== 'function' ||
    typeof handle.reset !== 'function' ||
    !(state instanceof Uint32Array)
  ) {
    stream.close();
    return null;
  }
  return { handle: handle as NativeHandle, state, close: () => stream.close() };
}

/** zstd's worst case for `n` input bytes (ZSTD_COMPRESSBOUND), plus room for the frame header. */
const bound = (n: number): number => n + (n >>> 8) + 64;

/** Compresses blobs one after the other with one context at one level. Not for concurrent use. */
export class ZstdCompressor {
  readonly level: number;
  #engine: Engine | null | undefined;
  #error: string | null = null;
  #out = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(level: number) {
    this.level = level;
  }

  /**
   * The compressed frame of `input`, or null when it would not be smaller. The result is a view
   * of scratch memory, valid until the next call: seal or copy it before compressing again.
   */
  compress(input: Uint8Array): Buffer | null {
    this.#engine ??= this.#open();
    const e = this.#engine;
    if (e === null) {
      const z = zstdCompressSync(input, {
        params: { [zc.ZSTD_c_compressionLevel]: this.level },
        pledgedSrcSize: input.length,
      });
      return z.length < input.length ? z : null;
    }
    // Output up to the input's length is all that is worth having: a frame that does not fit
    // is not smaller, and the stream is reset rather than finished.
    if (this.#out.length < input.length) this.#out = Buffer.allocUnsafeSlow(bound(input.length));
    e.handle.writeSync(zc.ZSTD_e_end, input, 0, input.length, this.#out, 0, input.length);
    const [outLeft, inLeft] = [e.state[0] ?? 0, e.state[1] ?? 0];
    this.#checked(e);
    // outLeft 0: the frame did not fit in the input's length (or fit exactly: not smaller), and
    // the half-made frame is dropped. A finished frame needs no reset: zstd starts the next
    // frame afresh by itself, and zlib's reset costs ~14 µs (more than compressing 3 KiB).
    if (outLeft === 0 || inLeft !== 0) {
      e.handle.reset();
      return null;
    }
    return this.#out.subarray(0, input.length - outLeft);
  }

  close(): void {
    this.#engine?.close();
    this.#engine = undefined;
  }

  #open(): Engine | null {
    const e = engineOf(createZstdCompress({ params: { [zc.ZSTD_c_compressionLevel]: this.level } }));
    if (e !== null) e.handle.onerror = (message) => (this.#error = message);
    return e;
  }

  #checked(e: Engine): void {
    if (this.#error === null) return;
    const message = this.#error;
    this.#error = null;
    e.close();
    this.#engine = undefined;
    throw new Error(`zstd: ${message}`);
  }
}

/** Decompresses frames one after the other with one context. Not for concurrent use. */
export class ZstdDecompressor {
  #engine: Engine | null | undefined;
  #error: string | null = null;
  #probe = Buffer.allocUnsafe(64);
  #scratch = Buffer.allocUnsafeSlow(0);

  /**
   * The plain content of one frame that must be exactly `rawLength` bytes, in memory of its own
   * (it can be moved to another thread), or with `scratch` in memory used again by the next
   * call. Throws when the frame is damaged or of another length.
   */
  decompress(frame: Uint8Array, rawLength: number, scratch = false): Buffer {
    this.#engine ??= this.#open();
    const e = this.#engine;
    if (e === null) {
      const plain = zstdDecompressSync(frame, { chunkSize: Math.max(64, Math.min(rawLength, 16 * 1024 * 1024)) });
      if (plain.length !== rawLength) throw new Error(`zstd: ${plain.length} bytes, expected ${rawLength}`);
      return plain;
    }
    if (scratch && this.#scratch.length < rawLength) this.#scratch = Buffer.allocUnsafeSlow(rawLength);
    const out = scratch ? this.#scratch.subarray(0, rawLength) : Buffer.allocUnsafeSlow(rawLength);
    try {
      e.handle.writeSync(zc.ZSTD_e_end, frame, 0, frame.length, out, 0, rawLength);
      this.#checked(e);
      const outLeft = e.state[0] ?? 0;
      let inLeft = e.state[1] ?? 0;
      // A full output may leave the frame's last bytes unread: read on into a probe, which
      // must stay empty (anything there means the frame is longer than it should be).
      while (inLeft > 0 && outLeft === 0) {
        const before = inLeft;
        e.handle.writeSync(zc.ZSTD_e_end, frame, frame.length - inLeft, inLeft, this.#probe, 0, this.#probe.length);
        this.#checked(e);
        if ((e.state[0] ?? 0) !== this.#probe.length) throw new Error('zstd: frame longer than its plain length');
        inLeft = e.state[1] ?? 0;
        if (inLeft === before) break;
      }
      if (inLeft !== 0) throw new Error('zstd: bytes after the frame');
      if (outLeft !== 0) throw new Error(`zstd: ${rawLength - outLeft} bytes, expected ${rawLength}`);
      // A finished frame needs no reset (see compress): the next write starts a new one.
      return out;
    } catch (err) {
      // A context that failed mid-frame is not trusted with the next one.
      this.close();
      throw err;
    }
  }

  close(): void {
    this.#engine?.close();
    this.#engine = undefined;
    this.#error = null;
  }

  #open(): Engine | null {
    const e = engineOf(createZstdDecompress());
    if (e !== null) e.handle.onerror = (message) => (this.#error = message);
    return e;
  }

  #checked(e: Engine): void {
    if (this.#error === null) return;
    const message = this.#error;
    this.#error = null;
    e.close();
    this.#engine = undefined;
    throw new Error(`zstd: ${message}`);
  }
}

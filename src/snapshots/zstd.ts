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

type ZlibStream = ReturnType<typeof createZstdCompress>;

/**
 * One zlib zstd stream driven synchronously through its native handle, its errors turned into
 * exceptions (after which the stream is dropped and the next use makes a new one).
 */
class KeptStream {
  readonly #make: () => ZlibStream;
  #stream: ZlibStream | null = null;
  #handle: NativeHandle | null | undefined;
  /** After each write: [output space left, input left]. */
  #state: Uint32Array<ArrayBufferLike> = new Uint32Array(2);
  #error: string | null = null;

  constructor(make: () => ZlibStream) {
    this.#make = make;
  }

  /** False where this Node has no native handle to drive (the one-shot calls are used then). */
  get usable(): boolean {
    this.#handle ??= this.#open();
    return this.#handle !== null;
  }

  /** Runs zstd over `input` into `out` (to the frame's end); answers [output left, input left]. */
  write(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number, outLen: number): [number, number] {
    this.#handle ??= this.#open();
    const h = this.#handle;
    if (h === null) throw new Error('zstd: no native handle');
    h.writeSync(zc.ZSTD_e_end, input, inOff, input.length - inOff, out, outOff, outLen);
    if (this.#error !== null) {
      const message = this.#error;
      this.close();
      throw new Error(`zstd: ${message}`);
    }
    return [this.#state[0] ?? 0, this.#state[1] ?? 0];
  }

  /** Drops a half-made frame. */
  reset(): void {
    this.#handle?.reset();
  }

  close(): void {
    this.#stream?.close();
    this.#stream = null;
    this.#handle = undefined;
    this.#error = null;
  }

  #open(): NativeHandle | null {
    const stream = this.#make();
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
    this.#stream = stream;
    this.#state = state;
    handle.onerror = (message) => (this.#error = message);
    return handle as NativeHandle;
  }
}

/** Compresses blobs one after the other with one context at one level. Not for concurrent use. */
export class ZstdCompressor {
  readonly level: number;
  readonly #stream: KeptStream;
  #out = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(level: number) {
    this.level = level;
    this.#stream = new KeptStream(() => createZstdCompress({ params: { [zc.ZSTD_c_compressionLevel]: level } }));
  }

  /**
   * The compressed frame of `input`, or null when it would not be smaller. The result is a view
   * of scratch memory, valid until the next call: seal or copy it before compressing again.
   */
  compress(input: Uint8Array): Buffer | null {
    if (!this.#stream.usable) {
      const z = zstdCompressSync(input, {
        params: { [zc.ZSTD_c_compressionLevel]: this.level },
        pledgedSrcSize: input.length,
      });
      return z.length < input.length ? z : null;
    }
    // Output up to the input's length is all that is worth having: a frame that does not fit
    // is not smaller, and the stream is reset rather than finished.
    if (this.#out.length < input.length) this.#out = Buffer.allocUnsafeSlow(input.length);
    const [outLeft, inLeft] = this.#stream.write(input, 0, this.#out, 0, input.length);
    // outLeft 0: the frame did not fit in the input's length (or fit exactly: not smaller), and
    // the half-made frame is dropped. A finished frame needs no reset: zstd starts the next
    // frame afresh by itself, and zlib's reset costs ~14 µs (more than compressing 3 KiB).
    if (outLeft === 0 || inLeft !== 0) {
      this.#stream.reset();
      return null;
    }
    return this.#out.subarray(0, input.length - outLeft);
  }

  close(): void {
    this.#stream.close();
  }
}

/** Decompresses frames one after the other with one context. Not for concurrent use. */
export class ZstdDecompressor {
  readonly #stream = new KeptStream(() => createZstdDecompress());
  #probe = Buffer.allocUnsafe(64);
  #scratch = Buffer.allocUnsafeSlow(0);

  /**
   * The plain content of one frame that must be exactly `rawLength` bytes, in memory of its own
   * (it can be moved to another thread), or with `scratch` in memory used again by the next
   * call. Throws when the frame is damaged or of another length.
   */
  decompress(frame: Uint8Array, rawLength: number, scratch = false): Buffer {
    if (!this.#stream.usable) {
      const plain = zstdDecompressSync(frame, { chunkSize: Math.max(64, Math.min(rawLength, 16 * 1024 * 1024)) });
      if (plain.length !== rawLength) throw new Error(`zstd: ${plain.length} bytes, expected ${rawLength}`);
      return plain;
    }
    if (scratch && this.#scratch.length < rawLength) this.#scratch = Buffer.allocUnsafeSlow(rawLength);
    const out = scratch ? this.#scratch.subarray(0, rawLength) : Buffer.allocUnsafeSlow(rawLength);
    try {
      const [outLeft, left] = this.#stream.write(frame, 0, out, 0, rawLength);
      let inLeft = left;
      // A full output may leave the frame's last bytes unread: read on into a probe, which
      // must stay empty (anything there means the frame is longer than it should be).
      while (inLeft > 0 && outLeft === 0) {
        const before = inLeft;
        const [probeLeft, after] = this.#stream.write(frame, frame.length - inLeft, this.#probe, 0, this.#probe.length);
        if (probeLeft !== this.#probe.length) throw new Error('zstd: frame longer than its plain length');
        inLeft = after;
        if (inLeft === before) break;
      }
      if (inLeft !== 0) throw new Error('zstd: bytes after the frame');
      if (outLeft !== 0) throw new Error(`zstd: ${rawLength - outLeft} bytes, expected ${rawLength}`);
      // A finished frame needs no reset (see compress): the next write starts a new one.
      return out;
    } catch (err) {
      // A context that failed mid-frame is not trusted with the next one.
      this.#stream.close();
      throw err;
    }
  }

  close(): void {
    this.#stream.close();
  }
}

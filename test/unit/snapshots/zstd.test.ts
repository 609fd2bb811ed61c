// Kept zstd contexts: frames made one after the other with one context are ordinary zstd
// frames (zlib's one-shot call reads them), contents come back exactly, incompressible input is
// reported as such, and a damaged or wrong-length frame is refused without poisoning the next.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import fc from 'fast-check';
import { ZstdCompressor, ZstdDecompressor } from '../../../src/snapshots/zstd.ts';

const shopText = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => `order ${(i * 7919 + seed) % 1000} customer;\n`).join(''));

describe('kept zstd contexts', () => {
  it('round-trips many blobs in a row, each readable by the one-shot call', () => {
    const z = new ZstdCompressor(3);
    const u = new ZstdDecompressor();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 5000 }),
          fc.nat(3000).map((n) => shopText(n, n)),
        ),
        (raw) => {
          const input = Buffer.from(raw);
          const frame = z.compress(input);
          if (frame === null) return; // not smaller: stored plain
          assert.ok(frame.length < input.length);
          const copy = Buffer.from(frame); // scratch memory: the next call reuses it
          assert.deepEqual(zstdDecompressSync(copy), input);
          assert.deepEqual(u.decompress(copy, input.length), input);
        },
      ),
      { numRuns: 300 },
    );
    z.close();
    u.close();
  });

  it('says null for incompressible input and compresses text far below its size', () => {
    const z = new ZstdCompressor(3);
    assert.equal(z.compress(randomBytes(4096)), null);
    const text = shopText(2000, 1);
    const frame = z.compress(text);
    assert.ok(frame !== null && frame.length < text.length / 4);
    z.close();
  });

  it('reads frames of the one-shot call and big inputs', () => {
    const u = new ZstdDecompressor();
    const big = shopText(200_000, 3); // several MiB: more than one internal block
    assert.deepEqual(u.decompress(zstdCompressSync(big), big.length), big);
    const z = new ZstdCompressor(3);
    const frame = z.compress(big);
    assert.ok(frame !== null);
    assert.deepEqual(u.decompress(Buffer.from(frame), big.length), big);
    z.close();
    u.close();
  });

  it('refuses a damaged frame or a wrong length, then reads the next frame', () => {
    const u = new ZstdDecompressor();
    const text = shopText(500, 2);
    const frame = zstdCompressSync(text);
    assert.throws(() => u.decompress(frame, text.length - 1), /zstd/);
    assert.throws(() => u.decompress(frame, text.length + 1), /zstd/);
    const damaged = Buffer.from(frame);
    damaged[0] = (damaged[0] ?? 0) ^ 0xff; // the magic number
    assert.throws(() => u.decompress(damaged, text.length), /zstd/);
    assert.throws(() => u.decompress(frame.subarray(0, frame.length - 3), text.length), /zstd/);
    assert.deepEqual(u.decompress(frame, text.length), text);
    u.close();
  });

  it('decompresses into reused memory when asked, and into memory of its own otherwise', () => {
    const u = new ZstdDecompressor();
    const a = shopText(300, 4);
    const b = shopText(200, 5);
    const ownA = u.decompress(zstdCompressSync(a), a.length);
    const scratchA = u.decompress(zstdCompressSync(a), a.length, true);
    const scratchB = u.decompress(zstdCompressSync(b), b.length, true);
    assert.deepEqual(scratchB, b);
    assert.equal(scratchA.buffer, scratchB.buffer, 'the same memory again');
    assert.notEqual(ownA.buffer, scratchB.buffer);
    assert.equal(ownA.byteOffset, 0);
    assert.equal(ownA.buffer.byteLength, a.length, 'a buffer of its own, exactly the plain length');
    assert.deepEqual(ownA, a);
    u.close();
  });
});

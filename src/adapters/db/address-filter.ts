// A block's address filter: a Bloom filter over its 32-bit address keys (request-block.ts,
// ipKey). A search for one address reads the filter of every block in its time range, so the
// filter's size is what that search costs: 10 bits a key (about 1% false positives, each just
// one needless block read) against 32 for the sorted keys themselves — measured 9 MB of keys
// for the 467 blocks of a 7-day window in bench/search.ts. A filter never misses a key.

/** Bits per key and probes per lookup: ~0.8% false positives (m/n = 10, k = 7). */
const BITS_PER_KEY = 10;
const PROBES = 7;

/** Two independent 32-bit hashes of a key (integer finalisers of MurmurHash3 and a variant). */
function mix1(k: number): number {
  let h = k >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function mix2(k: number): number {
  let h = (k ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) | 1) >>> 0;
}

/** The filter of a set of keys: a bit array of at least 64 bits, a whole number of bytes. */
export function buildAddressFilter(keys: ArrayLike<number>): Uint8Array {
  const bytes = Math.max(8, Math.ceil((keys.length * BITS_PER_KEY) / 8));
  const bits = bytes * 8;
  const f = new Uint8Array(bytes);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    const a = mix1(k);
    const b = mix2(k);
    for (let p = 0; p < PROBES; p++) {
      const bit = (a + p * b) % bits;
      f[bit >>> 3] = (f[bit >>> 3] as number) | (1 << (bit & 7));
    }
  }
  return f;
}

/** False only when the filter's block holds no address with this key. */
export function mayHoldAddress(f: Uint8Array, key: number): boolean {
  const bits = f.byteLength * 8;
  if (bits === 0) return false;
  const a = mix1(key);
  const b = mix2(key);
  for (let p = 0; p < PROBES; p++) {
    const bit = (a + p * b) % bits;
    if ((((f[bit >>> 3] as number) >>> (bit & 7)) & 1) === 0) return false;
  }
  return true;
}

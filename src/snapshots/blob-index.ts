// The in-memory index of a repository: for every blob id, the pack it lies in, where, how long
// it is sealed and plain, and whether it is compressed. A repository of 100,000 files holds
// 100,000+ blobs and every command loads them all, so the rows live in typed arrays: the ids as
// raw bytes back to back, found through an open-addressing table on their first four bytes
// (ids are HMAC-SHA256 outputs under the repository's key: evenly spread, and nobody without
// the key can aim at one bucket). An entry object is made only when asked for. One object and
// one hex string per blob cost ~130 ms, more in garbage collection, and ~70 MB at each start.

import type { BlobType } from './pack.ts';
import { ROW, ROW_COMPRESSED, ROW_FLAGS, ROW_LENGTH, ROW_OFFSET, ROW_RAW, ROW_TREE } from './index-file.ts';

export interface IndexEntry {
  pack: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
  compressed: boolean;
}

const ID = 32;

/** The value of one lower-case hex digit (ids are written so), or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The first four bytes of a hex id as a number (the table's hash), or -1 when it is not a 64-digit hex id. */
function hashOfHex(hex: string): number {
  if (hex.length !== 2 * ID) return -1;
  let h = 0;
  for (let i = 0; i < 8; i++) {
    const d = hexDigit(hex.charCodeAt(i));
    if (d < 0) return -1;
    h = (h << 4) | d;
  }
  return h >>> 0;
}

/** Map-like (get, has, set, size, iteration) so callers read it as they would a Map<string, IndexEntry>. */
export class BlobIndex {
  /** Pack ids, each once; rows name them by position. */
  readonly #packs: string[] = [];
  readonly #packAt = new Map<string, number>();
  #ids = Buffer.alloc(1024 * ID);
  #pack = new Uint32Array(1024);
  #offset = new Float64Array(1024);
  #length = new Uint32Array(1024);
  #raw = new Uint32Array(1024);
  #flags = new Uint8Array(1024);
  /** Each slot's first four id bytes (its hash), so probing compares numbers, not bytes. */
  #hash = new Uint32Array(1024);
  #used = 0;
  /** Slot + 1 per bucket (0: empty); at most half full. */
  #table = new Int32Array(2048);

  get size(): number {
    return this.#used;
  }

  has(id: string): boolean {
    return this.#find(id) >= 0;
  }

  get(id: string): IndexEntry | undefined {
    const s = this.#find(id);
    return s < 0 ? undefined : this.#entry(s);
  }

  set(id: string, e: IndexEntry): this {
    this.add(id, e.pack, e.type === 'tree', e.offset, e.length, e.rawLength, e.compressed);
    return this;
  }

  /** Adds (or replaces) one blob: the path new packs take, without an entry object. */
  add(id: string, pack: string, tree: boolean, offset: number, length: number, rawLength: number, c: boolean): void {
    const bytes = Buffer.from(id, 'hex');
    if (bytes.length !== ID || hashOfHex(id) < 0) throw new RangeError(`not a blob id: ${id.slice(0, 70)}`);
    this.#put(bytes, 0, this.#packIndex(pack), offset, length, rawLength, c, tree);
  }

  /** Adds the blobs of one pack from an index file's rows (see index-file.ts), straight from the bytes. */
  addRows(pack: string, rows: Buffer): void {
    const p = this.#packIndex(pack);
    this.#reserve(this.#used + Math.floor(rows.length / ROW));
    for (let at = 0; at + ROW <= rows.length; at += ROW) {
      const flags = rows[at + ROW_FLAGS] as number;
      this.#put(
        rows,
        at,
        p,
        rows.readUInt32LE(at + ROW_OFFSET),
        rows.readUInt32LE(at + ROW_LENGTH),
        rows.readUInt32LE(at + ROW_RAW),
        (flags & ROW_COMPRESSED) !== 0,
        (flags & ROW_TREE) !== 0,
      );
    }
  }

  clear(): void {
    this.#packs.length = 0;
    this.#packAt.clear();
    this.#used = 0;
    this.#table.fill(0);
  }

  *entries(): IterableIterator<[string, IndexEntry]> {
    for (let s = 0; s < this.#used; s++) yield [this.#idOf(s), this.#entry(s)];
  }

  *values(): IterableIterator<IndexEntry> {
    for (let s = 0; s < this.#used; s++) yield this.#entry(s);
  }

  *keys(): IterableIterator<string> {
    for (let s = 0; s < this.#used; s++) yield this.#idOf(s);
  }

  [Symbol.iterator](): IterableIterator<[string, IndexEntry]> {
    return this.entries();
  }

  #idOf(s: number): string {
    return this.#ids.toString('hex', s * ID, s * ID + ID);
  }

  #packIndex(pack: string): number {
    let p = this.#packAt.get(pack);
    if (p === undefined) {
      p = this.#packs.length;
      this.#packs.push(pack);
      this.#packAt.set(pack, p);
    }
    return p;
  }

  /** The slot of a hex id, or -1. */
  #find(hex: string): number {
    const h = hashOfHex(hex);
    if (h < 0) return -1;
    const mask = this.#table.length - 1;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = (this.#table[b] as number) - 1;
      if (s < 0) return -1;
      if (this.#sameId(s, hex)) return s;
    }
  }

  #sameId(s: number, hex: string): boolean {
    const ids = this.#ids;
    for (let i = 0, at = s * ID; i < ID; i++, at++) {
      const hi = hexDigit(hex.charCodeAt(2 * i));
      const lo = hexDigit(hex.charCodeAt(2 * i + 1));
      if (hi < 0 || lo < 0 || ids[at] !== ((hi << 4) | lo)) return false;
    }
    return true;
  }

  /** The slot holding these id bytes, or -(b + 1) for the empty bucket b where they would go. */
  #findBytes(src: Buffer, at: number, h: number): number {
    const mask = this.#table.length - 1;
    const ids = this.#ids;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = (this.#table[b] as number) - 1;
      if (s < 0) return -(b + 1);
      if (this.#hash[s] === h && ids.compare(src, at, at + ID, s * ID, s * ID + ID) === 0) return s;
    }
  }

  /** Room for `n` blobs in the arrays and the table (at most half full), made once before a batch. */
  #reserve(n: number): void {
    if (n > this.#pack.length) this.#grow(n);
    let buckets = this.#table.length;
    while (2 * n > buckets) buckets *= 2;
    if (buckets !== this.#table.length) this.#rehash(buckets);
  }

  #put(
    src: Buffer,
    at: number,
    pack: number,
    offset: number,
    length: number,
    rawLength: number,
    compressed: boolean,
    tree: boolean,
  ): void {
    if (2 * (this.#used + 1) > this.#table.length) this.#rehash(this.#table.length * 2);
    const h = src.readUInt32BE(at);
    let s = this.#findBytes(src, at, h);
    if (s < 0) {
      const bucket = -s - 1;
      s = this.#used++;
      if (s === this.#pack.length) this.#grow(s + 1);
      src.copy(this.#ids, s * ID, at, at + ID);
      this.#hash[s] = h;
      this.#table[bucket] = s + 1;
    }
    this.#pack[s] = pack;
    this.#offset[s] = offset;
    this.#length[s] = length;
    this.#raw[s] = rawLength;
    this.#flags[s] = (compressed ? ROW_COMPRESSED : 0) | (tree ? ROW_TREE : 0);
  }

  #rehash(buckets: number): void {
    const table = new Int32Array(buckets);
    const mask = buckets - 1;
    for (let s = 0; s < this.#used; s++) {
      let b = (this.#hash[s] as number) & mask;
      while (table[b] !== 0) b = (b + 1) & mask;
      table[b] = s + 1;
    }
    this.#table = table;
  }

  #entry(s: number): IndexEntry {
    const f = this.#flags[s] as number;
    return {
      pack: this.#packs[this.#pack[s] as number] as string,
      type: f & ROW_TREE ? 'tree' : 'data',
      offset: this.#offset[s] as number,
      length: this.#length[s] as number,
      rawLength: this.#raw[s] as number,
      compressed: (f & ROW_COMPRESSED) !== 0,
    };
  }

  /** Room for at least `min` blobs: twice the current room, or more in one step (fresh memory costs a page fault a page). */
  #grow(min: number): void {
    const n = Math.max(min, this.#pack.length * 2);
    const ids = Buffer.allocUnsafeSlow(n * ID);
    this.#ids.copy(ids);
    this.#ids = ids;
    const grown = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#pack = grown(this.#pack, (k) => new Uint32Array(k));
    this.#offset = grown(this.#offset, (k) => new Float64Array(k));
    this.#length = grown(this.#length, (k) => new Uint32Array(k));
    this.#raw = grown(this.#raw, (k) => new Uint32Array(k));
    this.#flags = grown(this.#flags, (k) => new Uint8Array(k));
    this.#hash = grown(this.#hash, (k) => new Uint32Array(k));
  }
}

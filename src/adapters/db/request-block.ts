// The column block: how the SQLite traffic record keeps requests. A block holds up to
// BLOCK_MAX_ROWS requests column by column (times, statuses, sizes as typed arrays; each text
// column as a per-block dictionary plus one small index per row), each column compressed on
// its own with zstd so that a search decodes only the columns it filters on. Writing one block
// replaces thousands of row inserts and index updates, the cost that bounded ingest (see
// docs/ARCHITECTURE.md, "traffic record"). A block also yields its summary for the catalog:
// time range, statuses, sources and the sorted keys of its client addresses.
//
// Layout (all integers little-endian): u8 version (1), u8 flags (bit 0: explicit ids),
// u32 rows, u32 column count, then per column u32 stored length, u32 raw length, and the
// zstd-compressed column bytes. Decoding validates every length against the buffer: a block
// is our own data, but a damaged database must give a clear error, never a wrong row.

import { endianness } from 'node:os';
import { constants as zc, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { HttpEvent } from '../../logs/index.ts';
import type { KeyCounter } from './key-counter.ts';
import { ipKey, ipv4Bytes, ipv4Value } from './address-key.ts';

/** Most requests in one block: small enough that a search decodes little, big enough to compress. */
export const BLOCK_MAX_ROWS = 8192;
/** A trailing block with fewer rows is merged with the next append (live tailing writes tiny batches). */
export const BLOCK_MIN_ROWS = 1024;

const VERSION = 1;
// Number columns are copied byte for byte into typed arrays, which use the machine's order.
if (endianness() !== 'LE') throw new Error('the SQLite traffic record needs a little-endian machine');
const FLAG_EXPLICIT_IDS = 1;

/** Text columns (dictionary-encoded, but for path: plain text); the order is part of the format. */
export const textColumns = ['ip', 'method', 'path', 'query', 'protocol', 'referer', 'ua', 'user', 'vhost'] as const;
export type TextColumn = (typeof textColumns)[number];
/** Number columns; the order is part of the format (after `ids` when present). */
const numberColumns = ['time', 'src', 'line', 'status', 'bytes', 'dur'] as const;
type NumberColumn = (typeof numberColumns)[number];

/** One request with where it is kept and where it came from. */
export interface BlockRow {
  id: number;
  src: number;
  line: number;
  event: HttpEvent;
}

/** Requests as parallel arrays (no object per row: ingest allocates enough already). */
export interface RowColumns {
  ids: number[];
  srcs: number[];
  lines: number[];
  events: HttpEvent[];
}

interface BlockSummary {
  firstId: number;
  lastId: number;
  rows: number;
  minTime: number;
  maxTime: number;
  /** Distinct statuses, ascending. */
  statuses: number[];
  /** Distinct source numbers, ascending. */
  sources: number[];
  /** Sorted distinct address keys (see ipKey): a search for an address skips blocks without its key. */
  ipKeys: Uint32Array;
}

export interface EncodedBlock {
  summary: BlockSummary;
  data: Buffer;
}

/** How a text column is laid out: a dictionary for repeating values, plain text for mostly-unique ones. */
const KIND_DICT = 0;
const KIND_PLAIN = 1;

interface TextBuilder {
  add(i: number, v: string | null): void;
  bytes(): Buffer;
}

/**
 * The UTF-8 text of `values` (null counts as empty), with the u32 byte offset where each starts
 * and where the last ends (values.length + 1 of them) written into `head` at `at`.
 */
function writeText(values: readonly (string | null)[], head: Buffer, at: number): Buffer {
  let joined = '';
  for (const v of values) if (v !== null) joined += v;
  const text = Buffer.from(joined, 'utf8');
  // Pure ASCII text (the common case) has byte offsets equal to string offsets.
  const ascii = text.length === joined.length;
  let off = 0;
  head.writeUInt32LE(0, at);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string | null;
    if (v !== null) off += ascii ? v.length : Buffer.byteLength(v, 'utf8');
    head.writeUInt32LE(off, at + 4 + 4 * i);
  }
  if (off !== text.length) throw new Error('request block: text length mismatch');
  return text;
}

/**
 * Plain text column for values that rarely repeat (paths: product pages, search URLs), where a
 * dictionary's hashing and growth cost more than they save (measured 0.4-0.6 µs a row for
 * paths). u8 kind, u32 byte offset per row + 1 (null rows are marked in a bitmap), UTF-8 text.
 */
class PlainBuilder implements TextBuilder {
  #values: (string | null)[];
  constructor(n: number) {
    this.#values = new Array<string | null>(n).fill(null);
  }
  add(i: number, v: string | null): void {
    this.#values[i] = v;
  }
  bytes(): Buffer {
    const n = this.#values.length;
    const head = Buffer.allocUnsafe(1 + 4 * (n + 1) + Math.ceil(n / 8));
    head.writeUInt8(KIND_PLAIN, 0);
    const text = writeText(this.#values, head, 1);
    const nulls = 1 + 4 * (n + 1);
    head.fill(0, nulls);
    for (let i = 0; i < n; i++)
      if (this.#values[i] === null) head[nulls + (i >> 3)] = (head[nulls + (i >> 3)] as number) | (1 << (i & 7));
    return Buffer.concat([head, text]);
  }
}

/** Builds a text column's dictionary as rows are added; index 0 stands for null. */
class DictBuilder implements TextBuilder {
  readonly index: Uint16Array;
  #map = new Map<string, number>();
  readonly values: string[] = [];
  #last: string | null = null;
  #lastIdx = 0;
  constructor(n: number) {
    this.index = new Uint16Array(n);
  }
  add(i: number, v: string | null): void {
    if (v === null) return; // index stays 0
    // Neighbouring requests often repeat a value (same client, same asset page): a string
    // comparison is cheaper than hashing a fresh string.
    if (v === this.#last) {
      this.index[i] = this.#lastIdx;
      return;
    }
    let k = this.#map.get(v);
    if (k === undefined) {
      this.values.push(v);
      k = this.values.length;
      this.#map.set(v, k);
    }
    this.index[i] = k;
    this.#last = v;
    this.#lastIdx = k;
  }
  /** u8 kind, u32 count, u32 byte offsets (count + 1), UTF-8 bytes, then the u16 row indexes. */
  bytes(): Buffer {
    const count = this.values.length;
    const head = Buffer.allocUnsafe(5 + 4 * (count + 1));
    head.writeUInt8(KIND_DICT, 0);
    head.writeUInt32LE(count, 1);
    const text = writeText(this.values, head, 5);
    return Buffer.concat([head, text, Buffer.from(this.index.buffer, this.index.byteOffset, this.index.byteLength)]);
  }
}

/**
 * The address column's dictionary. Most addresses are canonical IPv4, whose 32-bit value stands
 * for the text: those are looked up by value in an open-addressing table (no string hashed: a
 * block has thousands of distinct addresses, and hashing them was the dearest column, ~0.2 µs
 * a row); any other address goes through the string dictionary. The bytes are the same.
 */
class AddressDictBuilder extends DictBuilder {
  // Twice the rows, a power of two: the table is at most half full.
  #keys: Uint32Array;
  /** 1-based dictionary index per slot; 0 is an empty slot. */
  #slots: Uint16Array;
  #mask: number;
  constructor(n: number) {
    super(n);
    let size = 16;
    while (size < 2 * n) size *= 2;
    this.#keys = new Uint32Array(size);
    this.#slots = new Uint16Array(size);
    this.#mask = size - 1;
  }
  /** Adds address `v` whose ipv4Value is `v4` (-1 when it is not a canonical dotted quad). */
  addAddress(i: number, v: string, v4: number): void {
    if (v4 < 0) {
      this.add(i, v);
      return;
    }
    let s = Math.imul(v4, 0x9e3779b1) >>> 0;
    for (;;) {
      s &= this.#mask;
      const k = this.#slots[s] as number;
      if (k === 0) {
        this.values.push(v);
        const idx = this.values.length;
        this.#keys[s] = v4;
        this.#slots[s] = idx;
        this.index[i] = idx;
        return;
      }
      if (this.#keys[s] === v4) {
        this.index[i] = k;
        return;
      }
      s++;
    }
  }
}

/** Stands for a missing size or duration (any real number, -1 included, is kept as logged). */
const NULL_NUMBER = Number.NaN;

/** Encodes rows [start, end) (at most BLOCK_MAX_ROWS, ids ascending) into one block. */
export function encodeBlock(rows: RowColumns, start = 0, end = rows.events.length): EncodedBlock {
  const n = end - start;
  if (n <= 0 || n > BLOCK_MAX_ROWS) throw new Error(`request block: ${n} rows (1 to ${BLOCK_MAX_ROWS})`);
  const firstId = rows.ids[start] as number;
  let explicit = false;
  for (let i = 1; i < n; i++) if (rows.ids[start + i] !== firstId + i) explicit = true;
  const ids = new Float64Array(n);
  // Times and line numbers are stored as differences from the previous row: mostly tiny and
  // repeated, which zstd compresses far better than absolute values.
  const time = new Float64Array(n);
  const src = new Float64Array(n);
  const line = new Float64Array(n);
  const status = new Float64Array(n);
  const bytes = new Float64Array(n);
  const dur = new Float64Array(n);
  const dIp = new AddressDictBuilder(n);
  const dicts: TextBuilder[] = textColumns.map((c) =>
    c === 'path' ? new PlainBuilder(n) : c === 'ip' ? dIp : new DictBuilder(n),
  );
  const [, dMethod, dPath, dQuery, dProtocol, dReferer, dUa, dUser, dVhost] = dicts as [
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
    TextBuilder,
  ];
  const keys = new Uint32Array(n);
  let minTime = Infinity;
  let maxTime = -Infinity;
  let prevTime = 0;
  let prevLine = 0;
  const statusSet = new Set<number>();
  const srcSet = new Set<number>();
  let lastIp: string | null = null;
  let lastKey = 0;
  let lastV4 = -1;
  let lastSrc = -1;
  for (let i = 0; i < n; i++) {
    const e = rows.events[start + i] as HttpEvent;
    const id = rows.ids[start + i] as number;
    // The store's NOT NULL: a request without a real time or status is a bug upstream, refused.
    if (!Number.isFinite(e.time) || !Number.isFinite(e.status) || typeof e.ip !== 'string')
      throw new Error(`request block: event ${id} has no valid time, status or address`);
    ids[i] = id;
    time[i] = e.time - prevTime;
    prevTime = e.time;
    if (e.time < minTime) minTime = e.time;
    if (e.time > maxTime) maxTime = e.time;
    const sr = rows.srcs[start + i] as number;
    src[i] = sr;
    if (sr !== lastSrc) {
      srcSet.add(sr);
      lastSrc = sr;
    }
    const ln = rows.lines[start + i] as number;
    line[i] = ln - prevLine;
    prevLine = ln;
    status[i] = e.status;
    statusSet.add(e.status);
    bytes[i] = e.bytes ?? NULL_NUMBER;
    dur[i] = e.durationMs ?? NULL_NUMBER;
    if (e.ip !== lastIp) {
      lastIp = e.ip;
      lastV4 = ipv4Value(e.ip);
      lastKey = ipKey(e.ip, lastV4);
    }
    keys[i] = lastKey;
    dIp.addAddress(i, e.ip, lastV4);
    dMethod.add(i, e.method);
    dPath.add(i, e.path);
    dQuery.add(i, e.query);
    dProtocol.add(i, e.protocol);
    dReferer.add(i, e.referer);
    dUa.add(i, e.userAgent);
    dUser.add(i, e.user);
    dVhost.add(i, e.vhost);
  }
  const columns: Buffer[] = [];
  if (explicit) columns.push(f64(ids));
  columns.push(f64(time), f64(src), f64(line), f64(status), f64(bytes), f64(dur));
  for (const d of dicts) columns.push(d.bytes());
  keys.sort();
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[i - 1]) keys[distinct++] = keys[i] as number;
  const head = Buffer.allocUnsafe(10);
  head.writeUInt8(VERSION, 0);
  head.writeUInt8(explicit ? FLAG_EXPLICIT_IDS : 0, 1);
  head.writeUInt32LE(n, 2);
  head.writeUInt32LE(columns.length, 6);
  const parts: Buffer[] = [head];
  for (const c of columns) {
    // The frame checksum makes a damaged column an error, never different rows.
    const z = zstdCompressSync(c, { params: { [zc.ZSTD_c_compressionLevel]: 1, [zc.ZSTD_c_checksumFlag]: 1 } });
    const len = Buffer.allocUnsafe(8);
    len.writeUInt32LE(z.length, 0);
    len.writeUInt32LE(c.length, 4);
    parts.push(len, z);
  }
  return {
    summary: {
      firstId,
      lastId: rows.ids[end - 1] as number,
      rows: n,
      minTime,
      maxTime,
      statuses: [...statusSet].sort((a, b) => a - b),
      sources: [...srcSet].sort((a, b) => a - b),
      ipKeys: keys.slice(0, distinct),
    },
    data: Buffer.concat(parts),
  };
}

/**
 * Cuts an encoded block into its head (the fixed header and every column's lengths, without
 * the frames) and the compressed frame of each column, stored apart so that a search reads
 * only the columns it needs (see request-log.ts).
 */
export function splitBlock(data: Buffer): { head: Buffer; frames: Buffer[] } {
  const count = data.readUInt32LE(6);
  const head = Buffer.allocUnsafe(10 + 8 * count);
  data.copy(head, 0, 0, 10);
  const frames: Buffer[] = [];
  let p = 10;
  for (let c = 0; c < count; c++) {
    const stored = data.readUInt32LE(p);
    data.copy(head, 10 + 8 * c, p, p + 8);
    frames.push(data.subarray(p + 8, p + 8 + stored));
    p += 8 + stored;
  }
  return { head, frames };
}

function f64(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A stored block that cannot be read as written: a length, offset, index or checksum does not
 * hold. The message names the block (and column); the store reports it as a damaged record.
 */
export class BlockDamage extends Error {}

/** A text column of a decoded block. */
export interface TextReader {
  at(i: number): string | null;
  /** Clears sel[i] for every row whose value is null or fails `test`. */
  narrow(sel: Uint8Array, test: (v: string) => boolean): void;
  /** Clears sel[i] for every row whose value is not exactly `v`. */
  narrowEquals(sel: Uint8Array, v: string): void;
  /**
   * Clears sel[i] for every row whose value fails `re`; `literal`, text every match must
   * contain, lets a column find its candidates with one substring search over all its text.
   */
  narrowMatch(sel: Uint8Array, re: RegExp, literal: string): void;
  /** Adds the count of each value over the selected rows (all rows when sel is null). */
  countInto(sel: Uint8Array | null, into: Map<string | null, number>): void;
  /**
   * countInto for addresses: canonical IPv4 addresses are counted by their 32-bit value, read
   * from the bytes without making a string (a day has hundreds of thousands of them), the rest
   * by their text.
   */
  countAddressesInto(sel: Uint8Array | null, v4: KeyCounter, other: Map<string | null, number>): void;
}

/** Copies little-endian numbers out of a byte range (typed-array views need alignment). */
function copyOut<T extends Float64Array | Uint16Array | Uint32Array>(out: T, raw: Buffer, start: number): T {
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).set(raw.subarray(start, start + out.byteLength));
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * All of a column's text decoded at once when it is ASCII (then values are cut from it rather
 * than decoded one by one, for work that touches most of them), else null.
 */
function asciiText(text: Buffer): string | null {
  const all = text.toString('latin1');
  return NON_ASCII.test(all) ? null : all;
}

/**
 * The 1-based entry whose text starts at byte p, or 0. Empty entries share their start with the
 * next one, so of several starting at p this is the last (the only one that can be non-empty).
 */
function entryAt(offsets: Uint32Array, count: number, p: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const start = offsets[mid] as number;
    if (start === p) {
      let k = mid;
      while (k < count - 1 && offsets[k + 1] === p) k++;
      return k + 1;
    }
    if (start < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** A dictionary-encoded text column: row indexes into distinct values, decoded on demand. */
class DictReader implements TextReader {
  readonly index: Uint16Array;
  readonly count: number;
  #text: Buffer;
  #offsets: Uint32Array;
  #values: (string | undefined)[];
  constructor(raw: Buffer, rows: number, what: string) {
    if (raw.length < 5) throw new BlockDamage(`${what}: dictionary column of ${raw.length} bytes is too short`);
    const count = raw.readUInt32LE(1);
    const offEnd = 5 + 4 * (count + 1);
    if (count > rows || offEnd > raw.length)
      throw new BlockDamage(`${what}: dictionary of ${count} entries does not fit`);
    this.#offsets = copyOut(new Uint32Array(count + 1), raw, 5);
    const textLen = this.#offsets[count] as number;
    const idxStart = offEnd + textLen;
    if (idxStart + 2 * rows !== raw.length)
      throw new BlockDamage(`${what}: column is ${raw.length} bytes, expected ${idxStart + 2 * rows}`);
    for (let k = 0; k < count; k++)
      if ((this.#offsets[k] as number) > (this.#offsets[k + 1] as number))
        throw new BlockDamage(`${what}: dictionary offsets go backwards`);
    this.#text = raw.subarray(offEnd, idxStart);
    this.index = copyOut(new Uint16Array(rows), raw, idxStart);
    for (let i = 0; i < rows; i++)
      if ((this.index[i] as number) > count) throw new BlockDamage(`${what}: row ${i} points past the dictionary`);
    this.count = count;
    this.#values = new Array<string | undefined>(count + 1);
  }
  /**
   * All the text decoded once, when it is ASCII, for work that touches many entries: they are
   * then cut from it instead of decoded one by one. Showing a few rows decodes just those.
   */
  #ascii: string | null | undefined;
  #decodeAll(): void {
    if (this.#ascii === undefined) this.#ascii = asciiText(this.#text);
  }
  /** Dictionary entry k (1-based); null for 0. */
  value(k: number): string | null {
    if (k === 0) return null;
    let v = this.#values[k];
    if (v === undefined) {
      const a = this.#offsets[k - 1] as number;
      const b = this.#offsets[k] as number;
      v = typeof this.#ascii === 'string' ? this.#ascii.slice(a, b) : this.#text.toString('utf8', a, b);
      this.#values[k] = v;
    }
    return v;
  }
  /** The 1-based index of the entry that is exactly `v`, or 0. */
  find(v: string): number {
    const n = this.count;
    if (v === '') {
      for (let k = 1; k <= n; k++) if (this.#offsets[k - 1] === this.#offsets[k]) return k;
      return 0;
    }
    // Search the bytes of v in all the text at once; a hit counts if it is a whole entry.
    const needle = Buffer.from(v, 'utf8');
    for (let p = this.#text.indexOf(needle); p >= 0; p = this.#text.indexOf(needle, p + 1)) {
      const k = entryAt(this.#offsets, n, p);
      if (k > 0 && this.#offsets[k] === p + needle.length) return k;
    }
    return 0;
  }
  narrowEquals(sel: Uint8Array, v: string): void {
    const k = this.find(v);
    if (k === 0) {
      sel.fill(0);
      return;
    }
    for (let i = 0; i < sel.length; i++) if (this.index[i] !== k) sel[i] = 0;
  }
  narrowMatch(sel: Uint8Array, re: RegExp, literal: string): void {
    if (literal !== '' && this.#text.indexOf(Buffer.from(literal, 'utf8')) < 0) {
      sel.fill(0);
      return;
    }
    this.narrow(sel, (v) => re.test(v));
  }
  at(i: number): string | null {
    return this.value(this.index[i] as number);
  }
  narrow(sel: Uint8Array, test: (v: string) => boolean): void {
    this.#decodeAll();
    // Each distinct value is tested once (0: not yet, 1: passes, 2: fails).
    const verdict = new Uint8Array(this.count + 1);
    verdict[0] = 2;
    for (let i = 0; i < sel.length; i++) {
      if (sel[i] === 0) continue;
      const k = this.index[i] as number;
      let v = verdict[k] as number;
      if (v === 0) {
        v = test(this.value(k) as string) ? 1 : 2;
        verdict[k] = v;
      }
      if (v === 2) sel[i] = 0;
    }
  }
  /** How many selected rows (all when sel is null) hold each entry, by index. */
  #entryCounts(sel: Uint8Array | null): Uint32Array {
    const counts = new Uint32Array(this.count + 1);
    for (let i = 0; i < this.index.length; i++) {
      if (sel !== null && sel[i] !== 1) continue;
      const k = this.index[i] as number;
      counts[k] = (counts[k] as number) + 1;
    }
    return counts;
  }
  countInto(sel: Uint8Array | null, into: Map<string | null, number>): void {
    this.#decodeAll();
    const counts = this.#entryCounts(sel);
    for (let k = 0; k <= this.count; k++) {
      const c = counts[k] as number;
      if (c === 0) continue;
      const v = this.value(k);
      into.set(v, (into.get(v) ?? 0) + c);
    }
  }
  countAddressesInto(sel: Uint8Array | null, v4: KeyCounter, other: Map<string | null, number>): void {
    const counts = this.#entryCounts(sel);
    for (let k = 0; k <= this.count; k++) {
      const c = counts[k] as number;
      if (c === 0) continue;
      const n = k === 0 ? -1 : ipv4Bytes(this.#text, this.#offsets[k - 1] as number, this.#offsets[k] as number);
      if (n >= 0) v4.add(n, c);
      else {
        const v = this.value(k);
        other.set(v, (other.get(v) ?? 0) + c);
      }
    }
  }
}

/** A plain text column: one value per row. */
class PlainReader implements TextReader {
  #offsets: Uint32Array;
  #nulls: Buffer;
  #text: Buffer;
  /** All the text decoded once, when it is ASCII (decoded on first use). */
  #ascii: string | null | undefined;
  #rows: number;
  constructor(raw: Buffer, rows: number, what: string) {
    const nullsAt = 1 + 4 * (rows + 1);
    const textAt = nullsAt + Math.ceil(rows / 8);
    if (textAt > raw.length) throw new BlockDamage(`${what}: plain column of ${rows} rows does not fit`);
    this.#offsets = copyOut(new Uint32Array(rows + 1), raw, 1);
    if (this.#offsets[0] !== 0 || textAt + (this.#offsets[rows] as number) !== raw.length)
      throw new BlockDamage(`${what}: plain column is ${raw.length} bytes, offsets say otherwise`);
    for (let i = 0; i < rows; i++)
      if ((this.#offsets[i] as number) > (this.#offsets[i + 1] as number))
        throw new BlockDamage(`${what}: offsets go backwards at row ${i}`);
    this.#rows = rows;
    this.#nulls = raw.subarray(nullsAt, textAt);
    this.#text = raw.subarray(textAt);
  }
  #isNull(i: number): boolean {
    return (((this.#nulls[i >> 3] as number) >> (i & 7)) & 1) === 1;
  }
  at(i: number): string | null {
    if (this.#isNull(i)) return null;
    const a = this.#offsets[i] as number;
    const b = this.#offsets[i + 1] as number;
    return typeof this.#ascii === 'string' ? this.#ascii.slice(a, b) : this.#text.toString('utf8', a, b);
  }
  /** Decodes all the text at once (when it is ASCII) before work that reads most rows. */
  #decodeAll(): void {
    if (this.#ascii === undefined) this.#ascii = asciiText(this.#text);
  }
  narrow(sel: Uint8Array, test: (v: string) => boolean): void {
    this.#decodeAll();
    for (let i = 0; i < sel.length; i++) {
      if (sel[i] === 0) continue;
      const v = this.at(i);
      if (v === null || !test(v)) sel[i] = 0;
    }
  }
  narrowEquals(sel: Uint8Array, v: string): void {
    this.narrow(sel, (x) => x === v);
  }
  narrowMatch(sel: Uint8Array, re: RegExp, literal: string): void {
    if (literal === '') {
      this.narrow(sel, (v) => re.test(v));
      return;
    }
    // Only rows holding the literal can match: find them with a substring search over the whole
    // column and test just those (a path search that matches little no longer reads every row).
    const needle = Buffer.from(literal, 'utf8');
    const keep = new Uint8Array(sel.length);
    const offsets = this.#offsets;
    let row = 0;
    for (let p = this.#text.indexOf(needle); p >= 0; ) {
      // The row holding byte p: offsets[row] <= p < offsets[row + 1] (rows only move forward).
      let lo = row;
      let hi = this.#rows - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((offsets[mid] as number) <= p) lo = mid;
        else hi = mid - 1;
      }
      row = lo;
      const end = offsets[row + 1] as number;
      if (p + needle.length <= end && sel[row] === 1 && keep[row] === 0) {
        const v = this.at(row);
        if (v !== null && re.test(v)) keep[row] = 1;
      }
      // Next occurrence in a later row (this row has been decided).
      p = this.#text.indexOf(needle, Math.max(p + 1, end));
      row++;
      if (row >= this.#rows) break;
    }
    for (let i = 0; i < sel.length; i++) if (keep[i] === 0) sel[i] = 0;
  }
  countInto(sel: Uint8Array | null, into: Map<string | null, number>): void {
    this.#decodeAll();
    for (let i = 0; i < this.#rows; i++) {
      if (sel !== null && sel[i] === 0) continue;
      const v = this.at(i);
      into.set(v, (into.get(v) ?? 0) + 1);
    }
  }
  countAddressesInto(sel: Uint8Array | null, v4: KeyCounter, other: Map<string | null, number>): void {
    for (let i = 0; i < this.#rows; i++) {
      if (sel !== null && sel[i] === 0) continue;
      const v = this.at(i);
      const n = v === null ? -1 : ipv4Value(v);
      if (n >= 0) v4.add(n, 1);
      else other.set(v, (other.get(v) ?? 0) + 1);
    }
  }
}

/** A stored block, decoded column by column as a search asks for them. */
export class BlockReader {
  readonly rows: number;
  readonly explicitIds: boolean;
  readonly firstId: number;
  #data: Buffer;
  #spans: { start: number; stored: number; raw: number }[] = [];
  /** Split blocks (as stored): loads column c's compressed frame. */
  #load: ((c: number) => Buffer | null) | null;
  #ids: Float64Array | null = null;
  #numbers = new Map<NumberColumn, Float64Array>();
  #texts = new Map<TextColumn, TextReader>();
  #what: string;

  /**
   * A whole block (`data` as encodeBlock made it), or, with `load`, a split one: `data` is then
   * the head from splitBlock and `load` fetches a column's frame when a search first needs it.
   */
  constructor(
    data: Buffer,
    firstId: number,
    what = `request block ${firstId}`,
    load: ((c: number) => Buffer | null) | null = null,
  ) {
    this.#what = what;
    this.#data = data;
    this.#load = load;
    this.firstId = firstId;
    if (data.length < 10) throw new BlockDamage(`${what}: ${data.length} bytes is too short`);
    const version = data.readUInt8(0);
    if (version !== VERSION)
      throw new BlockDamage(`${what}: format version ${version} is not known (this Ripcord reads ${VERSION})`);
    this.explicitIds = (data.readUInt8(1) & FLAG_EXPLICIT_IDS) !== 0;
    this.rows = data.readUInt32LE(2);
    const count = data.readUInt32LE(6);
    const expected = numberColumns.length + textColumns.length + (this.explicitIds ? 1 : 0);
    if (count !== expected || this.rows < 1 || this.rows > BLOCK_MAX_ROWS)
      throw new BlockDamage(`${what}: ${count} columns of ${this.rows} rows is not a valid block`);
    let p = 10;
    for (let c = 0; c < count; c++) {
      if (p + 8 > data.length) throw new BlockDamage(`${what}: column ${c} header is past the end`);
      const stored = data.readUInt32LE(p);
      const raw = data.readUInt32LE(p + 4);
      p += 8;
      if (load !== null) {
        this.#spans.push({ start: 0, stored, raw });
        continue;
      }
      if (p + stored > data.length) throw new BlockDamage(`${what}: column ${c} is past the end`);
      this.#spans.push({ start: p, stored, raw });
      p += stored;
    }
    if (p !== data.length) throw new BlockDamage(`${what}: ${data.length - p} bytes after the last column`);
  }

  #frame(c: number, s: { start: number; stored: number }): Buffer {
    if (this.#load === null) return this.#data.subarray(s.start, s.start + s.stored);
    const f = this.#load(c);
    if (f === null) throw new BlockDamage(`${this.#what}: column ${c} is missing`);
    if (f.length !== s.stored)
      throw new BlockDamage(`${this.#what}: column ${c} is ${f.length} bytes, expected ${s.stored}`);
    return f;
  }

  #column(c: number): Buffer {
    const s = this.#spans[c];
    if (!s) throw new BlockDamage(`${this.#what}: no column ${c}`);
    const frame = this.#frame(c, s);
    let raw: Buffer;
    try {
      // One output chunk of the known size: the default 16 KiB chunks are concatenated afterwards.
      raw = zstdDecompressSync(frame, { chunkSize: Math.min(16 << 20, Math.max(1024, s.raw + 64)) });
    } catch (e) {
      throw new BlockDamage(
        `${this.#what}: column ${c} does not decompress (${e instanceof Error ? e.message : String(e)})`,
        { cause: e },
      );
    }
    if (raw.length !== s.raw)
      throw new BlockDamage(`${this.#what}: column ${c} decompressed to ${raw.length} bytes, expected ${s.raw}`);
    return raw;
  }

  #f64(c: number): Float64Array {
    const raw = this.#column(c);
    if (raw.length !== 8 * this.rows)
      throw new BlockDamage(`${this.#what}: number column ${c} is ${raw.length} bytes, expected ${8 * this.rows}`);
    return copyOut(new Float64Array(this.rows), raw, 0);
  }

  ids(): Float64Array {
    if (this.#ids === null) {
      if (this.explicitIds) this.#ids = this.#f64(0);
      else {
        const ids = new Float64Array(this.rows);
        for (let i = 0; i < this.rows; i++) ids[i] = this.firstId + i;
        this.#ids = ids;
      }
    }
    return this.#ids;
  }

  /** Absolute values of a number column (times and lines undo their differences; missing numbers are NaN). */
  numbers(col: NumberColumn): Float64Array {
    let v = this.#numbers.get(col);
    if (v === undefined) {
      v = this.#f64(numberColumns.indexOf(col) + (this.explicitIds ? 1 : 0));
      if (col === 'time' || col === 'line')
        for (let i = 1; i < v.length; i++) v[i] = (v[i] as number) + (v[i - 1] as number);
      this.#numbers.set(col, v);
    }
    return v;
  }

  text(col: TextColumn): TextReader {
    let v = this.#texts.get(col);
    if (v === undefined) {
      const c = numberColumns.length + textColumns.indexOf(col) + (this.explicitIds ? 1 : 0);
      const raw = this.#column(c);
      const what = `${this.#what} column ${col}`;
      const kind = raw.length > 0 ? raw.readUInt8(0) : -1;
      if (kind === KIND_DICT) v = new DictReader(raw, this.rows, what);
      else if (kind === KIND_PLAIN) v = new PlainReader(raw, this.rows, what);
      else throw new BlockDamage(`${what}: unknown layout ${kind}`);
      this.#texts.set(col, v);
    }
    return v;
  }

  /** Appends every row (or those whose event passes `keep`) to parallel arrays (rewriting a block). */
  allInto(out: RowColumns, keep?: (e: HttpEvent) => boolean): void {
    const ids = this.ids();
    const srcs = this.numbers('src');
    const lines = this.numbers('line');
    for (let i = 0; i < this.rows; i++) {
      const e = this.row(i).event;
      if (keep !== undefined && !keep(e)) continue;
      out.ids.push(ids[i] as number);
      out.srcs.push(srcs[i] as number);
      out.lines.push(lines[i] as number);
      out.events.push(e);
    }
  }

  /** Row i as stored. */
  row(i: number): BlockRow {
    const num = (c: NumberColumn): number | null => {
      const x = this.numbers(c)[i] as number;
      return Number.isNaN(x) ? null : x;
    };
    const txt = (c: TextColumn): string | null => this.text(c).at(i);
    return {
      id: this.ids()[i] as number,
      src: this.numbers('src')[i] as number,
      line: this.numbers('line')[i] as number,
      event: {
        kind: 'http',
        time: this.numbers('time')[i] as number,
        ip: txt('ip') ?? '',
        method: txt('method') ?? '',
        path: txt('path') ?? '',
        query: txt('query') ?? '',
        protocol: txt('protocol') ?? '',
        status: this.numbers('status')[i] as number,
        bytes: num('bytes'),
        referer: txt('referer'),
        userAgent: txt('ua'),
        user: txt('user'),
        vhost: txt('vhost'),
        durationMs: num('dur'),
      },
    };
  }
}

// The column block of the SQLite traffic record (src/adapters/db/request-block.ts): random
// requests (nulls, empty and non-ASCII text, NUL characters, odd addresses, fractional
// durations, times going backwards) encode and decode back field for field, with contiguous
// and explicit ids, up to BLOCK_MAX_ROWS rows; the block's summary (ids, time range, statuses,
// sources, sorted address keys) describes its rows; a damaged block (cut, extra bytes, wrong
// version, bad lengths, damaged column bytes) fails with an error naming the block instead of
// giving other rows; narrow, narrowEquals, narrowMatch (with globLiteral) and countInto agree
// with a naive filter over the rows; and globRegExp answers as SQLite's GLOB does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import type { HttpEvent } from '../../../src/logs/events.ts';
import {
  BLOCK_MAX_ROWS,
  BlockReader,
  encodeBlock,
  textColumns,
  type BlockRow,
  type RowColumns,
  type TextColumn,
} from '../../../src/adapters/db/request-block.ts';
import { ipKey } from '../../../src/adapters/db/address-key.ts';
import { globLiteral, globRegExp } from '../../../src/adapters/db/glob.ts';

// --- generators --------------------------------------------------------------------------

/** Text as logs carry it: empty, ASCII, any well-formed Unicode (astral too), NUL characters. */
const text = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\u0000\u0000', 'é', '😀', 'ß/😀/\u0000', '\uFEFF', '\u{10FFFF}'),
  },
);

/** A small pool, so dictionary columns repeat values as real traffic does. */
const pooled = fc.oneof(text, fc.constantFrom('/', '/index.php', '/checkout/cart', 'GET', 'Mozilla/5.0', 'é'));

const ip = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.constantFrom('', '010.1.1.1', '1.2.3', '256.0.0.1', 'unknown', '::ffff:1.2.3.4', '1.2.3.4 '),
  text,
);

/** Epoch milliseconds, integers as parsers give them; anywhere in ±2^52 (exact differences). */
const time = fc.oneof(
  fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
  fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
  fc.constantFrom(0, 2 ** 52, -(2 ** 52)),
);

/** Durations, fractional, negative and -1 (what some proxies log for an aborted request) included. */
const duration = fc.oneof(
  fc.nat({ max: 10_000_000 }),
  fc.constantFrom(-1, 0, -0, 0.5),
  fc.double({ min: -1e6, max: 1e9, noNaN: true, noDefaultInfinity: true }),
);

const httpEvent: fc.Arbitrary<HttpEvent> = fc.record(
  {
    kind: fc.constant('http' as const),
    time,
    ip,
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PROPFIND', ''), text),
    path: fc.oneof(pooled, fc.webPath(), text),
    query: fc.oneof(fc.constant(''), text),
    protocol: fc.oneof(fc.constantFrom('HTTP/1.1', 'HTTP/2.0', ''), text),
    status: fc.integer({ min: 0, max: 999 }),
    bytes: fc.option(fc.oneof(fc.nat(), fc.maxSafeNat()), { nil: null }),
    referer: fc.option(pooled, { nil: null }),
    userAgent: fc.option(pooled, { nil: null }),
    user: fc.option(pooled, { nil: null }),
    vhost: fc.option(pooled, { nil: null }),
    durationMs: fc.option(duration, { nil: null }),
  },
  { noNullPrototype: true },
);

interface Input {
  rows: RowColumns;
  contiguous: boolean;
}

/** Rows with source numbers, line numbers (going backwards too) and ids, contiguous or not. */
function rowsArb(contiguous: boolean, minLength = 1, maxLength = 300): fc.Arbitrary<Input> {
  const row = fc.record(
    {
      event: httpEvent,
      src: fc.integer({ min: 1, max: 40 }),
      line: fc.integer({ min: 0, max: 2 ** 40 }),
      gap: fc.integer({ min: 1, max: 1000 }),
    },
    { noNullPrototype: true },
  );
  return (
    fc
      // size 'max': lengths spread over the whole range (the default would stay near 10 rows).
      .tuple(fc.integer({ min: 1, max: 2 ** 50 }), fc.array(row, { minLength, maxLength, size: 'max' }))
      .filter(([, rs]) => contiguous || rs.slice(1).some((r) => r.gap > 1))
      .map(([first, rs]) => {
        const ids: number[] = [];
        let id = first;
        rs.forEach((r, i) => {
          if (i > 0) id += contiguous ? 1 : r.gap;
          ids.push(id);
        });
        return {
          contiguous,
          rows: { ids, srcs: rs.map((r) => r.src), lines: rs.map((r) => r.line), events: rs.map((r) => r.event) },
        };
      })
  );
}

// --- helpers -----------------------------------------------------------------------------

/**
 * Runs stop after 30 s: a failing case of a few hundred rows can take fast-check a long time to
 * shrink, and an interrupted shrink still reports the failure with the smallest case so far.
 */
const budget = { interruptAfterTimeLimit: 30_000 };

function plain(over: Partial<HttpEvent> = {}): HttpEvent {
  return {
    kind: 'http',
    time: 1_790_000_000_000,
    ip: '198.51.100.7',
    method: 'GET',
    path: '/',
    query: '',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 512,
    referer: null,
    userAgent: 'curl/8',
    user: null,
    vhost: null,
    durationMs: 12,
    ...over,
  };
}

/** Strings made of `max` tokens at most. */
const joined = (tokens: string[], max: number) =>
  fc.array(fc.constantFrom(...tokens), { maxLength: max }).map((a) => a.join(''));

function expectedRow(rows: RowColumns, i: number): BlockRow {
  return {
    id: rows.ids[i] as number,
    src: rows.srcs[i] as number,
    line: rows.lines[i] as number,
    event: rows.events[i] as HttpEvent,
  };
}

function readAll(r: BlockReader): BlockRow[] {
  return Array.from({ length: r.rows }, (_, i) => r.row(i));
}

function sortedDistinct(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Every row decodes to exactly what went in, by row(i), allInto and ids(). */
function checkRoundTrip({ rows, contiguous }: Input): void {
  const { summary, data } = encodeBlock(rows);
  const reader = new BlockReader(data, summary.firstId);
  const n = rows.events.length;
  assert.equal(reader.rows, n);
  assert.equal(reader.explicitIds, !contiguous);
  assert.deepEqual([...reader.ids()], rows.ids);
  for (let i = 0; i < n; i++) assert.deepEqual(reader.row(i), expectedRow(rows, i), `row ${i}`);
  const out: RowColumns = { ids: [], srcs: [], lines: [], events: [] };
  new BlockReader(data, summary.firstId).allInto(out);
  assert.deepEqual(out, rows);
}

// --- round trip and summary ------------------------------------------------------------------

test('random requests with contiguous ids decode back field for field (property)', () => {
  fc.assert(fc.property(rowsArb(true), checkRoundTrip), { ...budget, numRuns: 150 });
});

test('random requests with explicit (gapped) ids decode back field for field (property)', () => {
  fc.assert(fc.property(rowsArb(false, 2), checkRoundTrip), { ...budget, numRuns: 150 });
});

test('a block of exactly BLOCK_MAX_ROWS rows with all-distinct values round-trips; one more row or none is refused', () => {
  const events = fc.sample(httpEvent, { numRuns: BLOCK_MAX_ROWS, seed: 20261102 });
  // Distinct addresses and user agents in every row: the dictionaries hold BLOCK_MAX_ROWS entries.
  events.forEach((e, i) => {
    e.ip = i % 2 === 0 ? `10.${i >> 8}.${i & 255}.1` : `2001:db8::${i.toString(16)}`;
    e.userAgent = `agent ${i} é😀`;
  });
  const rows: RowColumns = {
    ids: events.map((_, i) => 5_000_000_000 + i),
    srcs: events.map((_, i) => 1 + (i % 3)),
    lines: events.map((_, i) => i * 7),
    events,
  };
  assert.equal(events.length, BLOCK_MAX_ROWS);
  checkRoundTrip({ rows, contiguous: true });
  const gapped: RowColumns = { ...rows, ids: rows.ids.map((id, i) => id + i) };
  checkRoundTrip({ rows: gapped, contiguous: false });
  const more: RowColumns = {
    ids: [...rows.ids, 9e9],
    srcs: [...rows.srcs, 1],
    lines: [...rows.lines, 1],
    events: [...events, events[0] as HttpEvent],
  };
  assert.throws(() => encodeBlock(more), /8193 rows/);
  assert.throws(() => encodeBlock(rows, 3, 3), /0 rows/);
});

test('repeated addresses, IPv4 (looked up by value) and any other spelling, each take one dictionary entry (property)', () => {
  // A small pool so addresses repeat: canonical IPv4 (the numeric table), IPv6, and spellings
  // that look like IPv4 but are not canonical (must never share an entry with their canonical twin).
  const pool = fc.uniqueArray(
    fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('010.1.1.1', '10.1.1.1', '1.2.3', '::ffff:1.2.3.4', '', 'unknown')),
    { minLength: 1, maxLength: 40 },
  );
  fc.assert(
    fc.property(pool, fc.array(fc.nat(), { minLength: 1, maxLength: 600 }), (addresses, picks) => {
      const events = picks.map((p) => plain({ ip: addresses[p % addresses.length] as string }));
      const rows: RowColumns = {
        ids: events.map((_, i) => 1 + i),
        srcs: events.map(() => 1),
        lines: events.map((_, i) => i),
        events,
      };
      checkRoundTrip({ rows, contiguous: true });
      const { summary, data } = encodeBlock(rows);
      const column = new BlockReader(data, summary.firstId).text('ip');
      const counts = new Map<string | null, number>();
      column.countInto(null, counts);
      assert.equal(counts.size, new Set(events.map((e) => e.ip)).size);
      assert.equal((column as unknown as { count: number }).count, counts.size, 'one entry per distinct address');
    }),
    { ...budget, numRuns: 200 },
  );
});

test('encoding rows [start, end) of a larger array gives the same block as encoding that slice (property)', () => {
  fc.assert(
    fc.property(rowsArb(false, 3, 60), fc.nat(), fc.nat(), ({ rows }, a, b) => {
      const n = rows.events.length;
      const start = a % (n - 1);
      const end = start + 1 + (b % (n - start));
      const slice: RowColumns = {
        ids: rows.ids.slice(start, end),
        srcs: rows.srcs.slice(start, end),
        lines: rows.lines.slice(start, end),
        events: rows.events.slice(start, end),
      };
      const part = encodeBlock(rows, start, end);
      assert.deepEqual(part.data, encodeBlock(slice).data);
      const reader = new BlockReader(part.data, part.summary.firstId);
      assert.deepEqual(
        readAll(reader),
        slice.events.map((_, i) => expectedRow(slice, i)),
      );
    }),
    { ...budget, numRuns: 100 },
  );
});

test('the summary gives the id range, time range, sorted statuses and sources, and sorted distinct address keys (property)', () => {
  fc.assert(
    fc.property(fc.oneof(rowsArb(true), rowsArb(false, 2)), ({ rows }) => {
      const { summary: s } = encodeBlock(rows);
      const times = rows.events.map((e) => e.time);
      assert.equal(s.rows, rows.events.length);
      assert.equal(s.firstId, rows.ids[0]);
      assert.equal(s.lastId, rows.ids[rows.ids.length - 1]);
      assert.equal(s.minTime, Math.min(...times));
      assert.equal(s.maxTime, Math.max(...times));
      assert.deepEqual(s.statuses, sortedDistinct(rows.events.map((e) => e.status)));
      assert.deepEqual(s.sources, sortedDistinct(rows.srcs));
      assert.ok(s.ipKeys instanceof Uint32Array);
      for (let i = 1; i < s.ipKeys.length; i++)
        assert.ok((s.ipKeys[i - 1] as number) < (s.ipKeys[i] as number), 'address keys strictly ascending');
    }),
    { ...budget, numRuns: 150 },
  );
});

// A search for an address skips every block whose keys lack ipKey(address): the keys must be
// exactly the keys of the block's addresses, an empty first address included (it once got key 0).
test("the address keys are exactly ipKey of the rows' addresses (property)", () => {
  fc.assert(
    fc.property(fc.oneof(rowsArb(true), rowsArb(false, 2)), ({ rows }) => {
      const { summary } = encodeBlock(rows);
      assert.deepEqual([...summary.ipKeys], sortedDistinct(rows.events.map((e) => ipKey(e.ip))));
    }),
    {
      ...budget,
      numRuns: 300,
      examples: [
        [
          {
            contiguous: true,
            rows: { ids: [1, 2], srcs: [1, 1], lines: [1, 2], events: [plain({ ip: '' }), plain({ ip: '192.0.2.1' })] },
          },
        ],
      ],
    },
  );
});

test('ipKey is the IPv4 value for a canonical dotted quad and a text hash otherwise', () => {
  assert.equal(ipKey('203.0.113.7'), 0xcb007107);
  assert.equal(ipKey('0.0.0.0'), 0);
  assert.equal(ipKey(''), 0x811c9dc5);
  assert.notEqual(ipKey('2001:db8::1'), ipKey('2001:db8::2'));
  fc.assert(fc.property(ip, (a) => Number.isInteger(ipKey(a)) && ipKey(a) >= 0 && ipKey(a) <= 0xffffffff));
});

// Sizes and durations are f64 with NaN for none: a logged -1 (the JSON parser passes
// "duration_ms": -1 through) must not come back as none.
test('a duration of -1 (as logged by some proxies for aborted requests) is kept, not read back as none', () => {
  const rows: RowColumns = {
    ids: [1, 2],
    srcs: [1, 1],
    lines: [1, 2],
    events: [plain({ durationMs: -1 }), plain({ durationMs: null })],
  };
  const { data } = encodeBlock(rows);
  const r = new BlockReader(data, 1);
  assert.equal(r.row(1).event.durationMs, null);
  assert.equal(r.row(0).event.durationMs, -1);
});

// --- damaged blocks ---------------------------------------------------------------------------

const FIRST = 4242;
const named = (e: unknown): boolean => e instanceof Error && new RegExp(`request block ${FIRST}\\b`).test(e.message);

function sampleBlock(n = 40): { rows: RowColumns; data: Buffer } {
  const events = fc.sample(httpEvent, { numRuns: n, seed: 99 });
  events.forEach((e, i) => {
    e.ip = `198.51.100.${i % 5}`;
    e.path = `/p/${i}/é`;
  });
  const rows: RowColumns = {
    ids: events.map((_, i) => FIRST + i),
    srcs: events.map(() => 2),
    lines: events.map((_, i) => i + 1),
    events,
  };
  return { rows, data: encodeBlock(rows).data };
}

/** The block's columns, decompressed, and a way to put a block back together from them. */
function columns(data: Buffer): Buffer[] {
  const count = data.readUInt32LE(6);
  const out: Buffer[] = [];
  let p = 10;
  for (let c = 0; c < count; c++) {
    const stored = data.readUInt32LE(p);
    out.push(zstdDecompressSync(data.subarray(p + 8, p + 8 + stored)));
    p += 8 + stored;
  }
  return out;
}

function assemble(data: Buffer, cols: Buffer[]): Buffer {
  const parts: Buffer[] = [data.subarray(0, 10)];
  for (const c of cols) {
    const z = zstdCompressSync(c);
    const len = Buffer.alloc(8);
    len.writeUInt32LE(z.length, 0);
    len.writeUInt32LE(c.length, 4);
    parts.push(len, z);
  }
  return Buffer.concat(parts);
}

const colIndex = (c: TextColumn): number => 6 + textColumns.indexOf(c);

test('the helpers rebuild an identical block from its columns (so the damage tests below damage only what they say)', () => {
  const { rows, data } = sampleBlock();
  const rebuilt = assemble(data, columns(data));
  assert.deepEqual(
    readAll(new BlockReader(rebuilt, FIRST)),
    rows.events.map((_, i) => expectedRow(rows, i)),
  );
});

test('a cut block, extra bytes, a wrong version or flag byte, or a wrong row count is refused with the block named', () => {
  const { data } = sampleBlock();
  for (let k = 0; k < data.length; k++)
    assert.throws(() => readAll(new BlockReader(data.subarray(0, k), FIRST)), named, `cut to ${k} bytes`);
  assert.throws(() => new BlockReader(Buffer.concat([data, Buffer.from([0])]), FIRST), named);
  for (const v of [0, 2, 255]) {
    const d = Buffer.from(data);
    d[0] = v;
    assert.throws(
      () => new BlockReader(d, FIRST),
      (e: unknown) => named(e) && /version/.test((e as Error).message),
      `version ${v}`,
    );
  }
  const flags = Buffer.from(data);
  flags[1] = 1;
  assert.throws(() => readAll(new BlockReader(flags, FIRST)), named);
  for (const rows of [0, 39, 41, BLOCK_MAX_ROWS + 1]) {
    const d = Buffer.from(data);
    d.writeUInt32LE(rows, 2);
    assert.throws(() => readAll(new BlockReader(d, FIRST)), named, `rows ${rows}`);
  }
  for (let c = 0; c < 15; c++) {
    // The raw length recorded for column c disagrees with what it decompresses to.
    const d = Buffer.from(data);
    let p = 10;
    for (let k = 0; k < c; k++) p += 8 + d.readUInt32LE(p);
    d.writeUInt32LE(d.readUInt32LE(p + 4) + 1, p + 4);
    assert.throws(() => readAll(new BlockReader(d, FIRST)), named, `raw length of column ${c}`);
  }
});

test('structurally damaged column contents (dictionary, offsets, indexes, layout) are refused with the block and column named', () => {
  const { data } = sampleBlock();
  const rowsN = 40;
  const damages: [string, number, (raw: Buffer) => Buffer][] = [
    ['number column one value short', 0, (raw) => raw.subarray(0, raw.length - 8)],
    ['number column one byte long', 3, (raw) => Buffer.concat([raw, Buffer.from([0])])],
    ['unknown text layout', colIndex('ip'), (raw) => ((raw[0] = 7), raw)],
    ['empty text column', colIndex('method'), () => Buffer.alloc(0)],
    [
      'dictionary index past the dictionary',
      colIndex('ip'),
      (raw) => (raw.writeUInt16LE(raw.readUInt32LE(1) + 1, raw.length - 2), raw),
    ],
    ['dictionary larger than the block', colIndex('ip'), (raw) => (raw.writeUInt32LE(rowsN + 1, 1), raw)],
    [
      'dictionary offsets going backwards',
      colIndex('ip'),
      (raw) => (raw.writeUInt32LE(raw.readUInt32LE(13) + 1, 9), raw),
    ],
    [
      'dictionary text one byte short',
      colIndex('ip'),
      (raw) => (raw.writeUInt32LE(raw.readUInt32LE(5 + 4 * raw.readUInt32LE(1)) + 1, 5 + 4 * raw.readUInt32LE(1)), raw),
    ],
    ['row indexes cut short', colIndex('ua'), (raw) => raw.subarray(0, raw.length - 1)],
    ['dictionary header cut short', colIndex('vhost'), () => Buffer.from([0, 1])],
    ['plain first offset not 0', colIndex('path'), (raw) => (raw.writeUInt32LE(1, 1), raw)],
    ['plain offsets going backwards', colIndex('path'), (raw) => (raw.writeUInt32LE(raw.readUInt32LE(9) + 1, 5), raw)],
    [
      'plain last offset past the text',
      colIndex('path'),
      (raw) => (raw.writeUInt32LE(raw.readUInt32LE(1 + 4 * rowsN) + 1, 1 + 4 * rowsN), raw),
    ],
    ['plain column cut into its offsets', colIndex('path'), (raw) => raw.subarray(0, 20)],
  ];
  const wrong: string[] = [];
  for (const [what, c, damage] of damages) {
    const cols = columns(data);
    cols[c] = damage(Buffer.from(cols[c] as Buffer));
    const d = assemble(data, cols);
    try {
      readAll(new BlockReader(d, FIRST));
      wrong.push(`${what}: read without an error`);
    } catch (e) {
      if (!named(e)) wrong.push(`${what}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    }
  }
  // FAILS today on 'dictionary header cut short': DictReader reads the u32 count at offset 1
  // without checking the column is 5 bytes long, so Buffer throws a RangeError without the block.
  assert.deepEqual(wrong, []);
});

let flipped: { unnamed: string[]; silent: number[]; total: number } | null = null;
/** Three single-bit flips of every byte of a block: what reading all its rows gives (computed once). */
function flips(): { unnamed: string[]; silent: number[]; total: number } {
  if (flipped !== null) return flipped;
  const { rows, data } = sampleBlock(16);
  const want = rows.events.map((_, i) => expectedRow(rows, i));
  const unnamed: string[] = [];
  const silent: number[] = [];
  for (let p = 0; p < data.length; p++) {
    for (const bit of [0, 4, 7]) {
      const d = Buffer.from(data);
      d[p] = (d[p] as number) ^ (1 << bit);
      let got: BlockRow[];
      try {
        got = readAll(new BlockReader(d, FIRST));
      } catch (e) {
        if (!named(e)) unnamed.push(`byte ${p} bit ${bit}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      try {
        assert.deepEqual(got, want);
      } catch {
        silent.push(p);
      }
    }
  }
  flipped = { unnamed, silent, total: data.length * 3 };
  return flipped;
}

// FAILS today: damage inside a zstd frame makes zstdDecompressSync throw its own error
// ("Unknown frame descriptor", "Restored data doesn't match checksum", …) from BlockReader's
// column access, without the block's name; RequestLog wraps only the constructor's errors, so
// searchHttp rejects with a bare Error instead of AppError 'store' "the traffic record is damaged".
test('every flipped bit that is detected is reported with the block named', () => {
  const { unnamed, total } = flips();
  assert.deepEqual(
    unnamed.slice(0, 5),
    [],
    `${unnamed.length} of ${total} flips threw an error without the block's name`,
  );
});

// Each column's zstd frame carries a content checksum: damage is an error, never other rows.
test('no flipped bit anywhere in a block yields different rows without an error', () => {
  const { silent, total } = flips();
  assert.deepEqual(
    [...new Set(silent)].slice(0, 10),
    [],
    `${silent.length} of ${total} single-bit flips gave other rows silently`,
  );
});

// --- narrow, narrowEquals, narrowMatch and countInto ------------------------------------------

/** Values that run into each other in a column's text ('a' + 'b' holds 'ab'), so byte searches meet matches across values. */
const pool = ['a', 'b', 'ab', 'ba', 'aa', 'é', 'aé', '😀', '😀a', '', '\u0000', 'a\u0000'];

test('narrow, narrowEquals, narrowMatch and countInto on dictionary and plain columns agree with a naive filter and count over row(i) (property)', () => {
  const small = fc.constantFrom(...pool);
  const ev = fc.record(
    {
      ip: small,
      method: small,
      path: small,
      query: small,
      protocol: small,
      referer: fc.option(small, { nil: null }),
      userAgent: fc.option(small, { nil: null }),
      user: fc.option(small, { nil: null }),
      vhost: fc.option(small, { nil: null }),
    },
    { noNullPrototype: true },
  );
  const fieldOf: Record<TextColumn, (e: HttpEvent) => string | null> = {
    ip: (e) => e.ip,
    method: (e) => e.method,
    path: (e) => e.path,
    query: (e) => e.query,
    protocol: (e) => e.protocol,
    referer: (e) => e.referer,
    ua: (e) => e.userAgent,
    user: (e) => e.user,
    vhost: (e) => e.vhost,
  };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(ev, fc.boolean()), { minLength: 1, maxLength: 200, size: 'max' }),
      fc.subarray(pool),
      fc.constantFrom(...pool, 'zz', 'b\u0000'),
      joined(['a', 'b', 'é', '😀', '\u0000', '*', '?', '[ab]', '[^a]'], 5),
      (list, accepted, wanted, glob) => {
        const events: HttpEvent[] = list.map(([t], i) => ({
          kind: 'http',
          time: i,
          status: 200,
          bytes: null,
          durationMs: null,
          ...t,
        }));
        const rows: RowColumns = {
          ids: events.map((_, i) => 1 + i),
          srcs: events.map(() => 1),
          lines: events.map((_, i) => i),
          events,
        };
        const { data } = encodeBlock(rows);
        const reader = new BlockReader(data, 1);
        const sel = Uint8Array.from(list.map(([, s]) => (s ? 1 : 0)));
        const ok = new Set(accepted);
        for (const col of textColumns) {
          const values = Array.from({ length: events.length }, (_, i) => fieldOf[col](reader.row(i).event));
          assert.deepEqual(values, events.map(fieldOf[col]));
          const tr = reader.text(col);
          let calls = 0;
          const narrowed = Uint8Array.from(sel);
          tr.narrow(narrowed, (v) => (calls++, ok.has(v)));
          const want = Uint8Array.from(values.map((v, i) => (sel[i] === 1 && v !== null && ok.has(v) ? 1 : 0)));
          assert.deepEqual(narrowed, want, `narrow ${col}`);
          // A dictionary column tests each distinct value at most once.
          if (col !== 'path')
            assert.ok(calls <= new Set(values.filter((v) => v !== null)).size, `${col}: ${calls} calls`);
          const equal = Uint8Array.from(sel);
          tr.narrowEquals(equal, wanted);
          assert.deepEqual(
            equal,
            Uint8Array.from(values.map((v, i) => (sel[i] === 1 && v === wanted ? 1 : 0))),
            `narrowEquals ${col} ${JSON.stringify(wanted)}`,
          );
          const re = globRegExp(glob);
          for (const literal of [globLiteral(glob), '']) {
            const matched = Uint8Array.from(sel);
            tr.narrowMatch(matched, re, literal);
            assert.deepEqual(
              matched,
              Uint8Array.from(values.map((v, i) => (sel[i] === 1 && v !== null && re.test(v) ? 1 : 0))),
              `narrowMatch ${col} ${JSON.stringify(glob)} literal ${JSON.stringify(literal)}`,
            );
          }
          for (const s of [sel, null]) {
            const into = new Map<string | null, number>([['a', 1000]]);
            tr.countInto(s, into);
            const expected = new Map<string | null, number>([['a', 1000]]);
            values.forEach((v, i) => {
              if (s === null || s[i] === 1) expected.set(v, (expected.get(v) ?? 0) + 1);
            });
            assert.deepEqual(into, expected, `countInto ${col} ${s === null ? 'all rows' : 'selected rows'}`);
          }
        }
      },
    ),
    { ...budget, numRuns: 200 },
  );
});

// --- globRegExp ------------------------------------------------------------------------------

const sqlite = new DatabaseSync(':memory:');
const globStmt = sqlite.prepare('SELECT ? GLOB ? AS m');
/** SQLite's own answer to `s GLOB pattern`. */
const sqliteGlob = (s: string, pattern: string): boolean => (globStmt.get(s, pattern) as { m: number }).m === 1;
/** globRegExp's answer, or the error it throws. */
function jsGlob(s: string, pattern: string): boolean | string {
  try {
    return globRegExp(pattern).test(s);
  } catch (e) {
    return `throws ${e instanceof Error ? e.message : String(e)}`;
  }
}

test('globRegExp agrees with SQLite GLOB on globs of literals, *, ?, closed [..] and [^..] classes (property)', () => {
  fc.assert(
    fc.property(
      joined(
        [
          'a',
          'b',
          '/',
          '.',
          '*',
          '?',
          '[a-b]',
          '[^a]',
          'é',
          '😀',
          '[é😀]',
          '[]a]',
          '[-a]',
          '[a-]',
          '+',
          '(',
          '$',
          '\\',
          '{2}',
          '|',
        ],
        8,
      ),
      joined(['a', 'b', 'c', '/', '.', 'é', '😀', '*', '?', '[', ']', '-', '+', '(', '$', '\\', '|', 'A', '\n'], 10),
      (g, s) => {
        assert.equal(jsGlob(s, g), sqliteGlob(s, g), `${JSON.stringify(s)} GLOB ${JSON.stringify(g)}`);
      },
    ),
    { ...budget, numRuns: 5000 },
  );
  assert.equal(globRegExp('/catalog/*/view/id/?').test('/catalog/product/view/id/7'), true);
  assert.equal(globRegExp('*.PHP').test('/x.php'), false);
});

test('globLiteral is text every match of the glob contains, so a column may skip rows without it (property)', () => {
  assert.equal(globLiteral('/catalog/*/view/id/?'), '/catalog/');
  assert.equal(globLiteral('*.php'), '.php');
  assert.equal(globLiteral('*'), '');
  fc.assert(
    fc.property(
      joined(['a', 'b', 'é', '😀', '/', '*', '?', '[a-b]', '[^a]', '[]a]', '[', ']', '^'], 8),
      joined(['a', 'b', 'é', '😀', '/', '[', ']', '^'], 10),
      (g, s) => {
        let re: RegExp;
        try {
          re = globRegExp(g);
        } catch {
          return; // a glob globRegExp refuses (see the reversed-range test below)
        }
        if (re.test(s))
          assert.ok(
            s.includes(globLiteral(g)),
            `${JSON.stringify(s)} matches ${JSON.stringify(g)} without ${JSON.stringify(globLiteral(g))}`,
          );
      },
    ),
    { ...budget, numRuns: 5000 },
  );
});

// FAILS today: brackets that SQLite treats specially are read differently. Smallest cases:
//   '['   GLOB '['     SQLite 0 (an unclosed [ never matches), globRegExp true (a literal [)
//   'x'   GLOB '[^]]'  SQLite 1 (] right after [^ is a member), globRegExp false ([^] then a literal ])
//   '^'   GLOB '[^]'   SQLite 0 (unclosed),                      globRegExp true ([^] is "anything" in JS)
//   'a'   GLOB '[b-a]' SQLite 0 (empty range),                   globRegExp throws SyntaxError "Range out of order"
// --path-glob is user input: the last one makes a search fail with a raw SyntaxError.
test('globRegExp agrees with SQLite GLOB on unclosed brackets, ] after [^ and reversed ranges', () => {
  const cases: [string, string][] = [
    ['[', '['],
    ['a[b', 'a[b'],
    ['x', '[^]]'],
    ['x]', '[^]]'],
    ['^', '[^]'],
    ['a', '[b-a]'],
    ['b', '[é-a]'],
    [']', '[]]'],
    ['-', '[a-]'],
    ['[', '[[]'],
  ];
  const disagree = cases
    .filter(([s, g]) => jsGlob(s, g) !== sqliteGlob(s, g))
    .map(
      ([s, g]) =>
        `${JSON.stringify(s)} GLOB ${JSON.stringify(g)}: SQLite ${sqliteGlob(s, g)}, globRegExp ${jsGlob(s, g)}`,
    );
  assert.deepEqual(disagree, []);
});

// FAILS today, for the reasons above (fast-check finds e.g. '[' GLOB '[' or '' GLOB '[a-^]').
test('globRegExp agrees with SQLite GLOB on any glob over brackets, ^ and - (property)', () => {
  fc.assert(
    fc.property(
      joined(['a', 'b', 'é', '*', '?', '[', ']', '^', '-'], 8),
      joined(['a', 'b', 'é', '[', ']', '^', '-'], 8),
      (g, s) => {
        assert.equal(jsGlob(s, g), sqliteGlob(s, g), `${JSON.stringify(s)} GLOB ${JSON.stringify(g)}`);
      },
    ),
    { ...budget, numRuns: 5000 },
  );
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BlobIndex, type IndexEntry } from '../../../src/snapshots/blob-index.ts';
import { encodeIndexFile, type IndexRow, parseIndexFile } from '../../../src/snapshots/index-file.ts';
import { AppError } from '../../../src/core/errors.ts';

/** A 64-digit hex id per number; ids sharing their first bytes land in the same bucket. */
const hexId = (n: number): string =>
  (n % 1000 === 0 ? 'ab'.repeat(4) : n.toString(16).padStart(8, '0')) + n.toString(16).padStart(56, '0');

const entry = fc.record({
  pack: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
  type: fc.constantFrom('data' as const, 'tree' as const),
  offset: fc.nat({ max: 2 ** 40 }),
  length: fc.nat({ max: 2 ** 32 - 1 }),
  rawLength: fc.nat({ max: 2 ** 32 - 1 }),
  compressed: fc.boolean(),
});

describe('blob index', () => {
  it('answers like a Map of entries after any sequence of sets and clears (growing past its first arrays)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 30, arbitrary: fc.tuple(fc.constant('set' as const), fc.nat({ max: 3000 }), entry) },
            { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const), fc.constant(0), entry) },
          ),
          { maxLength: 3000 },
        ),
        (ops) => {
          const index = new BlobIndex();
          const model = new Map<string, IndexEntry>();
          for (const [op, n, e] of ops) {
            if (op === 'clear') {
              index.clear();
              model.clear();
            } else {
              index.set(hexId(n), e);
              model.set(hexId(n), { ...e });
            }
          }
          assert.equal(index.size, model.size);
          assert.deepEqual([...index], [...model]);
          assert.deepEqual([...index.values()], [...model.values()]);
          assert.deepEqual([...index.keys()], [...model.keys()]);
          for (const [id, e] of model) {
            assert.ok(index.has(id));
            assert.deepEqual(index.get(id), e);
          }
          assert.equal(index.get('absent'), undefined);
          assert.equal(index.has('absent'), false);
          assert.equal(index.has(hexId(99_999)), false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps 100,000 rows added on the loading path', () => {
    const index = new BlobIndex();
    for (let i = 0; i < 100_000; i++)
      index.add(hexId(i), `pack${i >> 12}`, i % 7 === 0, i * 100, i, 2 * i, i % 2 === 1);
    assert.equal(index.size, 100_000);
    assert.deepEqual(index.get(hexId(99_999)), {
      pack: 'pack24',
      type: 'data',
      offset: 9_999_900,
      length: 99_999,
      rawLength: 199_998,
      compressed: true,
    });
    assert.equal(index.get(hexId(7))?.type, 'tree');
    // Ids are looked up as written (lower-case hex), as the Map before it did.
    assert.ok(index.has(hexId(0xabc)));
    assert.equal(index.has(hexId(0xabc).toUpperCase()), false);
  });
});

const row = fc.tuple(
  fc.nat({ max: 10_000 }).map(hexId),
  fc.constantFrom('d' as const, 't' as const),
  fc.nat({ max: 2 ** 32 - 1 }),
  fc.nat({ max: 2 ** 32 - 1 }),
  fc.nat({ max: 2 ** 32 - 1 }),
  fc.constantFrom(0 as const, 1 as const),
);

describe('index files', () => {
  it('keep every row through writing (version 2) and reading, and the store index sees the same', () => {
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 50 }), { maxLength: 5 }), (packs) => {
        const written = packs.map((blobs: IndexRow[], i) => ({ id: hexId(1_000_000 + i), size: 100 + i, blobs }));
        const json = JSON.parse(JSON.stringify(encodeIndexFile(written))) as unknown;
        assert.deepEqual(parseIndexFile(json, 'index/x').packs, written);
      }),
      { numRuns: 100 },
    );
  });

  it('version 1 files are still read', () => {
    const blobs: IndexRow[] = [[hexId(3), 't', 0, 10, 20, 1]];
    const f = parseIndexFile({ version: 1, packs: [{ id: hexId(9), size: 10, blobs }] }, 'index/old');
    assert.deepEqual(f.packs, [{ id: hexId(9), size: 10, blobs }]);
  });

  it('a damaged file is refused with its name: unknown version, a pack named wrongly, rows cut short', () => {
    const good = encodeIndexFile([{ id: hexId(9), size: 10, blobs: [[hexId(3), 'd', 0, 10, 20, 0]] }]);
    const cut = { ...good, packs: [{ ...good.packs[0], rows: Buffer.alloc(47).toString('base64') }] };
    const traversal = { ...good, packs: [{ ...good.packs[0], id: '../../etc/passwd' }] };
    for (const bad of [{ version: 3, packs: [] }, cut, traversal, null, { version: 2 }])
      assert.throws(
        () => parseIndexFile(bad, 'index/abc'),
        (e: unknown) => e instanceof AppError && e.code === 'corrupt' && e.where === 'index/abc',
      );
  });
});

// FastCDC: chunk sizes stay within bounds, cuts do not depend on how input arrives, and an
// insertion in the middle of a big file changes only the chunks around it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Cdc, ChunkWindow, gearTable, WindowBuffers } from '../../../src/snapshots/chunker.ts';
import { SharedSlots } from '../../../src/snapshots/movable.ts';
import { memoryRepo, pseudoRandom } from './fixtures.ts';

const small = { min: 256, avg: 1024, max: 4096 };
const cdc = new Cdc(gearTable(Buffer.from('test seed')), small);

function chunkAll(data: Buffer, pieces: number[]): Buffer[] {
  const win = new ChunkWindow(cdc);
  const out: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < data.length) {
    const room = win.space();
    const n = Math.min(room.length, data.length - off, Math.max(1, pieces[i++ % pieces.length] ?? 1));
    data.copy(room, 0, off, off + n);
    win.commit(n);
    off += n;
    for (let c = win.next(false); c !== null; c = win.next(false)) out.push(c);
  }
  for (let c = win.next(true); c !== null; c = win.next(true)) out.push(c);
  return out;
}

describe('chunker', () => {
  it('cuts the same way however the input is split, and the chunks rebuild the input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 5 }),
        (size, seed, pieces) => {
          const data = pseudoRandom(size, seed);
          const a = chunkAll(data, pieces);
          const b = chunkAll(data, [size || 1]);
          assert.deepEqual(
            a.map((c) => c.length),
            b.map((c) => c.length),
          );
          assert.deepEqual(Buffer.concat(a), data);
          for (const c of a.slice(0, -1)) {
            assert.ok(c.length >= small.min && c.length <= small.max, `chunk of ${c.length}`);
          }
          if (a.length > 0) assert.ok((a.at(-1) as Buffer).length <= small.max);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('averages near the target size (normalised chunking)', () => {
    const chunks = chunkAll(pseudoRandom(2_000_000, 7), [65536]);
    const avg = 2_000_000 / chunks.length;
    assert.ok(avg > small.avg * 0.6 && avg < small.avg * 1.8, `average ${avg}`);
  });

  it('a different repository secret cuts differently', () => {
    const data = pseudoRandom(200_000, 3);
    const other = new Cdc(gearTable(Buffer.from('another seed')), small);
    const lens = (c: Cdc): number[] => {
      const out: number[] = [];
      for (let s = 0; s < data.length; ) {
        const n = c.cut(data, s, data.length);
        out.push(n);
        s += n;
      }
      return out;
    };
    assert.notDeepEqual(lens(cdc), lens(other));
  });

  it('a stream that reads into the window (standard input) chunks exactly like the same bytes as chunks', async () => {
    const { repo } = await memoryRepo();
    const content = pseudoRandom(12 * 1024 * 1024 + 4321, 21);
    let at = 0;
    let reads = 0;
    // Short reads of odd sizes, as a pipe gives them.
    const reader = {
      readInto: (buf: Buffer): Promise<number> => {
        const n = Math.min(buf.length, content.length - at, 65_536 + ((reads++ * 7919) % 300_000));
        content.copy(buf, 0, at, at + n);
        at += n;
        return Promise.resolve(n);
      },
    };
    const a = await repo.snapshotStream('dump.sql', reader);
    const b = await repo.snapshotStream('dump.sql', [content]);
    const [ea] = (await repo.loadManifest(a.id)).entries;
    const [eb] = (await repo.loadManifest(b.id)).entries;
    assert.ok(ea !== undefined && eb !== undefined);
    assert.equal(ea.size, content.length);
    assert.deepEqual(ea.chunks, eb.chunks, 'the same cuts');
    assert.equal(ea.hash, eb.hash);
    assert.equal(b.summary.newBytes < 64 * 1024, true, 'the second stores only its manifest');
    assert.ok((await repo.readFile(ea)).equals(content));
    assert.ok(reads > 30);
  });

  it('dedup: 100 bytes inserted in the middle of a 20 MB file store only a few new chunks', async () => {
    const { repo } = await memoryRepo({ compressionLevel: 0 });
    const base = pseudoRandom(20 * 1024 * 1024, 11);
    const edited = Buffer.concat([
      base.subarray(0, 10 * 1024 * 1024),
      pseudoRandom(100, 99),
      base.subarray(10 * 1024 * 1024),
    ]);
    const first = await repo.snapshotStream('dump.sql', [base]);
    const second = await repo.snapshotStream('dump.sql', [edited]);
    assert.ok(
      first.summary.newBytes >= base.length && first.summary.newBytes < base.length + 4096,
      'all content is new once (plus the manifest)',
    );
    // One or two chunks around the insertion (avg 1 MiB, max 8 MiB) are new; everything else deduplicates.
    assert.ok(second.summary.newBytes < 9 * 1024 * 1024, `new bytes ${second.summary.newBytes}`);
    assert.ok(second.summary.storedBytes < 9 * 1024 * 1024);
    const m = await repo.loadManifest(second.id);
    const entry = m.entries[0];
    assert.ok(entry !== undefined);
    assert.deepEqual(await repo.readFile(entry), edited);
    const before = (await repo.loadManifest(first.id)).entries[0]?.chunks ?? [];
    const fresh = (entry.chunks ?? []).filter((c) => !before.includes(c));
    assert.ok(fresh.length <= 3, `${fresh.length} new chunks of ${entry.chunks?.length}`);
  });

  it('buffers used again never overwrite a chunk before it is released, and are used again after', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 5 }),
        (seed, lag, pieces) => {
          const data = pseudoRandom(60_000, seed);
          const spares = new WindowBuffers();
          const taken: Buffer[] = [];
          // Buffers the window holds at once: taken and not given back yet.
          let held = 0;
          let mostHeld = 0;
          const take = spares.take.bind(spares);
          const give = spares.give.bind(spares);
          spares.take = (size: number) => {
            const b = take(size);
            taken.push(b);
            mostHeld = Math.max(mostHeld, ++held);
            return b;
          };
          spares.give = (b: Buffer) => {
            held--;
            give(b);
          };
          // Chunks are released `lag` chunks after they were cut (a store still compressing some).
          const win = new ChunkWindow(cdc, spares);
          const unreleased: { chunk: Buffer; copy: Buffer }[] = [];
          const out: Buffer[] = [];
          const settle = (keep: number): void => {
            while (unreleased.length > keep) {
              const h = unreleased.shift() as { chunk: Buffer; copy: Buffer };
              assert.ok(h.chunk.equals(h.copy), 'a chunk changed before it was released');
              win.release(h.chunk);
            }
          };
          const cut = (final: boolean): void => {
            for (let c = win.next(final); c !== null; c = win.next(final)) {
              unreleased.push({ chunk: c, copy: Buffer.from(c) });
              out.push(Buffer.from(c));
              settle(lag);
            }
          };
          let off = 0;
          let i = 0;
          while (off < data.length) {
            const room = win.space();
            const n = Math.min(room.length, data.length - off, pieces[i++ % pieces.length] ?? 1);
            data.copy(room, 0, off, off + n);
            win.commit(n);
            off += n;
            cut(false);
          }
          cut(true);
          settle(0);
          win.close();
          assert.ok(Buffer.concat(out).equals(data));
          // Memory in use stays bounded: the current buffer, one being filled, and those still
          // holding an unreleased chunk (at most `lag`). Over a whole run more distinct buffers
          // may appear: a spare list of two drops extras when releases come in a burst.
          assert.ok(mostHeld <= lag + 2, `${mostHeld} buffers held at once (lag ${lag})`);
          assert.equal(held, 0, 'every buffer is given back at the end');
          // 60 kB through 8 kB windows: without reuse every refill would take a new buffer. With
          // chunks released one or none behind, most refills reuse one; further behind, bursts of
          // releases overflow the spare list of two (the extras dropped), but some are still reused.
          const distinct = new Set(taken.map((b) => b.buffer)).size;
          if (taken.length >= 8)
            assert.ok(
              distinct < (lag <= 1 ? taken.length / 2 : taken.length),
              `${distinct} buffers for ${taken.length} refills (lag ${lag})`,
            );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('shared slots', () => {
  it('lends each slot once until given back, from any view into it, and ignores other memory', () => {
    const slots = new SharedSlots(3, 1000);
    const taken = [slots.take(), slots.take(), slots.take()];
    assert.equal(slots.take(), null);
    assert.ok(taken.every((b) => b !== null && b.length === 1000 && slots.owns(b)));
    assert.deepEqual(new Set(taken.map((b) => b?.byteOffset)), new Set([0, 1000, 2000]));
    const second = taken[1] as Buffer;
    slots.give(second.subarray(10, 20));
    slots.give(second);
    slots.give(Buffer.alloc(1000));
    assert.equal(slots.owns(Buffer.alloc(10)), false);
    assert.equal(slots.take()?.byteOffset, 1000);
    assert.equal(slots.take(), null);
  });
});

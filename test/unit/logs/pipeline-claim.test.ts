// The pipeline claims a source's checkpoint: SourceChannel.run starts the source at the stored
// checkpoint and every batch names the checkpoint it started from, so the store can refuse a
// batch when another reader moved it; a refusal stops the run at once (it is not retried).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceChannel } from '../../../src/logs/index.ts';
import type { AppendBatch, BatchSink, Checkpoint, EventStore, LineSource } from '../../../src/logs/index.ts';
import { AppError } from '../../../src/core/errors.ts';

/** A source that hands over `batches` batches of one line each, from whatever it is given. */
function source(batches: number): LineSource & { startedFrom: Checkpoint | null | undefined } {
  return {
    id: 'file:/var/log/access.log',
    startedFrom: undefined,
    async run(from: Checkpoint | null, sink: BatchSink): Promise<void> {
      this.startedFrom = from;
      let offset = typeof from?.['offset'] === 'number' ? from['offset'] : 0;
      for (let i = 0; i < batches; i++) {
        offset += 100;
        await sink({ lines: [''], firstLine: i + 1, checkpoint: { offset }, origin: 'access.log' });
      }
    },
  };
}

/** A store keeping only the checkpoint, refusing batches from anything but the stored one. */
function store(stored: Checkpoint | null, moveAfter = Number.POSITIVE_INFINITY) {
  const seen: AppendBatch[] = [];
  let current = stored;
  const s = {
    seen,
    async sourceState() {
      return current === null
        ? null
        : { id: 'x', checkpoint: current, lines: 0, events: 0, skipped: 0, rejected: 0, updatedAt: 0 };
    },
    async append(b: AppendBatch) {
      seen.push(b);
      // Another process moves the checkpoint once this one has stored `moveAfter` batches.
      if (seen.length > moveAfter) current = { offset: 99_999 };
      if (JSON.stringify(b.from) !== JSON.stringify(current)) throw new AppError('conflict', 'claimed elsewhere');
      current = b.checkpoint;
      return { findingIds: [] };
    },
  };
  return s;
}

test('each batch claims the checkpoint the previous one stored, starting from the stored one', async () => {
  const st = store({ offset: 500 });
  const src = source(3);
  const ch = new SourceChannel({ store: st as unknown as EventStore }, src.id, 'nginx');
  await ch.run(src, new AbortController().signal);
  assert.deepEqual(src.startedFrom, { offset: 500 });
  assert.deepEqual(
    st.seen.map((b) => [b.from, b.checkpoint]),
    [
      [{ offset: 500 }, { offset: 600 }],
      [{ offset: 600 }, { offset: 700 }],
      [{ offset: 700 }, { offset: 800 }],
    ],
  );
});

test('a new source claims from no checkpoint', async () => {
  const st = store(null);
  const src = source(1);
  await new SourceChannel({ store: st as unknown as EventStore }, src.id, 'nginx').run(
    src,
    new AbortController().signal,
  );
  assert.equal(st.seen[0]?.from, null);
});

test('a refused batch stops the run at once, without retrying or reading on', async () => {
  const st = store({ offset: 0 }, 1);
  const src = source(5);
  const ch = new SourceChannel({ store: st as unknown as EventStore }, src.id, 'nginx');
  await assert.rejects(
    ch.run(src, new AbortController().signal),
    (e: unknown) => e instanceof AppError && e.code === 'conflict',
  );
  assert.equal(st.seen.length, 2, 'one stored, one refused, nothing more');
  assert.equal(ch.stats.lines, 1);
});

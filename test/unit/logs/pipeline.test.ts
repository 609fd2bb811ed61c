// The source channel's commits over a store that answers later (as a database server does):
// the next batch is parsed while the previous one is being stored, in slices, and the events,
// their line numbers and the findings' event indexes come out exactly as one whole parse would
// give them; commits stay in order; after a failed commit nothing queued behind it is stored,
// flush() reports the failure once, and the channel then stores again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceChannel } from '../../../src/logs/index.ts';
import type { AppendBatch, EventStore } from '../../../src/logs/index.ts';
import { createDetector, loadRules } from '../../../src/detect/index.ts';

function lines(from: number, n: number): string[] {
  const out: string[] = [];
  for (let i = from; i < from + n; i++)
    out.push(
      i % 97 === 0
        ? `203.0.113.9 - - [02/Nov/2026:10:00:00 +0000] "GET /s?q=1%27%20union%20select%201,2-- HTTP/1.1" 200 5 "-" "x"`
        : i % 131 === 0
          ? 'not a log line'
          : `198.51.100.7 - - [02/Nov/2026:10:00:00 +0000] "GET /p/${i} HTTP/1.1" 200 5 "-" "Mozilla/5.0"`,
    );
  return out;
}

/** A store whose appends resolve after a few milliseconds, and can be told to fail one. */
function slowStore(failAt: number | null) {
  const stored: AppendBatch[] = [];
  let calls = 0;
  const store = {
    async append(b: AppendBatch) {
      const n = ++calls;
      await new Promise((r) => setTimeout(r, 5));
      if (n === failAt) throw new Error('the connection broke');
      stored.push(b);
      return { findingIds: b.findings.map((_, i) => i + 1) };
    },
  } as unknown as EventStore;
  return { store, stored };
}

const batches = (count: number, size: number) =>
  Array.from({ length: count }, (_, k) => ({
    lines: lines(k * size + 1, size),
    firstLine: k * size + 1,
    checkpoint: null,
    origin: 'test',
  }));

test('parsed beside the previous commit, in slices: the same events, lines and findings as a whole parse', async () => {
  const detector = () => createDetector(loadRules().compiled);
  const { store, stored } = slowStore(null);
  const channel = new SourceChannel({ store, detector: detector() }, 'web', 'nginx');
  for (const b of batches(4, 3000)) await channel.handle(b);
  await channel.flush();
  // the reference: each batch prepared whole, by a channel with its own detector
  const ref = new SourceChannel({ store, detector: detector() }, 'web', 'nginx');
  const want = batches(4, 3000).map((b) => ref.prepare(b));
  assert.equal(stored.length, 4);
  for (let k = 0; k < 4; k++) {
    const got = stored[k] as AppendBatch;
    const w = want[k] as AppendBatch;
    assert.deepEqual(got.eventLines, w.eventLines, `batch ${k}: line numbers`);
    assert.deepEqual(
      got.events.map((e) => (e.kind === 'http' ? e.path : e.kind)),
      w.events.map((e) => (e.kind === 'http' ? e.path : e.kind)),
    );
    assert.deepEqual(
      got.rejects.map((r) => r.line),
      w.rejects.map((r) => r.line),
    );
    assert.deepEqual(
      got.findings.map((f) => [f.event, f.finding.rule]),
      w.findings.map((f) => [f.event, f.finding.rule]),
    );
    assert.ok(got.findings.length > 0, 'the injections were found');
  }
  assert.equal(channel.stats.lines, 12_000);
});

test('a failed commit: nothing queued behind it is stored, flush reports it once, then the channel stores again', async () => {
  const { store, stored } = slowStore(2);
  const channel = new SourceChannel({ store }, 'web', 'nginx');
  const [b1, b2, b3, b4, b5] = batches(5, 500);
  await channel.handle(b1 as never);
  await channel.handle(b2 as never); // b2's commit will fail
  await channel.handle(b3 as never); // queued behind it (two commits may be ahead of parsing)
  // The failure comes back to a later handle() (or to flush()), and nothing queued behind it stores.
  await assert.rejects(channel.handle(b4 as never), /the connection broke/);
  await assert.rejects(channel.handle(b5 as never), /the connection broke/);
  await assert.rejects(channel.flush(), /the connection broke/);
  assert.deepEqual(
    stored.map((b) => b.eventLines[0]),
    [1],
    'only the batch before the failure was stored; b3 was queued but not stored, b4 and b5 never queued',
  );
  // the caller reads again from the stored checkpoint: the channel takes batches again
  await channel.handle(b2 as never);
  await channel.handle(b3 as never);
  await channel.handle(b4 as never);
  await channel.flush();
  assert.deepEqual(
    stored.map((b) => b.eventLines[0]),
    [1, 501, 1001, 1501],
  );
});

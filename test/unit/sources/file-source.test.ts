// The file follower: complete lines only, both kinds of rotation while writing, rotation
// while stopped, .gz files, and odd bytes. Every test checks each line arrives exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileSource } from '../../../src/adapters/sources/file.ts';
import type { LineBatch } from '../../../src/logs/sources.ts';
import type { Checkpoint } from '../../../src/logs/ports.ts';

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const text = (ls: string[]) => ls.map((l) => `${l}\n`).join('');

function collector() {
  const got: string[] = [];
  let last: Checkpoint | null = null;
  const sink = async (b: LineBatch) => {
    got.push(...b.lines);
    last = b.checkpoint;
  };
  return { got, sink, checkpoint: () => last };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'ripcord-src-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('one-shot read: CRLF stripped, invalid UTF-8 replaced, last line without newline kept', async (t) => {
  const d = tmp(t);
  const p = join(d, 'a.log');
  writeFileSync(
    p,
    Buffer.concat([Buffer.from('one\r\ntwo\n'), Buffer.from([0x66, 0xff, 0x6f, 0x0a]), Buffer.from('last')]),
  );
  const c = collector();
  await new FileSource({ id: 'a', path: p, follow: false }).run(null, c.sink, new AbortController().signal);
  assert.deepEqual(c.got, ['one', 'two', 'f\ufffdo', 'last']);
});

test('following: a partial line waits for its newline; batches carry byte-exact checkpoints', async (t) => {
  const d = tmp(t);
  const p = join(d, 'a.log');
  writeFileSync(p, 'a1\na2\npart');
  const c = collector();
  const ac = new AbortController();
  const run = new FileSource({ id: 'a', path: p, follow: true, pollMs: 20 }).run(null, c.sink, ac.signal);
  await until(() => c.got.length === 2);
  assert.equal(c.checkpoint()?.['offset'], 6);
  appendFileSync(p, 'ial\na3\n');
  await until(() => c.got.length === 4);
  ac.abort();
  await run;
  assert.deepEqual(c.got, ['a1', 'a2', 'partial', 'a3']);
  assert.equal(c.checkpoint()?.['offset'], 17);
  assert.equal(c.checkpoint()?.['line'], 4);
});

test('rename + create rotation while writing loses and doubles nothing', async (t) => {
  const d = tmp(t);
  const p = join(d, 'access.log');
  writeFileSync(p, text(lines(1, 100)));
  const c = collector();
  const ac = new AbortController();
  const run = new FileSource({ id: 'a', path: p, follow: true, pollMs: 20, batchLines: 7 }).run(
    null,
    c.sink,
    ac.signal,
  );
  await until(() => c.got.length === 100);
  appendFileSync(p, text(lines(101, 150)));
  renameSync(p, `${p}.1`);
  // the writer keeps writing to the old file until it reopens (as nginx does before USR1)
  appendFileSync(`${p}.1`, text(lines(151, 160)));
  writeFileSync(p, text(lines(161, 200)));
  await until(() => c.got.length >= 200);
  appendFileSync(p, text(lines(201, 210)));
  await until(() => c.got.length >= 210);
  ac.abort();
  await run;
  assert.deepEqual(c.got, lines(1, 210));
});

test('copytruncate rotation: lines written before the copy are read from the copy', async (t) => {
  const d = tmp(t);
  const p = join(d, 'access.log');
  writeFileSync(p, text(lines(1, 100)));
  const c = collector();
  const ac = new AbortController();
  const run = new FileSource({ id: 'a', path: p, follow: true, pollMs: 50 }).run(null, c.sink, ac.signal);
  await until(() => c.got.length === 100);
  // all in one tick, before the follower polls again
  appendFileSync(p, text(lines(101, 110)));
  copyFileSync(p, `${p}.1`);
  truncateSync(p, 0);
  appendFileSync(p, text(lines(111, 115)));
  await until(() => c.got.length >= 115);
  await new Promise((r) => setTimeout(r, 150));
  ac.abort();
  await run;
  assert.deepEqual(c.got, lines(1, 115));
});

test('restart after a rotation that happened while stopped resumes in the rotated file', async (t) => {
  const d = tmp(t);
  const p = join(d, 'auth.log');
  writeFileSync(p, text(lines(1, 50)));
  const first = collector();
  await new FileSource({ id: 'a', path: p, follow: false }).run(null, first.sink, new AbortController().signal);
  assert.equal(first.got.length, 50);
  appendFileSync(p, text(lines(51, 60)));
  renameSync(p, `${p}.1`);
  writeFileSync(p, text(lines(61, 70)));
  const second = collector();
  await new FileSource({ id: 'a', path: p, follow: false }).run(
    first.checkpoint(),
    second.sink,
    new AbortController().signal,
  );
  assert.deepEqual(second.got, lines(51, 70));
});

test('restart on an unchanged file resumes at the checkpoint; a replaced file starts over', async (t) => {
  const d = tmp(t);
  const p = join(d, 'x.log');
  writeFileSync(p, text(lines(1, 10)));
  const a = collector();
  await new FileSource({ id: 'x', path: p, follow: false }).run(null, a.sink, new AbortController().signal);
  appendFileSync(p, text(lines(11, 12)));
  const b = collector();
  await new FileSource({ id: 'x', path: p, follow: false }).run(a.checkpoint(), b.sink, new AbortController().signal);
  assert.deepEqual(b.got, lines(11, 12));
  // same path, different content from the first byte: not the file we were reading
  rmSync(p);
  writeFileSync(
    p,
    text([
      'other 1',
      'other 2',
      'other 3',
      'other 4',
      'other 5',
      'other 6',
      'other 7',
      'other 8',
      'other 9',
      'other 10',
      'other 11',
      'other 12',
      'other 13',
    ]),
  );
  const c = collector();
  await new FileSource({ id: 'x', path: p, follow: false }).run(b.checkpoint(), c.sink, new AbortController().signal);
  assert.equal(c.got[0], 'other 1');
  assert.equal(c.got.length, 13);
});

test('.gz files are read once and resume by decompressed offset', async (t) => {
  const d = tmp(t);
  const p = join(d, 'access.log.2.gz');
  writeFileSync(p, gzipSync(text(lines(1, 200000))));
  const a = collector();
  const ac = new AbortController();
  let n = 0;
  await new FileSource({ id: 'g', path: p, follow: false, batchLines: 1000 }).run(
    null,
    async (b) => {
      await a.sink(b);
      if (++n === 5) ac.abort();
    },
    ac.signal,
  );
  assert.ok(a.got.length >= 5000 && a.got.length < 200000, `stopped after ${a.got.length} lines`);
  const b = collector();
  await new FileSource({ id: 'g', path: p, follow: false, batchLines: 1000 }).run(
    a.checkpoint(),
    b.sink,
    new AbortController().signal,
  );
  assert.deepEqual([...a.got, ...b.got], lines(1, 200000));
});

test('a backlog larger than one read comes in full batches, each line once, the checkpoint at the end', async (t) => {
  const d = tmp(t);
  const p = join(d, 'big.log');
  // ~7 MB: several reads, none ending on a batch boundary
  const all = lines(1, 70_000).map((l) => `${l} ${'x'.repeat(90)}`);
  writeFileSync(p, text(all));
  const sizes: number[] = [];
  const c = collector();
  const sink = async (b: LineBatch) => {
    sizes.push(b.lines.length);
    await c.sink(b);
  };
  await new FileSource({ id: 'big', path: p, follow: false, batchLines: 3000 }).run(
    null,
    sink,
    new AbortController().signal,
  );
  assert.deepEqual(c.got, all);
  assert.ok(
    sizes.slice(0, -1).every((n) => n === 3000),
    `batch sizes: ${sizes.join(', ')}`,
  );
  assert.equal(sizes.at(-1), 70_000 % 3000);
  const cp = c.checkpoint() as { offset?: number } | null;
  assert.equal(cp?.offset, Buffer.byteLength(text(all)));
});

// The seal workers' backlog: a request counts as finished when the worker is done with it, even
// while the main thread is busy and has not read the answer (reading files without yielding);
// the store seals a batch itself only when the workers are really behind.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SealPool } from '../../../src/snapshots/store.ts';

describe('seal pool backlog', () => {
  it('counts a request the worker finished while the main thread has not read its answer', async () => {
    const pool = new SealPool(randomBytes(32), 1);
    try {
      const staging = Buffer.allocUnsafeSlow(4096).fill('customer order ');
      const answer = pool.run(3, {
        items: [{ type: 'data', id: 'ab'.repeat(32), content: staging, length: 4096 }],
        bytes: 4096,
        staging,
      });
      assert.equal(pool.backlog, 1);
      // Busy without yielding to the event loop, as while reading files: the answer cannot be read.
      const nap = new Int32Array(new SharedArrayBuffer(4));
      const until = Date.now() + 20_000;
      while (pool.backlog > 0 && Date.now() < until) Atomics.wait(nap, 0, 0, 5);
      assert.equal(pool.backlog, 0, 'the worker finished');
      assert.equal(pool.pending, 1, 'its answer is still unread');
      const reply = await answer;
      assert.equal(reply.items.length, 1);
      assert.ok((reply.items[0] as [number, boolean])[1], 'compressed');
      assert.equal(pool.pending, 0);
    } finally {
      await pool.close();
    }
  });
});

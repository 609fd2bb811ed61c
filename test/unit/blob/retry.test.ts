// The retry wrapper of remote backends (adapters/blob/retry.ts): transient failures are tried
// again with growing waits until they pass or the tries run out; permanent ones fail at once.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../../../src/adapters/blob/memory.ts';
import { retrying, withRetries } from '../../../src/adapters/blob/retry.ts';
import { AppError } from '../../../src/core/errors.ts';
import type { Backend } from '../../../src/snapshots/index.ts';

const transient = () => new AppError('unavailable', 'connection reset', { transient: true });

describe('retries of remote storage', () => {
  it('retries transient failures with growing waits, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const v = await retrying(
      async () => {
        if (++calls < 4) throw transient();
        return 'ok';
      },
      { retries: 5, baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(v, 'ok');
    assert.equal(calls, 4);
    assert.equal(waits.length, 3);
    assert.ok(waits[0] !== undefined && waits[0] >= 50 && waits[0] <= 100);
    assert.ok(
      waits.every((w) => w <= 250),
      'capped',
    );
  });

  it('gives up after the last retry, and never retries a permanent failure', async () => {
    let calls = 0;
    await assert.rejects(
      retrying(
        async () => {
          calls++;
          throw transient();
        },
        { retries: 2, sleep: async () => undefined },
      ),
      (e: unknown) => e instanceof AppError && e.transient,
    );
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(
      retrying(
        async () => {
          calls++;
          throw new AppError('auth', 'login refused');
        },
        { retries: 5, sleep: async () => undefined },
      ),
      (e: unknown) => e instanceof AppError && e.code === 'auth',
    );
    assert.equal(calls, 1);
  });

  it('wraps every backend operation', async () => {
    const inner = new MemoryBackend();
    let fail = 2;
    const flaky: Backend = {
      location: inner.location,
      put: async (t, n, d) => {
        if (fail-- > 0) throw transient();
        return inner.put(t, n, d);
      },
      get: (t, n, r) => inner.get(t, n, r),
      stat: (t, n) => inner.stat(t, n),
      list: (t) => inner.list(t),
      remove: (t, n) => inner.remove(t, n),
      close: () => inner.close(),
    };
    const b = withRetries(flaky, { retries: 3, sleep: async () => undefined });
    await b.put('keys', 'a'.repeat(64), Buffer.from('x'));
    assert.equal((await b.get('keys', 'a'.repeat(64))).toString(), 'x');
    assert.deepEqual(await b.list('keys'), [{ name: 'a'.repeat(64), size: 1 }]);
  });
});

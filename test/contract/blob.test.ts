// Contract of the snapshot repository's storage port (src/snapshots/ports.ts), run against
// every backend: the local directory and the in-memory one.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { MemoryBackend } from '../../src/adapters/blob/memory.ts';
import type { Backend, FileType } from '../../src/snapshots/index.ts';
import { AppError } from '../../src/core/errors.ts';

const hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Factory {
  name: string;
  create(): { backend: Backend; cleanup(): void; litter?: (type: FileType) => void };
}

const factories: Factory[] = [
  {
    name: 'memory',
    create: () => ({ backend: new MemoryBackend(), cleanup: () => undefined }),
  },
  {
    name: 'local',
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ripcord-blob-'));
      return {
        backend: new LocalBackend(join(dir, 'repo')),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
        // What a writer killed mid-put leaves: a temp file beside the real ones.
        litter: (type) => {
          const d = type === 'data' ? join(dir, 'repo', 'data', 'ab') : join(dir, 'repo', type);
          mkdirSync(d, { recursive: true });
          writeFileSync(join(d, '.tmp-0123456789abcdef'), 'half a file');
        },
      };
    },
  },
];

for (const f of factories) {
  describe(`blob backend contract: ${f.name}`, () => {
    let b: Backend;
    let env: ReturnType<Factory['create']>;
    before(() => {
      env = f.create();
      b = env.backend;
    });
    after(async () => {
      await b.close();
      env.cleanup();
    });

    it('puts and gets whole files and ranges, for every type', async () => {
      for (const type of ['keys', 'locks', 'snapshots', 'index', 'data'] as const) {
        const data = randomBytes(1000);
        const name = hex(data);
        await b.put(type, name, data);
        assert.deepEqual(await b.get(type, name), data);
        assert.deepEqual(await b.get(type, name, { offset: 10, length: 20 }), data.subarray(10, 30));
        assert.deepEqual(await b.stat(type, name), { name, size: 1000 });
        assert.ok((await b.list(type)).some((x) => x.name === name && x.size === 1000));
      }
      await b.put('config', 'config', Buffer.from('c'));
      assert.deepEqual(await b.list('config'), [{ name: 'config', size: 1 }]);
    });

    it('put is idempotent, and later changes to the caller buffer do not reach the store', async () => {
      const data = Buffer.from('same bytes twice');
      const name = hex(data);
      await b.put('index', name, data);
      await b.put('index', name, data);
      data.fill(0);
      assert.equal((await b.get('index', name)).toString(), 'same bytes twice');
      assert.equal((await b.list('index')).filter((x) => x.name === name).length, 1);
    });

    it('a missing file is not_found on get, null on stat, and fine to remove', async () => {
      const name = hex(Buffer.from('never stored'));
      await assert.rejects(b.get('snapshots', name), (e: unknown) => e instanceof AppError && e.code === 'not_found');
      assert.equal(await b.stat('snapshots', name), null);
      await b.remove('snapshots', name);
    });

    it('a range past the end is an error, not a short read', async () => {
      const data = randomBytes(100);
      await b.put('data', hex(data), data);
      await assert.rejects(b.get('data', hex(data), { offset: 90, length: 20 }), AppError);
    });

    it('remove deletes; list never shows half-written files', async () => {
      const data = randomBytes(64);
      const name = hex(data);
      await b.put('data', name, data);
      env.litter?.('data');
      env.litter?.('index');
      const names = (await b.list('data')).map((x) => x.name);
      assert.ok(names.includes(name));
      assert.ok(
        names.every((n) => /^[0-9a-f]{64}$/.test(n)),
        'only complete, well-named files are listed',
      );
      assert.ok((await b.list('index')).every((x) => /^[0-9a-f]{64}$/.test(x.name)));
      await b.remove('data', name);
      assert.equal(await b.stat('data', name), null);
      assert.ok(!(await b.list('data')).some((x) => x.name === name));
    });

    it('refuses names that could escape its folders', async () => {
      await assert.rejects(b.put('data', '../x', Buffer.from('x')), AppError);
      await assert.rejects(b.get('keys', 'a/b'), AppError);
    });
  });
}

for (const f of factories) {
  it(`blob backend contract: ${f.name}: a file given in pieces is stored as their concatenation`, async () => {
    const env = f.create();
    try {
      const pieces = Array.from({ length: 700 }, (_, i) => randomBytes(i % 50));
      const whole = Buffer.concat(pieces);
      await env.backend.put('data', hex(whole), pieces);
      assert.deepEqual(await env.backend.get('data', hex(whole)), whole);
      assert.equal((await env.backend.stat('data', hex(whole)))?.size, whole.length);
    } finally {
      env.cleanup();
    }
  });
}

// Contract of the snapshot repository's storage port (src/snapshots/ports.ts), run against
// every backend: the local directory, the in-memory one, SFTP against a real OpenSSH server
// started for the test, and rclone with a `local` remote and an `sftp` remote on that server.

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
import { create as createSftp } from '../../src/adapters/blob/sftp.ts';
import { create as createRclone } from '../../src/adapters/blob/rclone.ts';
import { rcloneMissing, sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.ts';

const hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Env {
  backend: Backend;
  cleanup(): void;
  litter?: (type: FileType) => void;
}

interface Factory {
  name: string;
  /** Why it cannot run here (a missing server), or null. */
  skip?: () => string | null;
  create(): Env | Promise<Env>;
}

// One OpenSSH server for the whole file, started on first use.
let sshd: Promise<TestSshd> | null = null;
const server = (): Promise<TestSshd> => (sshd ??= startSshd());
after(async () => {
  if (sshd !== null) await (await sshd).stop();
});

/** A fresh folder on the test server, and litter written there the way a killed writer leaves it. */
function remoteDir(s: TestSshd): { dir: string; litter: (type: FileType) => void } {
  const dir = mkdtempSync(join(s.home, 'repo-'));
  return {
    dir,
    litter: (type) => {
      const d = type === 'data' ? join(dir, 'data', 'ab') : join(dir, type);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, '.tmp-0123456789abcdef'), 'half a file');
    },
  };
}

const quickRetry = { retry: { baseDelayMs: 20, maxDelayMs: 200 } };

const factories: Factory[] = [
  {
    name: 'sftp',
    skip: sshdMissing,
    create: async () => {
      const s = await server();
      const { dir, litter } = remoteDir(s);
      const backend = createSftp(
        {
          type: 'sftp',
          host: '127.0.0.1',
          port: s.port,
          user: s.user,
          path: join(dir, 'repo'),
          hostKey: s.hostKey,
          identityFile: s.identityFile,
          timeoutSeconds: 20,
          retries: 2,
        },
        { env: {}, ...quickRetry },
      );
      return { backend, litter, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'rclone (local remote)',
    skip: rcloneMissing,
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ripcord-rclone-'));
      writeFileSync(join(dir, 'rclone.conf'), '[shopbox]\ntype = local\n');
      const backend = createRclone(
        {
          type: 'rclone',
          remote: `shopbox:${join(dir, 'repo')}`,
          configFile: join(dir, 'rclone.conf'),
          binary: 'rclone',
          timeoutSeconds: 20,
          retries: 2,
        },
        { env: process.env, ...quickRetry },
      );
      return {
        backend,
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
        litter: (type) => {
          const d = type === 'data' ? join(dir, 'repo', 'data', 'ab') : join(dir, 'repo', type);
          mkdirSync(d, { recursive: true });
          writeFileSync(join(d, '.tmp-0123456789abcdef'), 'half a file');
        },
      };
    },
  },
  {
    name: 'rclone (sftp remote on the test sshd)',
    skip: () => rcloneMissing() ?? sshdMissing(),
    create: async () => {
      const s = await server();
      const { dir, litter } = remoteDir(s);
      const conf = join(dir, '..', `${dir.split('/').at(-1) ?? 'x'}.conf`);
      writeFileSync(
        conf,
        [
          '[offsite]',
          'type = sftp',
          'host = 127.0.0.1',
          `port = ${s.port}`,
          `user = ${s.user}`,
          `key_file = ${s.identityFile}`,
          'shell_type = none',
          'disable_hashcheck = true',
          '',
        ].join('\n'),
      );
      const backend = createRclone(
        {
          type: 'rclone',
          remote: `offsite:${join(dir, 'repo')}`,
          configFile: conf,
          binary: 'rclone',
          timeoutSeconds: 20,
          retries: 2,
        },
        { env: process.env, ...quickRetry },
      );
      return {
        backend,
        litter: (type) => litter(type),
        cleanup: () => {
          rmSync(dir, { recursive: true, force: true });
          rmSync(conf, { force: true });
        },
      };
    },
  },
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
  const skip = f.skip?.() ?? null;
  describe(`blob backend contract: ${f.name}`, skip !== null ? { skip } : {}, () => {
    let b: Backend;
    let env: Env;
    before(async () => {
      env = await f.create();
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
  const skip = f.skip?.() ?? null;
  it(
    `blob backend contract: ${f.name}: a file given in pieces is stored as their concatenation`,
    skip !== null ? { skip } : {},
    async () => {
      const env = await f.create();
      try {
        const pieces = Array.from({ length: 700 }, (_, i) => randomBytes(i % 50));
        const whole = Buffer.concat(pieces);
        await env.backend.put('data', hex(whole), pieces);
        assert.deepEqual(await env.backend.get('data', hex(whole)), whole);
        assert.equal((await env.backend.stat('data', hex(whole)))?.size, whole.length);
      } finally {
        await env.backend.close();
        env.cleanup();
      }
    },
  );
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warmRepositoryKey } from '../../../src/app/key-warmup.ts';
import { LocalBackend } from '../../../src/adapters/blob/local.ts';
import { initRepository, openRepository } from '../../../src/snapshots/index.ts';
import { PASS, tempDir } from '../snapshots/fixtures.ts';

describe('key warm-up', () => {
  it('starts the derivation for `--repo DIR` with the passphrase in the environment, and opening takes it', async () => {
    const t = tempDir();
    try {
      const dir = join(t.dir, 'repo');
      const r = await initRepository(new LocalBackend(dir), PASS, { scryptN: 1024 });
      await r.close();
      const passFile = join(t.dir, 'pass');
      writeFileSync(passFile, `${PASS}\n`);
      const argv = ['repo', '--repo', dir, 'snapshots'];
      assert.equal(warmRepositoryKey(argv, { RIPCORD_PASSPHRASE_FILE: passFile }), 1);
      // Started once: a second warm-up finds it running.
      assert.equal(warmRepositoryKey(argv, { RIPCORD_PASSPHRASE: PASS }), 0);
      await (await openRepository(new LocalBackend(dir), PASS)).close();
      // Taken by the open: the next warm-up starts it again.
      assert.equal(warmRepositoryKey([`--repo=${dir}`], { RIPCORD_PASSPHRASE: PASS }), 1);
      await (await openRepository(new LocalBackend(dir), PASS)).close();
      // A wrong passphrase warmed up is simply not used: the right one still opens, the wrong one still fails.
      assert.equal(warmRepositoryKey(argv, { RIPCORD_PASSPHRASE: 'wrong' }), 1);
      await (await openRepository(new LocalBackend(dir), PASS)).close();
      await assert.rejects(openRepository(new LocalBackend(dir), 'wrong'), { code: 'wrong_passphrase' });
    } finally {
      t.cleanup();
    }
  });

  it('does nothing without a local repository, a key or a passphrase from the environment, and never throws', () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, 'keys'));
      writeFileSync(join(t.dir, 'config'), '');
      writeFileSync(join(t.dir, 'keys', 'a'.repeat(64)), 'not json');
      const env = { RIPCORD_PASSPHRASE: PASS };
      assert.equal(warmRepositoryKey(['repo', 'snapshots'], env), 0);
      assert.equal(warmRepositoryKey(['--repo', 'sftp://host/x'], env), 0);
      assert.equal(warmRepositoryKey(['--repo', join(t.dir, 'absent')], env), 0);
      assert.equal(warmRepositoryKey(['--repo', t.dir], {}), 0);
      assert.equal(warmRepositoryKey(['--repo', t.dir], env), 0);
      assert.equal(warmRepositoryKey(['--repo', t.dir], { RIPCORD_PASSPHRASE_FILE: join(t.dir, 'none') }), 0);
    } finally {
      t.cleanup();
    }
  });
});

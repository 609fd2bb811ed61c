// Off-site copies to a real OpenSSH server started by the test: `ripcord backup copy --to NAME`
// into an SFTP repository named in ripcord.yml, which `repo check` then reads over SFTP; a
// changed host key is refused with the fingerprint seen; one connection serves a whole copy;
// and a server restarted in the middle of a copy is retried until the copy completes.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { SftpBackend } from '../../src/adapters/blob/sftp.ts';
import { withRetries } from '../../src/adapters/blob/retry.ts';
import type { SftpBackendSpec } from '../../src/adapters/blob/sftp.ts';
import type { AppError } from '../../src/core/errors.ts';
import {
  type Backend,
  copySnapshots,
  initCopyTarget,
  initRepository,
  openRepository,
} from '../../src/snapshots/index.ts';
import { sshdMissing, startSshd, type TestSshd } from '../helpers/sshd.ts';
import { pseudoRandom, tempDir } from '../unit/snapshots/fixtures.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const SRC_PASS = 'source passphrase';
const DST_PASS = 'off-site passphrase';
const skip = sshdMissing();

describe('off-site copies over SFTP', skip !== null ? { skip } : {}, () => {
  let sshd: TestSshd;
  let work: ReturnType<typeof tempDir>;
  before(async () => {
    sshd = await startSshd();
    work = tempDir('ripcord-offsite-');
  });
  after(async () => {
    await sshd.stop();
    work.cleanup();
  });

  const spec = (path: string, hostKey = sshd.hostKey): SftpBackendSpec => ({
    type: 'sftp',
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    path,
    hostKey,
    identityFile: sshd.identityFile,
    timeoutSeconds: 20,
    retries: 8,
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [main, '-c', join(work.dir, 'ripcord.yml'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, RIPCORD_TEST_SCRYPT_N: '1024', RIPCORD_PASSPHRASE: SRC_PASS, ...env },
    });

  it('backup copy --to a named SFTP repository; repo check reads it back over SFTP', () => {
    const site = join(work.dir, 'site');
    mkdirSync(site, { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(site, `p${i}.php`), `<?php echo ${i};\n`);
    writeFileSync(join(site, 'media.bin'), pseudoRandom(2 * 1024 * 1024, 3));
    const remote = `${sshd.home}/named`;
    const url = `sftp://${sshd.user}@127.0.0.1:${sshd.port}${remote}`;
    writeFileSync(
      join(work.dir, 'ripcord.yml'),
      [
        `stateDir: ${join(work.dir, 'state')}`,
        'repository:',
        `  hostKey: "${sshd.hostKey}"`,
        `  identityFile: ${sshd.identityFile}`,
        '  offsite:',
        '    box:',
        `      location: ${url}`,
        `      hostKey: "${sshd.hostKey}"`,
        `      identityFile: ${sshd.identityFile}`,
        '      passphrase: ${OFFSITE_PASSPHRASE}',
        '',
      ].join('\n'),
    );
    const env = { OFFSITE_PASSPHRASE: DST_PASS };
    for (const args of [
      ['repo', 'init'],
      ['repo', 'snapshot', site],
    ]) {
      const r = cli(args, env);
      assert.equal(r.status, 0, r.stderr);
    }
    const copy = cli(['backup', 'copy', '--to', 'box', '--json'], env);
    assert.equal(copy.status, 0, copy.stderr);
    const result = JSON.parse(copy.stdout) as {
      created: boolean;
      snapshots: { copied: boolean }[];
      reencrypted: boolean;
    };
    assert.equal(result.created, true);
    assert.equal(result.reencrypted, true);
    assert.deepEqual(
      result.snapshots.map((s) => s.copied),
      [true],
    );
    // The off-site repository, through --repo sftp://... and its own passphrase.
    const check = cli(['repo', '--repo', url, 'check', '--read-data', '--json'], {
      ...env,
      RIPCORD_PASSPHRASE: DST_PASS,
    });
    assert.equal(check.status, 0, check.stderr);
    assert.equal((JSON.parse(check.stdout) as { ok: boolean }).ok, true);
    const out = join(work.dir, 'restored');
    const restore = cli(['repo', '--repo', url, 'restore', 'latest', '--target', out], {
      ...env,
      RIPCORD_PASSPHRASE: DST_PASS,
    });
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(readFileSync(join(out, 'media.bin')), readFileSync(join(site, 'media.bin')));
    // No secret on stdout/stderr.
    assert.ok(!`${copy.stdout}${copy.stderr}${check.stderr}`.includes(DST_PASS));
  });

  it('refuses a server whose host key is not the pinned one, naming the key it saw', async () => {
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const b = new SftpBackend(spec(`${sshd.home}/never`, wrong), { privateKey: readFileSync(sshd.identityFile) });
    await assert.rejects(b.list('keys'), (e: unknown) => {
      const err = e as AppError;
      return err.code === 'refused' && err.message.includes(sshd.hostKey) && err.message.includes(wrong);
    });
    await b.close();
  });

  it('one connection serves a whole copy; a server restarted mid-copy is retried until the copy completes', async () => {
    const site = join(work.dir, 'site2');
    mkdirSync(site, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(site, `big${i}.bin`), pseudoRandom(7 * 1024 * 1024, 40 + i));
    const src = await initRepository(new LocalBackend(join(work.dir, 'src2')), SRC_PASS, { scryptN: 1024 });
    await src.snapshot([site]);

    // Calm copy: every call over one SSH connection.
    const calm = new SftpBackend(spec(`${sshd.home}/calm`), { privateKey: readFileSync(sshd.identityFile) });
    const t1 = await initCopyTarget(src, calm, DST_PASS, { scryptN: 1024 });
    await copySnapshots(src, t1);
    assert.equal(calm.connections, 1);
    await t1.close();

    // Stormy copy: sshd (and every session it forked) killed while the second pack uploads.
    const inner = new SftpBackend(spec(`${sshd.home}/stormy`), { privateKey: readFileSync(sshd.identityFile) });
    let dataPuts = 0;
    let restarted: Promise<void> | null = null;
    const flaky: Backend = {
      location: inner.location,
      put: (type, name, data) => {
        if (type === 'data' && ++dataPuts === 2) restarted = sshd.restart(400);
        return inner.put(type, name, data);
      },
      get: (t, n, r) => inner.get(t, n, r),
      stat: (t, n) => inner.stat(t, n),
      list: (t) => inner.list(t),
      remove: (t, n) => inner.remove(t, n),
      close: () => inner.close(),
    };
    const retries: string[] = [];
    const backend = withRetries(flaky, {
      retries: 8,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      onRetry: (e, n, ms) => {
        retries.push(e.message);
        if (process.env['DEBUG_OFFSITE']) console.error('retry', n, Math.round(ms), e.message, performance.now());
      },
    });
    if (process.env['DEBUG_OFFSITE']) console.error('calm done', performance.now());
    const t2 = await initCopyTarget(src, backend, DST_PASS, { scryptN: 1024 });
    const r = await copySnapshots(src, t2);
    await restarted;
    assert.ok(retries.length >= 1, 'a transient failure was retried');
    assert.ok(inner.connections >= 2, 'a new connection after the restart');
    assert.deepEqual(
      r.snapshots.map((s) => s.copied),
      [true],
    );
    await t2.close();
    const reopened = await openRepository(
      new SftpBackend(spec(`${sshd.home}/stormy`), { privateKey: readFileSync(sshd.identityFile) }),
      DST_PASS,
    );
    const check = await reopened.check({ readData: true });
    assert.deepEqual(check.errors, []);
    const m = await reopened.loadManifest((await reopened.findSnapshot('latest')).id);
    const big1 = m.entries.find((e) => e.path === 'big1.bin');
    assert.ok(big1 !== undefined);
    assert.deepEqual(await reopened.readFile(big1), readFileSync(join(site, 'big1.bin')));
    await reopened.close();
    await src.close();
  });
});

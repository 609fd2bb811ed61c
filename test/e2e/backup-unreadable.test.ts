// A backup run by a user who may not read everything (a root-owned secret in the docroot, a
// folder closed to it): the snapshot holds all the rest, names what it left out, the job says
// so (exit status 1) and raises a `backup-incomplete` alert. Needs root, to run the backup as
// nobody; skipped with a note otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const NOBODY = 65534;
const skip = process.getuid?.() === 0 ? {} : { skip: 'needs root (the backup runs as nobody)' };

test('files the backup may not read are left out and named; the rest is stored; an alert', skip, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-unreadable-'));
  try {
    chmodSync(dir, 0o755);
    const site = join(dir, 'site');
    mkdirSync(join(site, 'app', 'etc'), { recursive: true });
    mkdirSync(join(site, 'private'));
    writeFileSync(join(site, 'index.php'), '<?php echo "Harbor & Pine";\n');
    writeFileSync(join(site, 'app', 'etc', 'env.php'), "<?php return ['db' => 'secret'];\n");
    writeFileSync(join(site, 'private', 'keys.txt'), 'k\n');
    chmodSync(join(site, 'app', 'etc', 'env.php'), 0o600); // root's: nobody may not read it
    chmodSync(join(site, 'private'), 0o700);
    const state = join(dir, 'state');
    mkdirSync(state);
    chownSync(state, NOBODY, NOBODY);
    writeFileSync(
      join(dir, 'ripcord.yml'),
      `stateDir: ${JSON.stringify(state)}\nbackup:\n  jobs:\n    - {type: files, name: site, paths: [${JSON.stringify(site)}]}\n`,
    );
    const env = { ...process.env, RIPCORD_PASSPHRASE: 'unreadable test', RIPCORD_TEST_SCRYPT_N: '1024', HOME: state };
    const run = (args: string[]) =>
      spawnSync(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), ...args], {
        env,
        uid: NOBODY,
        gid: NOBODY,
        cwd: state,
        encoding: 'utf8',
      });
    const r = run(['backup', 'run', '--json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      jobs: {
        ok: boolean;
        error?: string;
        summary: { files: number; unreadable?: number; unreadablePaths?: string[] };
      }[];
    };
    const job = out.jobs[0];
    assert.equal(job?.ok, true, 'a snapshot was stored');
    assert.equal(job?.summary.unreadable, 2);
    assert.deepEqual(job?.summary.unreadablePaths?.sort(), ['app/etc/env.php', 'private']);
    assert.match(job?.error ?? '', /could not be read \(permission denied\)/);
    const ls = run(['backup', 'show', 'latest', '--json']);
    assert.equal(ls.status, 0, ls.stderr);
    const shown = JSON.parse(ls.stdout) as { files: string[]; summary: { unreadable?: number } };
    assert.deepEqual(shown.files, ['index.php'], 'the readable file, and nothing of the others');
    assert.equal(shown.summary.unreadable, 2, 'the snapshot itself records what was left out');
    const alerts = run(['findings', 'list', '--json']);
    assert.match(alerts.stdout, /backup-incomplete/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

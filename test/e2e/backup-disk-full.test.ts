// A backup into a repository whose disk fills up (a 1 MiB tmpfs) fails with a message that says
// so, raises an alert, and leaves the repository consistent: `repo check` passes and the next
// run, once there is room, succeeds. A restore onto a full disk is an I/O error that says so,
// and the same restore run again with room completes. Needs mount (root); skipped otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/app/config.ts';
import { createApp } from '../../src/app/context.ts';
import { backupRestoreFiles, backupRun } from '../../src/app/backup.ts';
import { AppError } from '../../src/core/errors.ts';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { openRepository } from '../../src/snapshots/index.ts';

const env = { ...process.env, RIPCORD_PASSPHRASE: 'disk full test', RIPCORD_TEST_SCRYPT_N: '1024' };

function mountSmall(dir: string): string | null {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0
    ? null
    : `cannot mount a small tmpfs (needs root): ${(r.stderr ?? r.error?.message ?? '').trim()}`;
}

const probe = mkdtempSync(join(tmpdir(), 'ripcord-mount-probe-'));
const problem = mountSmall(probe);
if (problem === null) spawnSync('umount', [probe]);
rmSync(probe, { recursive: true, force: true });

/** Runs `f` with a folder holding `disk`, a 1 MiB tmpfs, and a site of `files`; cleans up after. */
async function onSmallDisk(
  files: Record<string, Uint8Array | string>,
  f: (dir: string, disk: string, site: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-disk-full-'));
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  assert.equal(mountSmall(disk), null);
  try {
    const site = join(dir, 'site');
    mkdirSync(site);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(site, name), content);
    await f(dir, disk, site);
  } finally {
    spawnSync('umount', [disk]);
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'a repository disk that fills up fails the backup with an alert; the repository stays sound',
  problem === null ? {} : { skip: problem },
  async () => {
    await onSmallDisk({ 'index.php': '<?php echo "Harbor & Pine";\n' }, async (dir, disk, site) => {
      writeFileSync(
        join(dir, 'ripcord.yml'),
        `stateDir: ./state\nrepository: {path: ${JSON.stringify(join(disk, 'repo'))}}\nbackup:\n  jobs:\n    - {type: files, name: site, paths: [./site]}\n`,
      );
      const app = createApp(loadConfig({ file: join(dir, 'ripcord.yml'), env }), { env });
      try {
        assert.equal((await backupRun(app))[0]?.ok, true, 'a small first backup fits');
        // Incompressible media, twice the disk's size.
        for (let i = 0; i < 4; i++) writeFileSync(join(site, `media${i}.bin`), randomBytes(512 * 1024));
        const [full] = await backupRun(app);
        assert.equal(full?.ok, false);
        assert.match(full?.error ?? '', /ENOSPC|no space/i);
        const findings = await (await app.findings()).listFindings({ limit: 10, rule: 'backup-failed' });
        assert.equal(findings.length, 1);
        assert.match(findings[0]?.message ?? '', /backup site failed/);
        const repo = await openRepository(new LocalBackend(join(disk, 'repo')), 'disk full test');
        try {
          const c = await repo.check({ readData: true });
          assert.equal(c.ok, true, c.errors.join('; '));
          assert.equal((await repo.listSnapshots()).length, 1, 'only the first snapshot');
        } finally {
          await repo.close();
        }
        for (let i = 0; i < 4; i++) rmSync(join(site, `media${i}.bin`));
        writeFileSync(join(site, 'media.bin'), randomBytes(64 * 1024));
        const [again] = await backupRun(app);
        assert.equal(again?.ok, true, `with room again, the next run succeeds: ${again?.error}`);
      } finally {
        await app.close();
      }
    });
  },
);

test(
  'a restore whose target disk fills up is an I/O error that says so; run again with room, it completes',
  problem === null ? {} : { skip: problem },
  async () => {
    const media = Array.from({ length: 4 }, () => randomBytes(512 * 1024));
    const files = Object.fromEntries(media.map((m, i) => [`media${i}.bin`, m]));
    await onSmallDisk({ ...files, 'index.php': '<?php echo "Harbor & Pine";\n' }, async (dir, disk) => {
      writeFileSync(
        join(dir, 'ripcord.yml'),
        'stateDir: ./state\nbackup:\n  jobs:\n    - {type: files, name: site, paths: [./site]}\n',
      );
      const app = createApp(loadConfig({ file: join(dir, 'ripcord.yml'), env }), { env });
      try {
        assert.equal((await backupRun(app))[0]?.ok, true);
        const target = join(disk, 'restored');
        await assert.rejects(
          backupRestoreFiles(app, 'latest', target, []),
          (e: unknown) => e instanceof AppError && e.code === 'io' && /disk is full/.test(e.message),
        );
        assert.equal(spawnSync('mount', ['-o', 'remount,size=8m', disk]).status, 0);
        const r = await backupRestoreFiles(app, 'latest', target, []);
        assert.equal(r.files, 5);
        for (const [i, m] of media.entries()) assert.deepEqual(readFileSync(join(target, `media${i}.bin`)), m);
      } finally {
        await app.close();
      }
    });
  },
);

// Crash safety of restores and prunes: a real `ripcord backup restore` killed with SIGKILL once
// files have started to land is run again and resumes (files already complete are skipped, the
// result is exact, no temp files stay); a real `ripcord backup forget --prune` killed at several
// moments leaves a repository that `repo check` passes, and the next backup run succeeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pseudoRandom } from '../unit/snapshots/fixtures.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const env = { ...process.env, RIPCORD_PASSPHRASE: 'crash test passphrase', RIPCORD_TEST_SCRYPT_N: '1024' };

function cli(dir: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the command and kills it with SIGKILL as soon as `ready()` says so; resolves with how it ended. */
function killWhen(dir: string, args: string[], ready: () => boolean): Promise<NodeJS.Signals | number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [main, '-c', join(dir, 'ripcord.yml'), ...args], { env, stdio: 'ignore' });
    const poll = setInterval(() => {
      if (ready()) child.kill('SIGKILL');
    }, 5);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      done(signal ?? code);
    });
  });
}

const filesUnder = (d: string): string[] => {
  try {
    return readdirSync(d, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
};

function shop(dir: string, seed: number): string {
  const site = join(dir, 'site');
  mkdirSync(join(site, 'media'), { recursive: true });
  for (let i = 0; i < 120; i++)
    writeFileSync(join(site, 'media', `img${i}.bin`), pseudoRandom(256 * 1024, seed * 1000 + i));
  for (let i = 0; i < 50; i++) writeFileSync(join(site, `page${i}.php`), `<?php // ${seed} ${i}\n`);
  writeFileSync(
    join(dir, 'ripcord.yml'),
    'stateDir: ./state\nrepository: {path: ./repo}\nbackup:\n  jobs:\n    - {type: files, name: site, paths: [./site], keep: {last: 1}}\n',
  );
  return site;
}

test('kill -9 during backup restore: the rerun resumes and the result is exact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-restore-crash-'));
  try {
    const site = shop(dir, 1);
    const run = cli(dir, ['backup', 'run', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const target = join(dir, 'restored');
    // Killed once some files are in place whole (a fresh target gets files under their own
    // names as they are written, so some may be cut short: the rerun must rewrite those).
    const ended = await killWhen(dir, ['backup', 'restore', 'latest', '--target', target], () =>
      filesUnder(join(target, 'media')).some(
        (f) =>
          f.endsWith('.bin') &&
          !f.startsWith('.') &&
          statSync(join(target, 'media', f)).size === statSync(join(site, 'media', f)).size,
      ),
    );
    assert.equal(ended, 'SIGKILL', 'the restore was interrupted');
    const again = cli(dir, ['backup', 'restore', 'latest', '--target', target, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const r = JSON.parse(again.stdout) as { files: number; skipped: number };
    assert.ok(r.skipped > 0, `files restored before the kill are skipped (${again.stdout})`);
    assert.ok(r.skipped < r.files);
    for (const f of filesUnder(site))
      if (f.includes('.')) assert.deepEqual(readFileSync(join(target, f)), readFileSync(join(site, f)), f);
    assert.deepEqual(
      filesUnder(target).filter((f) => f.includes('ripcord-tmp')),
      [],
      'no temp files are left',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 during backup forget --prune: repo check passes and the next run succeeds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-prune-crash-'));
  try {
    shop(dir, 2);
    assert.equal(cli(dir, ['backup', 'run']).code, 0);
    shop(dir, 3); // all new media: the first snapshot's packs become garbage once it is forgotten
    assert.equal(cli(dir, ['backup', 'run']).code, 0);
    const packs = () => filesUnder(join(dir, 'repo', 'data'));
    const before = packs().length;
    // Killed as soon as prune has deleted or written anything in the pack folder.
    const ended = await killWhen(dir, ['backup', 'forget', '--prune'], () => packs().length !== before);
    t.diagnostic(`prune ended by ${String(ended)}`);
    const check = cli(dir, ['repo', 'check']);
    assert.equal(check.code, 0, `after the kill (${String(ended)}): ${check.stdout}${check.stderr}`);
    const next = cli(dir, ['backup', 'run', '--json']);
    assert.equal(next.code, 0, next.stderr);
    const done = cli(dir, ['backup', 'forget', '--prune', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const full = cli(dir, ['repo', 'check', '--read-data']);
    assert.equal(full.code, 0, full.stdout + full.stderr);
    const list = cli(dir, ['backup', 'list', '--json']);
    assert.equal(list.stdout.trim().split('\n').length, 1, 'keep last 1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

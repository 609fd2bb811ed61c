// Crash safety: a real `ripcord repo snapshot` / `repo prune` child process is killed with
// SIGKILL at random moments; every time, `check` finds no error and the next run completes,
// and the data of the snapshots that exist is intact.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { initRepository, openRepository, type Repository } from '../../src/snapshots/index.ts';
import { pseudoRandom, tempDir } from '../unit/snapshots/fixtures.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const PASS = 'crash test passphrase';
const env = { ...process.env, RIPCORD_PASSPHRASE: PASS, RIPCORD_TEST_SCRYPT_N: '1024' };

// A seeded generator so every run of the suite kills at the same spread of moments.
let seed = 12345;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

function makeTree(dir: string, version: number): void {
  mkdirSync(join(dir, 'small'), { recursive: true });
  for (let i = 0; i < 400; i++)
    writeFileSync(
      join(dir, 'small', `f${i}.php`),
      `<?php // file ${i} v${i % 7 === 0 ? version : 0}\n${'x'.repeat(i * 3)}`,
    );
  for (let i = 0; i < 4; i++)
    writeFileSync(join(dir, `big${i}.bin`), pseudoRandom(4 * 1024 * 1024, i + 1 + (i % 2 === 0 ? version * 100 : 0)));
}

function treeHashes(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? name.name : `${rel}/${name.name}`;
    if (name.isDirectory()) for (const [k, v] of treeHashes(dir, r)) out.set(k, v);
    else
      out.set(
        r,
        createHash('sha256')
          .update(readFileSync(join(dir, r)))
          .digest('hex'),
      );
  }
  return out;
}

/** Starts a ripcord child, waits until it holds its lock, lets it run a random while, kills it. */
async function runAndKill(repoDir: string, args: string[], maxMs: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [main, 'repo', '--repo', repoDir, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const locks = join(repoDir, 'locks');
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !(existsSync(locks) && readdirSync(locks).some((n) => !n.startsWith('.'))))
    await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, Math.floor(rand() * maxMs)));
  if (done) {
    const code = await exited;
    assert.equal(code, 0, `child failed: ${stderr}`);
    return 'finished';
  }
  child.kill('SIGKILL');
  await exited;
  return 'killed';
}

async function assertHealthy(repoDir: string): Promise<Repository> {
  const repo = await openRepository(new LocalBackend(repoDir), PASS);
  const r = await repo.check({ readData: true });
  assert.deepEqual(r.errors, [], 'check finds no error after a kill');
  return repo;
}

describe('crash safety (kill -9)', () => {
  let t: ReturnType<typeof tempDir>;
  let src: string;
  let repoDir: string;
  before(async () => {
    t = tempDir('ripcord-crash-');
    src = join(t.dir, 'site');
    repoDir = join(t.dir, 'repo');
    makeTree(src, 1);
    await initRepository(new LocalBackend(repoDir), PASS, { scryptN: 1024 });
  });
  after(() => t.cleanup());

  it('a snapshot killed at random moments leaves a repository that checks clean; the next run completes', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await runAndKill(repoDir, ['snapshot', src], 60));
      await assertHealthy(repoDir);
    }
    assert.ok(outcomes.includes('killed'), `at least one run was killed mid-way (${outcomes.join(',')})`);
    const r = spawnSync(process.execPath, [main, 'repo', '--repo', repoDir, 'snapshot', src], {
      env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const repo = await assertHealthy(repoDir);
    const out = join(t.dir, 'restored');
    await repo.restore((await repo.findSnapshot('latest')).id, out);
    assert.deepEqual(treeHashes(out), treeHashes(src));
  });

  it('a prune killed at random moments loses nothing a kept snapshot needs', async () => {
    // Two versions, the older forgotten: prune has packs to delete and packs to repack.
    makeTree(src, 2);
    assert.equal(spawnSync(process.execPath, [main, 'repo', '--repo', repoDir, 'snapshot', src], { env }).status, 0);
    const keep = treeHashes(src);
    const f = spawnSync(process.execPath, [main, 'repo', '--repo', repoDir, 'forget', '--keep-last', '1'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(f.status, 0, f.stderr);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await runAndKill(repoDir, ['prune'], 120));
      await assertHealthy(repoDir);
    }
    const r = spawnSync(process.execPath, [main, 'repo', '--repo', repoDir, 'prune'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const c = spawnSync(process.execPath, [main, 'repo', '--repo', repoDir, 'check', '--read-data', '--json'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(c.status, 0, c.stdout + c.stderr);
    const result = JSON.parse(c.stdout) as { ok: boolean; warnings: string[] };
    assert.equal(result.ok, true);
    assert.deepEqual(result.warnings, [], 'the completed prune removed every leftover');
    const repo = await assertHealthy(repoDir);
    const out = join(t.dir, 'restored-after-prune');
    await repo.restore((await repo.findSnapshot('latest')).id, out);
    assert.deepEqual(treeHashes(out), keep);
    assert.equal(outcomes.length, 4);
  });
});

// Crash safety of `ripcord backup copy`: a real copy process is killed with SIGKILL as soon as
// it has written packs into the target; `repo check` on the target then passes (packs nobody
// names yet are a warning, never a snapshot pointing at missing data), and running the copy
// again completes with every snapshot restorable byte for byte.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { openRepository } from '../../src/snapshots/index.ts';
import { pseudoRandom, tempDir } from '../unit/snapshots/fixtures.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const env = {
  ...process.env,
  RIPCORD_PASSPHRASE: 'source pass',
  RIPCORD_TARGET_PASSPHRASE: 'target pass',
  RIPCORD_TEST_SCRYPT_N: '1024',
};

const packsIn = (repo: string): number => {
  const data = join(repo, 'data');
  if (!existsSync(data)) return 0;
  return readdirSync(data).reduce((n, d) => n + readdirSync(join(data, d)).filter((f) => !f.startsWith('.')).length, 0);
};

it('a copy killed with SIGKILL leaves a target that checks clean, and the next run completes', async () => {
  const t = tempDir('ripcord-copy-kill-');
  try {
    const site = join(t.dir, 'site');
    mkdirSync(site);
    for (let i = 0; i < 6; i++) writeFileSync(join(site, `big${i}.bin`), pseudoRandom(9 * 1024 * 1024, 70 + i));
    const a = join(t.dir, 'a');
    const b = join(t.dir, 'b');
    const run = (args: string[], e: NodeJS.ProcessEnv = env) =>
      spawnSync(process.execPath, [main, ...args], { env: e, encoding: 'utf8' });
    for (const args of [
      ['repo', '--repo', a, 'init'],
      ['repo', '--repo', a, 'snapshot', site],
    ])
      assert.equal(run(args).status, 0);

    // Kill the copy once the target holds some packs, before it can finish.
    const child = spawn(process.execPath, [main, 'backup', '--repo', a, 'copy', '--to', b], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let done = false;
    void exited.then(() => (done = true));
    while (!done && packsIn(b) < 1) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    const code = await exited;
    assert.notEqual(code, 0, `the copy finished before it could be killed: ${stderr}`);

    const targetEnv = { ...env, RIPCORD_PASSPHRASE: 'target pass' };
    const check1 = run(['repo', '--repo', b, 'check', '--json'], targetEnv);
    assert.equal(check1.status, 0, check1.stdout + check1.stderr);
    const c1 = JSON.parse(check1.stdout) as { ok: boolean; snapshots: number };
    assert.equal(c1.ok, true);
    assert.equal(c1.snapshots, 0, 'no snapshot before its data is indexed');

    // The killed process's lock is stale (its pid is gone): the re-run takes over.
    const again = run(['backup', '--repo', a, 'copy', '--to', b, '--json']);
    assert.equal(again.status, 0, again.stderr);
    const r = JSON.parse(again.stdout) as { snapshots: { copied: boolean }[] };
    assert.deepEqual(
      r.snapshots.map((s) => s.copied),
      [true],
    );
    const check2 = run(['repo', '--repo', b, 'check', '--read-data', '--json'], targetEnv);
    assert.equal(check2.status, 0, check2.stdout + check2.stderr);
    assert.equal((JSON.parse(check2.stdout) as { ok: boolean }).ok, true);

    const repo = await openRepository(new LocalBackend(b), 'target pass');
    const m = await repo.loadManifest((await repo.findSnapshot('latest')).id);
    for (const e of m.entries.filter((x) => x.type === 'file'))
      assert.deepEqual(await repo.readFile(e), readFileSync(join(site, e.path)), e.path);
    await repo.close();
  } finally {
    t.cleanup();
  }
});

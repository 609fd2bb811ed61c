// `ripcord repo ...` end to end, in process: init, snapshot, snapshots --json, check (exit 0,
// and 1 after damage), stats, forget/prune, key add/list, wrong passphrase (exit 8), the
// passphrase from a file, and no passphrase at all (usage).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { tempDir } from './fixtures.ts';

async function run(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  // The CLI writes strings; the test runner reports to its parent in binary on the same
  // stdout meanwhile, and that must pass through untouched.
  process.stdout.write = ((c: string | Uint8Array, ...rest: never[]) =>
    typeof c === 'string' ? ((out += c), true) : w1(c, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array, ...rest: never[]) =>
    typeof c === 'string' ? ((err += c), true) : w2(c, ...rest)) as typeof process.stderr.write;
  for (const k of ['RIPCORD_PASSPHRASE', 'RIPCORD_PASSPHRASE_FILE', 'RIPCORD_NEW_PASSPHRASE']) delete process.env[k];
  Object.assign(process.env, { RIPCORD_TEST_SCRYPT_N: '1024' }, env);
  const exitBefore = process.exitCode;
  process.exitCode = 0;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.exitCode = exitBefore;
    process.stdout.write = w1;
    process.stderr.write = w2;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('ripcord repo (cli)', () => {
  let t: ReturnType<typeof tempDir>;
  let repo: string;
  let site: string;
  const pass = { RIPCORD_PASSPHRASE: 'cli test secret' };
  before(() => {
    t = tempDir('ripcord-cli-');
    repo = join(t.dir, 'repo');
    site = join(t.dir, 'site');
    mkdirSync(join(site, 'app'), { recursive: true });
    writeFileSync(join(site, 'app', 'index.php'), '<?php echo 1;');
    writeFileSync(join(site, 'evil\u001b[31mname.php'), 'x');
  });
  after(() => t.cleanup());

  it('snapshot --stdin stores standard input whole (a dump piped in), read back by restore', async () => {
    const dir = join(t.dir, 'stdin-repo');
    assert.equal((await run(['repo', '--repo', dir, 'init'], pass)).code, 0);
    const dump = Buffer.from(
      Array.from(
        { length: 120_000 },
        (_, i) => `INSERT INTO orders VALUES (${i},'customer${i % 977}',${i * 3}.5);\n`,
      ).join(''),
    );
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'ripcord.js');
    const env = { ...process.env, ...pass, RIPCORD_TEST_SCRYPT_N: '1024' };
    const snap = spawnSync(
      process.execPath,
      [bin, 'repo', '--repo', dir, 'snapshot', '--stdin', 'shop.sql', '--json'],
      {
        input: dump,
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(snap.status, 0, snap.stderr);
    const id = (JSON.parse(snap.stdout) as { id: string }).id;
    const out = join(t.dir, 'stdin-out');
    const r = await run(['repo', '--repo', dir, 'restore', id, '--target', out], pass);
    assert.equal(r.code, 0, r.err);
    assert.ok(readFileSync(join(out, 'shop.sql')).equals(dump), 'restored byte for byte');
  });

  it('init, snapshot, list, stats and check', async () => {
    const init = await run(['repo', '--repo', repo, 'init', '--json'], pass);
    assert.equal(init.code, 0, init.err);
    assert.equal((JSON.parse(init.out) as { location: string }).location, repo);
    assert.equal((await run(['repo', '--repo', repo, 'init'], pass)).code, 9, 'a second init is refused');
    const s1 = await run(['repo', '--repo', repo, 'snapshot', site, '--tag', 'baseline', '--json'], pass);
    assert.equal(s1.code, 0, s1.err);
    writeFileSync(join(site, 'app', 'new.php'), 'new');
    const s2 = await run(['repo', '--repo', repo, 'snapshot', site], pass);
    assert.match(s2.out, /snapshot [0-9a-f]{8} saved: 3 files/);
    const list = await run(['repo', '--repo', repo, 'snapshots', '--json'], pass);
    const rows = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; tags: string[]; parent?: string });
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]?.tags, ['baseline']);
    assert.equal(rows[1]?.parent, rows[0]?.id, 'the newest snapshot of the same path is the parent');
    const stats = await run(['repo', '--repo', repo, 'stats', '--json'], pass);
    assert.equal((JSON.parse(stats.out) as { snapshots: number }).snapshots, 2);
    const check = await run(['repo', '--repo', repo, 'check', '--read-data'], pass);
    assert.equal(check.code, 0, check.out + check.err);
    assert.match(check.out, /no errors/);
  });

  it('restore latest writes the tree back, names with control characters included', async () => {
    const out = join(t.dir, 'restored');
    const r = await run(['repo', '--repo', repo, 'restore', 'latest', '--target', out], pass);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(out, 'app', 'new.php'), 'utf8'), 'new');
    assert.ok(readdirSync(out).includes('evil\u001b[31mname.php'));
  });

  it('ls lists a snapshot with hostile names escaped', async () => {
    const r = await run(['repo', '--repo', repo, 'ls', 'latest'], pass);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /app\/index\.php/);
    assert.ok(!r.out.includes('\u001b'), 'no raw escape character reaches the terminal');
    assert.ok(r.out.includes('evil\\x1b[31mname.php'));
    const j = await run(['repo', '--repo', repo, 'ls', 'latest', 'app', '--json'], pass);
    assert.deepEqual(
      j.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { path: string }).path),
      ['app', 'app/index.php', 'app/new.php'],
    );
  });

  it('a wrong passphrase exits 8; none at all is a usage error; a file works', async () => {
    assert.equal((await run(['repo', '--repo', repo, 'snapshots'], { RIPCORD_PASSPHRASE: 'wrong' })).code, 8);
    const none = await run(['repo', '--repo', repo, 'snapshots'], {});
    assert.equal(none.code, 2);
    assert.match(none.err, /RIPCORD_PASSPHRASE/);
    const f = join(t.dir, 'pass.txt');
    writeFileSync(f, 'cli test secret\n');
    assert.equal((await run(['repo', '--repo', repo, 'snapshots'], { RIPCORD_PASSPHRASE_FILE: f })).code, 0);
  });

  it('key add and list; the new passphrase opens the repository', async () => {
    const add = await run(['repo', '--repo', repo, 'key', 'add', '--json'], {
      ...pass,
      RIPCORD_NEW_PASSPHRASE: 'second secret',
    });
    assert.equal(add.code, 0, add.err);
    const list = await run(['repo', '--repo', repo, 'key', 'list', '--json'], { RIPCORD_PASSPHRASE: 'second secret' });
    const keys = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; current: boolean });
    assert.equal(keys.length, 2);
    assert.equal(keys.find((k) => k.current)?.id, (JSON.parse(add.out) as { id: string }).id);
  });

  it('forget --keep-last 1 --prune leaves one snapshot; check exits 1 after a pack is damaged', async () => {
    const f = await run(['repo', '--repo', repo, 'forget', '--keep-last', '1', '--prune', '--json'], pass);
    assert.equal(f.code, 0, f.err);
    assert.equal(
      f.out
        .trim()
        .split('\n')
        .filter((l) => (JSON.parse(l) as { action?: string }).action === 'remove').length,
      1,
    );
    assert.equal((await run(['repo', '--repo', repo, 'snapshots', '--json'], pass)).out.trim().split('\n').length, 1);
    assert.equal((await run(['repo', '--repo', repo, 'forget'], pass)).code, 2, 'forget without a rule is refused');
    const dataDir = join(repo, 'data');
    // Prune may leave empty data/xx/ folders: take the first folder that holds a pack.
    const sub = readdirSync(dataDir).find((d) => readdirSync(join(dataDir, d)).length > 0) as string;
    const pack = join(dataDir, sub, readdirSync(join(dataDir, sub))[0] as string);
    const bytes = readFileSync(pack);
    bytes[3] = (bytes[3] as number) ^ 0x40;
    writeFileSync(pack, bytes);
    const c = await run(['repo', '--repo', repo, 'check', '--read-data', '--json'], pass);
    assert.equal(c.code, 1);
    assert.equal((JSON.parse(c.out) as { ok: boolean }).ok, false);
  });
});

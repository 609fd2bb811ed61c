// Resuming an interrupted restore: files already at the target with the recorded size and
// SHA-256 are kept (counted as skipped, mode and time set again); a file with the same size
// but other bytes, a missing file and a symlink in a file's place are written again, and the
// temp files the interrupted restore left are removed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { memoryRepo, pseudoRandom, tempDir } from './fixtures.ts';

test('resume skips identical files and rewrites changed, missing and swapped ones', async () => {
  const { repo } = await memoryRepo();
  const src = tempDir();
  const dst = tempDir();
  try {
    const site = join(src.dir, 'site');
    mkdirSync(join(site, 'app'), { recursive: true });
    const files: Record<string, Buffer> = {
      'index.php': Buffer.from('<?php echo "shop";\n'),
      'app/big.bin': pseudoRandom(600_000, 7),
      'app/conf.php': Buffer.from('<?php return [1, 2, 3];\n'),
      'app/gone.txt': Buffer.from('will be deleted\n'),
    };
    for (const [p, b] of Object.entries(files)) writeFileSync(join(site, p), b);
    chmodSync(join(site, 'app', 'conf.php'), 0o640);
    const snap = await repo.snapshot([site]);

    const first = await repo.restore(snap.id, dst.dir, { within: dst.dir, resume: true, filter: (e) => e.path !== '' });
    assert.equal(first.skipped, 0);
    assert.equal(first.files, 4);

    // The "interruption": one file has other bytes of the same size, one is missing, one
    // became a symlink, and one identical file lost its mode and time.
    writeFileSync(join(dst.dir, 'index.php'), Buffer.from('<?php echo "evil";\n'));
    rmSync(join(dst.dir, 'app', 'gone.txt'));
    rmSync(join(dst.dir, 'app', 'big.bin'));
    symlinkSync('/etc/passwd', join(dst.dir, 'app', 'big.bin'));
    chmodSync(join(dst.dir, 'app', 'conf.php'), 0o666);
    utimesSync(join(dst.dir, 'app', 'conf.php'), 1, 1);
    const leftover = join(dst.dir, 'app', '.gone.txt.ripcord-tmp-0123456789ab');
    writeFileSync(leftover, 'half a file');

    const again = await repo.restore(snap.id, dst.dir, { within: dst.dir, resume: true, filter: (e) => e.path !== '' });
    assert.equal(again.skipped, 1, 'only conf.php is already right');
    for (const [p, b] of Object.entries(files)) assert.deepEqual(readFileSync(join(dst.dir, p)), b, p);
    assert.ok(statSync(join(dst.dir, 'app', 'big.bin')).isFile());
    assert.equal(existsSync(leftover), false, 'the temp file of the interrupted restore is removed');
    const st = statSync(join(dst.dir, 'app', 'conf.php'));
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(Math.round(st.mtimeMs), Math.round(statSync(join(site, 'app', 'conf.php')).mtimeMs));

    const third = await repo.restore(snap.id, dst.dir, { within: dst.dir, resume: true, filter: (e) => e.path !== '' });
    assert.equal(third.skipped, 4, 'a finished restore resumed writes nothing');
  } finally {
    src.cleanup();
    dst.cleanup();
    await repo.close();
  }
});

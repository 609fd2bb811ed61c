// Content built to break a scanner, and real code that once did: a chain of thousands of
// concatenations, nesting past the parser's stack, a variable merged into itself. None may end
// the scan of the other files, and none may pass as clean for having broken the reader.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();
const scan = (text: string, rel = 'x.php') => scanContent(text, { path: rel, rel }, rules);
const ruleIds = (text: string) => scan(text).map((f) => f.rule);

/** A defanged request-to-shell line whose command is one concatenation of `n` pieces (variables among them, so no literal folding shortens it). */
const longChain = (n: number) =>
  `<?php\n$z = '';\n$c = 'ec' . ${Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '$z' : `'${i % 10}'`)).join(' . ')} . $_GET['c'];\nsystem($c);\n`;

describe('scanner traps', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a request reaching a shell through a chain of 3,000 concatenations is found, not a stack overflow', () => {
    const ids = ruleIds(longChain(3_000));
    assert.ok(ids.includes('php-request-to-shell'), ids.join(', '));
    assert.ok(!ids.includes('analysis-failed'));
  });

  it('a variable merged into itself (a router script does `$_SERVER = array_merge($_SERVER, $_ENV)`) is read, and is clean', () => {
    const router = `<?php
$_SERVER = array_merge($_SERVER, $_ENV);
$_SERVER['SCRIPT_NAME'] = DIRECTORY_SEPARATOR . 'index.php';
error_log(sprintf('%s [%d]: %s', $_SERVER['REMOTE_ADDR'], http_response_code(), $_SERVER['REQUEST_URI']), 4);
require 'index.php';
`;
    assert.deepEqual(ruleIds(router), []);
    const self = `<?php\n$parts = array_merge($parts, ['sys', 'tem']);\n$f = implode('', $parts);\n$f($_GET['c']);\n`;
    assert.ok(!ruleIds(self).includes('analysis-failed'));
  });

  it('code nested past what the parser can read is reported as such, beside what the rules still see', () => {
    const n = 20_000;
    const nested = `<?php\n$c = ${'['.repeat(n)}$_GET['c']${']'.repeat(n)};\nsystem($c);\n`;
    const found = scan(nested);
    const failed = found.find((f) => f.rule === 'analysis-failed');
    assert.ok(failed !== undefined, found.map((f) => f.rule).join(', '));
    assert.equal(failed.severity, 'medium');
    assert.match(failed.match, /call stack/);
    // The rules still run on such a file: an eval of the request is named beside it.
    const withEval = `<?php\n$a = ${'('.repeat(n)}1${')'.repeat(n)};\neval($_POST['z']);\n`;
    const ids = ruleIds(withEval);
    assert.ok(ids.includes('php-exec-request') && ids.includes('analysis-failed'), ids.join(', '));
  });

  it('`ripcord integrity scan` goes on past a file that breaks the reader and reports every file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-traps-'));
    dirs.push(dir);
    const site = join(dir, 'site');
    mkdirSync(site);
    const n = 20_000;
    writeFileSync(join(site, 'a-trap.php'), `<?php\n$c = ${'['.repeat(n)}$_GET['c']${']'.repeat(n)};\nsystem($c);\n`);
    writeFileSync(join(site, 'b-chain.php'), longChain(3_000));
    writeFileSync(join(site, 'c-shell.php'), "<?php @eval($_POST['p']);\n");
    writeFileSync(join(site, 'd-clean.php'), "<?php echo 'hello';\n");
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'ripcord.js');
    const r = spawnSync(
      process.execPath,
      [bin, '--state-dir', join(dir, 'state'), 'integrity', 'scan', site, '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 1, r.stderr);
    const files = new Set(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { path?: string }).path ?? '')
        .map((p) => p.split('/').pop()),
    );
    assert.deepEqual([...files].sort(), ['a-trap.php', 'b-chain.php', 'c-shell.php']);
  });
});

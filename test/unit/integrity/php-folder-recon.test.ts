// Folders the request names, listed and tested for write access: the file browser of a web shell
// and the recon tool that finds where on the server files can be dropped. Defanged samples.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { reportAt } from '../../../src/integrity/scan/signals.ts';

const signals = (code: string) => analysePhp(`<?php ${code}`).signals;
const weightOf = (code: string, id: string) => signals(code).find((s) => s.id === id)?.weight ?? 0;
const score = (code: string) => signals(code).reduce((n, s) => n + s.weight, 0);

const walker = (start: string) =>
  `function walk($d) { if ($h = opendir($d)) { while (($e = readdir($h)) !== false) { if ($e !== '.' && $e !== '..' && is_dir("$d/$e")) { if (is_writable("$d/$e")) echo "$d/$e writable"; walk("$d/$e"); } } } } walk(${start});`;

test('a walk of any folder the request names, telling which are writable, is recon', () => {
  assert.equal(weightOf(walker("$_GET['dir']"), 'php-request-folder-listing'), 6);
  assert.equal(weightOf(walker("$_GET['dir']"), 'php-writable-recon'), 4);
  assert.ok(score(walker("$_GET['dir']")) >= reportAt);
  // Through a variable set from the request, with scandir.
  assert.equal(
    weightOf(
      "$p = $_POST['p']; foreach (scandir($p) as $f) echo $f, is_writable(\"$p/$f\") ? ' w' : '';",
      'php-request-folder-listing',
    ),
    6,
  );
});

test('a folder under a fixed one, or the site’s own, is no reason', () => {
  assert.equal(weightOf(walker("__DIR__ . '/media/' . basename($_GET['dir'])"), 'php-request-folder-listing'), 0);
  assert.equal(weightOf(walker("'/var/www/shop/var'"), 'php-request-folder-listing'), 0);
  // An installer checking its own folders for write access lists nothing the request names.
  assert.ok(score("foreach (['var', 'media'] as $d) if (!is_writable($d)) echo $_GET['lang'] . $d;") < reportAt);
});

// PHP 4 and 5 spellings that PHP 8's grammar rejects (`=& new`, later keywords used as names):
// the analyser reads such a file as the same code spelled today, line for line, so the flows
// after the old spelling are still seen. Defanged samples written here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analysePhp, olderPhpRespelled, scriptTagsRespelled } from '../../../src/integrity/scan/php-analysis.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';
import { sniffLanguages } from '../../../src/integrity/scan/sniff.ts';

const ids = (code: string) => analysePhp(`<?php ${code}`).signals.map((s) => s.id);

test('old spellings are respelled as today’s code', () => {
  assert.equal(olderPhpRespelled('$o =& new Obj();'), '$o =  new Obj();');
  assert.equal(olderPhpRespelled('$o = &new Obj();'), '$o =  new Obj();');
  assert.equal(olderPhpRespelled('if ($_GET[readonly]) x();'), "if ($_GET['readonly']) x();");
  assert.equal(
    olderPhpRespelled('function match($a) { return $a; } $b = match($c); $o->match($d); Cls::match($e);'),
    'function match_($a) { return $a; } $b = match_($c); $o->match($d); Cls::match($e);',
  );
  // A match expression of today's PHP (no function of that name) is left alone.
  assert.equal(olderPhpRespelled('$x = match($y) { 1 => 2 };'), '$x = match($y) { 1 => 2 };');
});

test('a flow through a function named with a later keyword is seen', () => {
  assert.ok(ids("function match($a) { return $a; } system(match($_POST['c']));").includes('php-request-to-shell'));
  assert.ok(
    ids("$sh =& new Runner(); if (isset($_REQUEST[readonly])) eval($_REQUEST['code']);").includes(
      'php-request-to-eval',
    ),
  );
});

test('respelling keeps every line where it was', () => {
  const piece = fc.constantFrom(
    '$o =& new A;',
    '$o = &\nnew A;',
    'function match($x) {}\n',
    'match($y);',
    '$_GET[ readonly ]',
    '$a->fn(1);',
    '"=& new"',
    '\n',
    ' ',
    'enum(',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const code = parts.join('');
      const out = olderPhpRespelled(code);
      return out.split('\n').length === code.split('\n').length && olderPhpRespelled(out) === out;
    }),
  );
});

test('PHP 5’s `<script language="php">` tag is read as PHP, on the same lines and offsets', () => {
  const file = `<html><body>\n<script language="php">\n$x = $_POST['a'];\neval($x);\n</script>\n<p>hi</p>\n`;
  const respelled = scriptTagsRespelled(file);
  assert.equal(respelled.length, file.length);
  assert.deepEqual(
    respelled.split('\n').map((l) => l.length),
    file.split('\n').map((l) => l.length),
  );
  assert.match(respelled, /^<html><body>\n<\?php {18}\n\$x = \$_POST\['a'\];\neval\(\$x\);\n\?> {7}\n<p>hi<\/p>\n$/);
  const found = analysePhp(file).signals.find((s) => s.id === 'php-request-to-eval');
  assert.equal(found?.line, 4);
  // The scanner's path too, where the keyword screen decides whether the respelling runs.
  assert.ok(
    scanContent(file, { path: 'page.php', rel: 'page.php' }, loadCodeRules()).some(
      (f) => f.rule === 'php-request-to-eval',
    ),
  );
  // Quoted either way, or not at all, and with other attributes.
  for (const tag of ["<script language='php'>", '<SCRIPT LANGUAGE=php>', '<script type="x" language="PHP" >'])
    assert.ok(analysePhp(`${tag} system($_GET['c']); </script>`).signals.some((s) => s.id === 'php-request-to-shell'));
  // A JavaScript tag is left alone, and sniffed as no PHP.
  const js = '<script language="javascript">var a = 1;</script>';
  assert.equal(scriptTagsRespelled(js), js);
  assert.deepEqual(sniffLanguages('page.html', js).includes('php'), false);
  assert.ok(sniffLanguages('notes.txt', "<script language='php'>eval($_POST[1]);</script>").includes('php'));
});

test('a variable reassigned in turn with another is read at each assignment (str_replace chains before eval)', () => {
  // Defanged: the two variables take turns, each replacing a marker in the other's value.
  const code = `$a = "EVA(\\$_POST['k'])Q";
$b = str_replace("EVA", "eval", $a);
$a = str_replace("Q", ";", $b);
$b = str_replace("POST", "POST", $a);
$a = str_replace("k", "key", $b);
$b = str_replace("zz", "", $a);
$a = str_replace("yy", "", $b);
$b = str_replace("xx", "", $a);
$a = str_replace("ww", "", $b);
$b = str_replace("vv", "", $a);
$a = str_replace("uu", "", $b);
eval($a);`;
  assert.ok(ids(code).includes('php-request-to-eval'), ids(code).join(', '));
  // The same with a harmless payload says nothing of a request.
  assert.ok(!ids(code.replace("\\$_POST['k']", "'ok'")).includes('php-request-to-eval'));
});

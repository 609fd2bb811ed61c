// PHP 4 and 5 spellings that PHP 8's grammar rejects (`=& new`, later keywords used as names):
// the analyser reads such a file as the same code spelled today, line for line, so the flows
// after the old spelling are still seen. Defanged samples written here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analysePhp, olderPhpRespelled } from '../../../src/integrity/scan/php-analysis.ts';

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

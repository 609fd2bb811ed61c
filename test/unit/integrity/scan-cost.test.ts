// Shortcuts the scanner takes to save time, each checked to change no verdict: PHP code that can
// do nothing (data files) is not parsed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysePhp, codeActs } from '../../../src/integrity/scan/php-analysis.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();

test('codeActs: data whose strings name functions does nothing; any call, eval, include or shell does', () => {
  const data = `<?php declare(strict_types = 1);
$ignoreErrors = [];
$ignoreErrors[] = ['message' => 'Parameter #1 $callback of function call_user_func() expects callable, eval($_POST) given.', 'count' => 1, 'path' => __DIR__ . '/../x.php'];
# a comment with system($_GET[1]);
/* and eval(base64_decode($x)); */
return array('parameters' => ['ignoreErrors' => $ignoreErrors]);
`;
  assert.equal(codeActs(data), false);
  assert.equal(codeActs('<p>Don\'t run(this)</p><?php $a = "x"; ?> more(markup)'), false);
  for (const acting of [
    '<?php foo();',
    '<?php $f($x);',
    '<?php $o->m ();',
    '<?php X::m();',
    '<?php ("sys" . "tem")("id");',
    '<?php "system"("id");',
    '<?php $a[0]("id");',
    '<?php eval  $x;',
    '<?php EVAL($x);',
    "<?php include 'x.png';",
    '<?php require_once $f;',
    '<?php `id`;',
    '<?php new X;',
    '<?php goto a;',
    '<?php $$k = $v;',
    '<?php ${"k"} = $v;',
    '<?php $a = "{$o->run()}";',
    '<?php $a = <<<EOT\nx\nEOT;',
    '<?php #[Attr] $a = 1;',
    "<?php $a = 'unclosed",
    '<?php /* unclosed',
    // A `<?` inside what looks like a string or a comment may be code the parser reads.
    "<?xml a='1'?><p>it's</p><?php system($_GET['c']); ?>'",
    "<? $a = 1; // x ?> it's <?php eval($_GET['c']); ?>'",
  ])
    assert.equal(codeActs(acting), true, acting);
});

test('a data file that names functions in strings is skipped, a shell in the same shape is not', () => {
  const rows = Array.from(
    { length: 50 },
    (_, i) =>
      `$e[] = ['message' => 'Parameter #${i} $cmd of function system expects string, $_GET given to eval().', 'count' => 1];`,
  ).join('\n');
  const data = `<?php\n${rows}\nreturn $e;\n`;
  const r = analysePhp(data);
  assert.equal(r.parsed, false);
  assert.deepEqual(r.signals, []);
  const shell = `${data}system($_GET['cmd']);\n`;
  assert.equal(analysePhp(shell).parsed, true);
  assert.ok(scanContent(shell, { path: 'x.php', rel: 'x.php' }, rules).length > 0);
});

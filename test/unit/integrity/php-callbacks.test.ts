// Code run under another name: a closure, a create_function or a function of the file's own
// that hands its argument to eval (an eval alias) given as a callback; ob_start's callback,
// which gets the page's output; the request spread into a callback-taking function; a pattern
// the request chooses (and with it preg_replace's /e); a parameter that shares its name with a
// global; $_SERVER's values by position; EXIF fields; and an object-injection gadget beside an
// unserialize of the request. Defanged samples written here (the commands are `id`), beside
// vendor-shaped code that uses the same functions for their everyday work.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();
const ruleIds = (text: string) => scanContent(text, { path: 'x.php', rel: 'x.php' }, rules).map((f) => f.rule);

const backdoors: [string, string, string][] = [
  [
    'a closure that evals its argument, given the request',
    `<?php\narray_map(function ($x) { eval($x); }, $_POST);\n`,
    'php-request-to-eval',
  ],
  [
    'an arrow function asserting its argument',
    `<?php\narray_walk($_GET, fn ($v) => assert($v));\n`,
    'php-request-to-eval',
  ],
  [
    'create_function as a callback of a regex replace on the request',
    `<?php\nmb_ereg_replace_callback('.+', create_function('$m', 'return assert($m[0]);'), $_REQUEST['op']);\n`,
    'php-request-to-eval',
  ],
  [
    'create_function whose body evals its parameter, handed to a library',
    `<?php\n$m = new Memcache();\n$m->addServer('localhost', 11211, true, 1, 0, -1, true, create_function('$a,$b', 'return assert($a);'));\n`,
    'php-eval-alias',
  ],
  [
    "a function of the file's own, named as FILTER_CALLBACK",
    `<?php\nfunction ff($s) { return eval($s); }\necho filter_var($_POST['a'], FILTER_CALLBACK, array('options' => 'ff'));\n`,
    'php-request-to-eval',
  ],
  [
    'ob_start handing the output to assert',
    `<?php\nob_start('assert');\necho $_REQUEST['p'];\nob_end_flush();\n`,
    'php-request-to-eval',
  ],
  [
    'ob_start handing the output to a shell',
    `<?php\nob_start('system');\necho 'id';\nob_end_flush();\n`,
    'php-output-to-eval',
  ],
  ['the request spread into usort', `<?php usort(...$_GET);`, 'php-request-as-function'],
  ['preg_filter with /e', `<?php @preg_filter('|.*|e', $_REQUEST['c'], '');`, 'php-preg-eval'],
  [
    'a pattern and a replacement the request chooses',
    `<?php preg_replace($_GET['a'], $_GET['b'], '');`,
    'php-preg-eval',
  ],
  [
    'a pattern and a replacement from an image EXIF fields',
    `<?php $e = exif_read_data('./a.jpg'); preg_replace($e['Make'], $e['Model'], '');`,
    'php-preg-eval',
  ],
  [
    'a parameter named like a global, evaluated',
    `<?php\n$a = "www.example.com";\nfunction run($a) {\n  eval($a);\n}\nrun($_POST['x']);\n`,
    'php-request-to-eval',
  ],
  [
    "$_SERVER's values by position to a shell",
    `<?php\n$a = array_values($_SERVER);\nsystem($a[6]);\n`,
    'php-request-to-shell',
  ],
  [
    'a destructor that evals a property, and the request unserialised',
    `<?php\nclass Foo {\n  public $data = 'x';\n  function __destruct() { eval($this->data); }\n}\nunserialize($_GET['id']);\n`,
    'php-object-injection',
  ],
];

const vendor: [string, string][] = [
  ['ob_start with a template filter', `<?php\nob_start('ob_gzhandler');\necho $_GET['page'] ?? '';\nob_end_flush();\n`],
  [
    'ob_start with a closure that trims',
    `<?php\nob_start(function ($b) { return trim($b); });\necho htmlspecialchars($_GET['q']);\n`,
  ],
  [
    'create_function that formats',
    `<?php\n$f = create_function('$m', 'return strtoupper($m[1]);');\necho preg_replace_callback('/_(.)/', $f, $_GET['k']);\n`,
  ],
  [
    'a closure that escapes the request',
    `<?php\n$out = array_map(function ($x) { return htmlspecialchars($x); }, $_POST);\n`,
  ],
  [
    'a template engine evaluating its compiled template',
    `<?php\nclass Tpl {\n  public $compiled = '';\n  function render() { eval('?>' . $this->compiled); }\n}\n$t = new Tpl();\n`,
  ],
  ['preg_replace with a literal pattern on the request', `<?php echo preg_replace('/[^a-z]/', '', $_GET['q']);`],
  ['EXIF fields printed', `<?php $e = exif_read_data($path); echo htmlspecialchars($e['Model']);`],
  [
    'a serialised cookie read back',
    `<?php\n$cart = unserialize($_COOKIE['cart'], ['allowed_classes' => false]);\nclass A { function __destruct() { $this->close(); } }\n`,
  ],
];

describe('callbacks and other names for eval', () => {
  for (const [name, code, rule] of backdoors)
    it(`${name} is found (${rule})`, () => {
      const ids = ruleIds(code);
      assert.ok(ids.includes(rule), `${name}: ${ids.join(', ') || 'nothing'}`);
    });
  it('vendor code using the same functions for everyday work is clean', () => {
    for (const [name, code] of vendor) assert.deepEqual(ruleIds(code), [], name);
  });
});

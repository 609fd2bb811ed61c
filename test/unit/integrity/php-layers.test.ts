// Packed PHP is unpacked layer by layer (decoded here, never run) and judged by what the
// innermost code does: a vendor's licence check packed a dozen layers deep is not a finding,
// a request-to-eval backdoor packed the same way is. rawurldecode decodes bytes, as PHP does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { reportAt } from '../../../src/integrity/scan/signals.ts';

/** Every byte percent-encoded, as PHP's rawurlencode does for binary. */
const rawurlencode = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** `code` wrapped in `layers` evals, alternating gzinflate(rawurldecode(…)) and base64_decode(…). */
function pack(code: string, layers: number): string {
  let c = code;
  for (let i = 0; i < layers; i++)
    c =
      i % 2 === 0
        ? `eval(gzinflate(rawurldecode('${rawurlencode(deflateRawSync(Buffer.from(c, 'latin1')))}')));`
        : `eval(base64_decode('${Buffer.from(c, 'latin1').toString('base64')}'));`;
  return `<?php\n${c}\n`;
}

const score = (text: string) => analysePhp(text).signals.reduce((s, x) => s + x.weight, 0);

test('a licence check packed twelve layers deep is read to the bottom and not reported', () => {
  const licence =
    "class Vendor_Licence { public function isValid($key) { return hash_hmac('sha256', $_SERVER['HTTP_HOST'], 'v') === $key; } }";
  assert.ok(score(pack(licence, 12)) < reportAt, JSON.stringify(analysePhp(pack(licence, 12)).signals));
});

test('a backdoor packed twelve layers deep is judged by what it does', () => {
  const shell = "if (isset($_POST['k'])) { eval(stripslashes($_POST['k'])); }";
  const ids = analysePhp(pack(shell, 12)).signals.map((s) => s.id);
  assert.ok(ids.includes('php-request-to-eval'), ids.join(', '));
});

test('rawurldecode decodes percent-escaped bytes one by one (binary for gzinflate)', () => {
  // %8B alone is not UTF-8: decoded as text it would fail, as bytes it is one byte.
  const shell = "if (isset($_POST['k'])) { eval($_POST['k']); }";
  const text = `<?php eval(gzinflate(rawurldecode('${rawurlencode(deflateRawSync(Buffer.from(shell)))}')));`;
  assert.ok(analysePhp(text).signals.some((s) => s.id === 'php-request-to-eval'));
});

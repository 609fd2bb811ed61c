// The self-reading loader's tail, decoded here: a program written after `?>` in base64 with a
// shuffled alphabet comes out when the code (or a layer eval runs) names the strtr pair, at any
// alignment and in several padded chunks; markup after `?>`, a file that never reads itself and
// a loader without the pair yield nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trailerPayload } from '../../../src/integrity/scan/php-trailer.ts';

const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// A fixed shuffle: the alphabet read backwards.
const shuffled = [...standard].reverse().join('');
const shuffle = (b64: string) => [...b64].map((c) => (c === '=' ? c : shuffled[standard.indexOf(c)])).join('');
const packed = (program: string) => shuffle(Buffer.from(program, 'latin1').toString('base64'));
const loader = `<?php $O0O0=__FILE__;$OO00=base64_decode('bGF5ZXI=');eval($OO00);return;?>`;
const pair = `strtr($x,'${shuffled}','${standard}')`;

test('the program after ?> comes out when a layer names the alphabet pair', () => {
  const program = 'echo "first stage"; $page = isset($page) ? $page : "home"; echo $page;';
  const text = `${loader}${packed(program)}`;
  assert.equal(trailerPayload(text, [pair]), program);
  // The pair in the file's own text serves as well.
  assert.equal(trailerPayload(`${loader.replace('return;', `/* ${pair} */return;`)}${packed(program)}`, []), program);
});

test('chunks laid end to end, each padded, decode as one program; leading junk is skipped', () => {
  const first = '$next = 1;';
  const second = 'if ($next) { echo "second stage"; }';
  const text = `${loader}~${packed(first)}${packed(second)}`;
  assert.equal(trailerPayload(text, [pair]), `${first}${second}`);
});

test('markup after ?>, a file that does not read itself, or no alphabet pair: nothing', () => {
  const program = 'echo "a program long enough to fill a trailer of some length";';
  assert.equal(
    trailerPayload(`${loader}\n<html><body>${'<p>plain page text</p>'.repeat(10)}</body></html>`, [pair]),
    null,
  );
  assert.equal(trailerPayload(`${loader.replace('__FILE__', "'x'")}${packed(program)}`, [pair]), null);
  assert.equal(trailerPayload(`${loader}${packed(program)}`, [`strtr($x,'${standard}','${standard}')`]), null);
  assert.equal(trailerPayload(`${loader}${packed(program)}`, []), null);
});

// The rotation cipher's reader on scripts written here: a decoder spelled in either minified form
// has its calls read (a literal and two numbers), any other three-parameter function does not,
// and a rotation reads back what it hid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'acorn';
import { full } from 'acorn-walk';
import { decodeRotationCalls, unrotate } from '../../../src/integrity/scan/js-rotation.ts';

const decoded = (script: string) => [
  ...decodeRotationCalls(parse(script, { ecmaVersion: 'latest' }), script, full).values(),
];

test('a rotation reads back the letters it hid, whatever the start and stride', () => {
  assert.equal(unrotate('SOPT', 14, 23), 'POST');
  assert.equal(unrotate('uxea,ttli ,aent rcpeset', 31, 5), 'input, select, textarea');
  assert.equal(unrotate('', 3, 4), '');
});

test('calls of a decoder in either minified form are read', () => {
  const first =
    'function c(n,e,i){for(var t=e%n.length,r="";r.length<n.length;t=(t+i)%n.length)r+=n.charAt(t);return r} x.open(c("SOPT",14,23));';
  assert.deepEqual(decoded(first), ['POST']);
  const second =
    'function r(t,e,n){for(var i="",r=t.length,a=e%r;i.length<r;a=(a+n)%r)i+=t.charAt(a);return i} x.open(r("SOPT",14,23));';
  assert.deepEqual(decoded(second), ['POST']);
});

test('another function of three parameters, or the parameters in other places, is not a decoder', () => {
  assert.deepEqual(decoded('function c(a,b,d){return a.slice(b,d)} c("SOPT",1,2);'), []);
  // Start and stride swapped in the loop: not the cipher the calls assume.
  const swapped =
    'function c(n,e,i){for(var t=i%n.length,r="";r.length<n.length;t=(t+e)%n.length)r+=n.charAt(t);return r} c("SOPT",14,23);';
  assert.deepEqual(decoded(swapped), []);
});

// The shell reader on routed values with the route's own segment after them (`/orders/<value>/items`):
// a recon command alone in a segment, a program path in a system binary folder after a pipe or
// on its own; and a `+` glued to the command after a separator in a value that has spaces too
// (`… $&&dir+c:`); a value opening with `&` and one command alone (`&id`). Defanged samples written here, beside shop paths that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi, reconCommands } from '../../../src/detect/cmdi.ts';
import { flagged } from './requests.ts';

const routes = ['/rest/default/V1/orders/', '/catalog/product/view/id/', '/rest/V1/products/'];
const tails = ['', '/items', '/view', '/1'];

test('property: a recon command or a system program path as a routed value is cmdi, whatever segment follows', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...routes),
      fc.constantFrom(...tails),
      fc.constantFrom(
        ...reconCommands,
        '|usr/bin/id',
        '|bin/uname',
        '/bin/true',
        '%2Fusr%2Fbin%2Fenv',
        'bin/visudo',
        'usr/sbin/sshpass',
      ),
      (route, tail, value) => {
        const p = `${route}${value}${tail}`;
        assert.ok(flagged('cmdi', p, ''), p);
      },
    ),
    { numRuns: 200 },
  );
});

test('property: shop routes with words, ids and bins are not cmdi', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...routes),
      fc.constantFrom(...tails),
      fc.constantFrom('recycle-bin', 'bin/storage', 'bins/12', 'trash-bin/old', 'whoami-tshirt', 'uname', 'netstats'),
      (route, tail, value) => {
        // `uname` alone is the recon command; as a product's name it comes with more words
        const v = value === 'uname' ? 'uname-sticker' : value;
        const p = `${route}${v}${tail}`;
        assert.ok(!flagged('cmdi', p, ''), p);
      },
    ),
    { numRuns: 200 },
  );
  for (const p of ['/media/bin/x.jpg', '/catalog/product/view/id/42/category/7', '/blog/usr/bin-ideas'])
    assert.ok(!flagged('cmdi', p, ''), p);
});

test('a + glued to the command after a separator is a space, in a value with spaces of its own', () => {
  for (const v of ['+dir+c:",8,x y $&&dir+c:"', 'a b;ls+-la', 'x y|type+c:\\boot.ini'])
    assert.notEqual(detectCmdi(v), null, v);
  for (const v of ['salt & pepper+spice', 'rock & roll+more', 'a b; c+d', 'tom & jerry+friends'])
    assert.equal(detectCmdi(v), null, v);
});

test('a value opening with & and one command alone is cmdi; & and a word is not', () => {
  for (const v of ['&id', '& pwd', '&ls', '& whoami', '&&dir']) assert.notEqual(detectCmdi(v), null, v);
  for (const v of ['& more', '&co', '& sons', 'salt & pepper', '& type']) assert.equal(detectCmdi(v), null, v);
});

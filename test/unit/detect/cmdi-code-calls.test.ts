// Server-side code by structure: a statement broken into, then a function called without
// arguments and the statement closed (`:phpversion();`, `;getcwd();`), which no word or search
// is. Defanged samples written here, beside shop searches with brackets and semicolons.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flagged } from './requests.ts';

test('property: a break, then any name called without arguments and closed, is code injection', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(';', ':', "'", '"', ')', '}'),
      fc.stringMatching(/^[a-z_][a-z0-9_]{2,20}$/),
      (brk, name) => {
        const q = `q=${encodeURIComponent(`${brk}${name}();`)}`;
        assert.ok(flagged('cmdi', '/catalogsearch/result/', q), q);
      },
    ),
    { numRuns: 200 },
  );
});

test('shop searches with brackets, semicolons and smileys are not code', () => {
  for (const v of [
    'wink ;) smile();',
    "it's fun();",
    'size (m); colour (red)',
    'a:b(); c',
    'set of 2 (); pack',
    'mug ;()',
  ])
    assert.ok(!flagged('cmdi', '/catalogsearch/result/', `q=${encodeURIComponent(v)}`), v);
});

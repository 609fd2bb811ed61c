// The shell reader on commands assembled so no filter sees their name: an empty command
// substitution inside the word (`wh$()oami`), bash's ANSI-C quoting with the letters escaped
// (`$'\x77…'`, `$'\167…'`), variables the value sets and then uses (`x=who;y=ami;$x$y`), and
// quoted letters inside words (`/b'i'n/c'a't`).
// Defanged samples written here, beside shop text with `$`, `=` and quotes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { flagged } from './requests.ts';

const samples = [
  'x;wh$()oami',
  'x|wh``oami',
  "x;$'whoami'",
  '$"uname" -a',
  'x; a=who;b=ami;$a$b',
  'x;c=uname;${c} -a',
  'p=/etc/passwd;cat $p',
  // quoted letters inside words
  ";/b'i'n/c'a't /e't'c/p'a'sswd",
  'x;w"ho"am"i"',
];

const shop = [
  "o'neil's shop",
  "rock 'n' roll",
  'the "best" lamp',
  'price=$5',
  'a=b $a',
  "it's $'s worth",
  'save $10 on shoes',
  'x=1; y=2',
  'size=m;$color',
  'us$ 20',
];

test('empty substitutions, ANSI-C quoting and the value’s own variables are read as the shell reads them', () => {
  for (const s of samples) assert.notEqual(detectCmdi(s), null, s);
  for (const s of shop) assert.equal(detectCmdi(s), null, s);
});

test('property: a command spelled in ANSI-C quoting with any mix of hex and octal escapes is found through the gate', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('whoami', 'uname', 'ifconfig', 'netstat'),
      fc.array(fc.constantFrom('plain', 'hex', 'octal'), { minLength: 10, maxLength: 10 }),
      fc.constantFrom('x;', 'x|', 'x&&'),
      (cmd, forms, sep) => {
        const body = [...cmd]
          .map((c, i) => {
            const code = c.charCodeAt(0);
            const form = forms[i] ?? 'plain';
            return form === 'hex' ? `\\x${code.toString(16)}` : form === 'octal' ? `\\${code.toString(8)}` : c;
          })
          .join('');
        return flagged('cmdi', '/search', `q=${encodeURIComponent(`${sep}$'${body}'`)}`);
      },
    ),
    { numRuns: 60 },
  );
});

test('property: a command split into variables set before it is found; the same variables used in prose are not', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('whoami', 'ifconfig', 'systeminfo'),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom('a', 'x', 'v1'),
      fc.constantFrom('b', 'y', 'v2'),
      (cmd, cut, p, q) => {
        const v = `z;${p}=${cmd.slice(0, cut)};${q}=${cmd.slice(cut)};$${p}\${${q}}`;
        return flagged('cmdi', '/search', `q=${encodeURIComponent(v)}`);
      },
    ),
    { numRuns: 40 },
  );
  fc.assert(
    fc.property(fc.constantFrom('red', 'blue', 'sale', 'gift'), (w) => detectCmdi(`colour=${w};$colour`) === null),
  );
});

test('property: a command with any of its letters quoted inside the word is found through the gate', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('whoami', 'ifconfig', 'netstat'),
      fc.array(fc.constantFrom('', "'", '"'), { minLength: 8, maxLength: 8 }),
      fc.constantFrom('x;', 'x|', 'x&&'),
      (cmd, quotes, sep) => {
        const word = [...cmd].map((c, i) => (i > 0 && quotes[i] ? `${quotes[i]}${c}${quotes[i]}` : c)).join('');
        return flagged('cmdi', '/search', `q=${encodeURIComponent(sep + word)}`);
      },
    ),
    { numRuns: 60 },
  );
});

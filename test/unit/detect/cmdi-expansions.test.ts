// The shell reader on expansions and paths a shell resolves before it runs anything: tilde and
// history expansion, brace expansion with an empty first item, globs spelling a system folder,
// program paths as arguments, alias definitions opening a command line, short tool names after
// a separator. Defanged samples written here, beside shop searches that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { matchStructure } from '../../../src/detect/structure.ts';

const samples = [
  // tilde expansion to the working directory (stack) and history expansion
  'cd ~+',
  'ls ~-1',
  'x;!-2',
  // brace expansion whose empty first item leaves a command line with no spaces
  '{,uname,-a}',
  '{,ip,addr}',
  // a system folder spelled by a glob
  '/e[t]c',
  'ls /b?n',
  // a program path as an argument, after a quote or a separator
  "x '/usr/bin/id'",
  'a;/bin/demo -c x',
  // an alias definition after a separator
  "x;alias ll='ls -l'",
  "x|alias -g ..='cd ..'",
  // a group, `!` or an assignment opening the command after a separator
  'x;{id}',
  'x|! ls',
  'x;a=1 id',
  // short tools after separators and opening values with a shell argument
  'x;jq .',
  'x|gpg --version',
  'x;df -h',
  'git --version',
  'dd if=/dev/zero',
];

const shop = [
  'the alias x=y',
  'size ~ m',
  'approx ~5 cm',
  '~tilde necklace',
  'wow!',
  'sale!!',
  '{red,blue}',
  'tags {a}',
  '/e/t/c',
  '/etc-sale',
  '/media/catalog/[a]',
  '/t*',
  'recycle bin/sale',
  'git gift set',
  'jq mug',
  'df 2024 calendar',
  'dd cup bra',
  'ip65 torch',
  'pip and pop earrings',
  'rpm gauge',
  'a-1 | b-2',
  'x; size=m red',
  'tom & jerry; dvd',
];

test('expansions, globbed folders, program paths, aliases and short tools are read as shell', () => {
  for (const s of samples) assert.notEqual(detectCmdi(s), null, s);
  for (const s of shop) assert.equal(detectCmdi(s), null, s);
});

test('property: the samples stay found in a query value encoded once or with + for spaces', () => {
  const enc = (s: string): string => encodeURIComponent(s);
  fc.assert(
    fc.property(fc.constantFrom(...samples), fc.boolean(), (s, plus) => {
      const v = plus ? enc(s).replaceAll('%20', '+') : enc(s);
      return matchStructure('cmdi', 'target', `/p?q=${v}`) !== null;
    }),
  );
});

test('property: a glob keeping two letters of a system folder is found; shop paths with brackets are not', () => {
  const dirs = ['/etc', '/bin', '/sbin', '/proc', '/tmp', '/var', '/boot'];
  fc.assert(
    fc.property(fc.constantFrom(...dirs), fc.nat(), (dir, n) => {
      const i = 1 + (n % (dir.length - 1));
      const c = dir[i] as string;
      const globbed = `${dir.slice(0, i)}[${c}]${dir.slice(i + 1)}`;
      return detectCmdi(globbed) !== null;
    }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom('media', 'catalog', 'sale', 'women', 'shoes'),
      fc.integer({ min: 0, max: 99 }),
      (w, n) => {
        return detectCmdi(`/${w}/[${n}]`) === null && detectCmdi(`/${w}[${n}]`) === null;
      },
    ),
  );
});

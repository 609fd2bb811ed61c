// The scanner's keyword screen (scan/keywords.ts): the literals read from an expression are ones
// every match contains, the one-pass search finds them whatever their case, and the screen never
// turns away a text that a rule or an analyser prefilter would match — on the rules' own
// samples, and on generated expressions and texts (fast-check).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsPrefilter } from '../../../src/integrity/scan/js-analysis.ts';
import { clausesOf, KeywordSearch, needsOf, Screener } from '../../../src/integrity/scan/keywords.ts';
import { phpPrefilter } from '../../../src/integrity/scan/php-analysis.ts';
import { expandSample, loadCodeRules } from '../../../src/integrity/scan/rules.ts';

const rules = loadCodeRules();
const expressions = [...rules.flatMap((r) => r.patterns), ...phpPrefilter, ...jsPrefilter];

test('needsOf reads the literals a match must contain', () => {
  assert.deepEqual(needsOf(String.raw`(?<![\w>$:\\])(?:eval|assert)\s*\(`), ['assert', 'eval']);
  assert.deepEqual(needsOf(String.raw`\$_(?:GET|POST)\b`), ['$_get', '$_post']);
  assert.deepEqual(needsOf(String.raw`[eE]val\s*\(`), ['eval']);
  assert.deepEqual(needsOf(String.raw`(?:chr\s*\(\s*\d{1,3}\s*\)\s*\.\s*){6,}`), ['chr']);
  assert.deepEqual(needsOf(String.raw`\bMini\s?Shell\b`), ['shell']);
  // Optional parts, classes, backreferences and alternatives without a literal give nothing.
  assert.equal(needsOf(String.raw`(?:eval)?\d`), null);
  assert.deepEqual(needsOf('(?:eval)?xy'), ['xy']);
  assert.equal(needsOf(String.raw`eval|\d+`), null);
  assert.equal(needsOf(String.raw`(\w+)\s\1`), null);
  assert.deepEqual(needsOf(String.raw`(["'])\1`), ['"', "'"]);
  assert.equal(needsOf('[a-z]+'), null);
  assert.equal(needsOf('(?i:eval)'), null);
});

test('clausesOf reads every set of literals a match must hold one of', () => {
  const c = clausesOf(String.raw`\b(?:eval|exec)\s*\(\s*\$_(?:GET|POST)`);
  assert.ok(c.some((x) => x.join() === 'eval,exec'));
  assert.ok(c.some((x) => x.join() === '$_get,$_post'));
  assert.deepEqual(clausesOf(String.raw`(?:eval\s*\(|\d)`), []);
});

test('the keyword search finds overlapping literals in any case, and nothing else', () => {
  const k = new KeywordSearch(['he', 'she', 'his', 'hers', '$_get']);
  const found = (t: string) => k.literals.filter((_, i) => k.search(t)[i] === 1);
  assert.deepEqual(found('uSHErs'), ['he', 'she', 'hers']);
  assert.deepEqual(found('$_GET\u00e9his'), ['his', '$_get']);
  assert.deepEqual(found('h\u00c9e $ _get'), []);
  // A literal that ends where the automaton moved by a failure link, or right after a non-ASCII char.
  assert.deepEqual(found('\u00e9he'), ['he']);
  assert.deepEqual(found('shis'), ['his']);
});

test('the keyword search agrees with a plain search on random texts', () => {
  const literals = ['ab', 'abc', 'bca', 'c$', '$_', 'aab', 'cab', 'b'];
  const k = new KeywordSearch(literals);
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) % 8;
  for (let n = 0; n < 500; n++) {
    const text = Array.from({ length: 1 + (n % 40) }, () => 'aAbBc$_\u00e9'[next()] ?? '').join('');
    const lower = text.toLowerCase();
    const hits = k.search(text);
    for (const [i, l] of k.literals.entries()) assert.equal(hits[i] === 1, lower.includes(l), `${l} in ${text}`);
  }
});

test('the screen admits every rule sample and every text an expression matches in them', () => {
  const screener = new Screener(expressions);
  for (const rule of rules)
    for (const sample of [...rule.spec.tests.match, ...rule.spec.tests.nomatch]) {
      const { content } = expandSample(sample, rule.spec);
      const screen = screener.screen(content);
      for (const re of expressions)
        if (re.test(content))
          assert.ok(screen.may(re), `${re.source} matches a sample of ${rule.id} but was screened out`);
    }
});

test('the screen never turns away a text built from the rules’ own words that an expression matches', () => {
  const screener = new Screener(expressions);
  const words = [...new Set(expressions.flatMap((re) => needsOf(re.source) ?? []))];
  const piece = fc.oneof(
    fc.constantFrom(...words),
    fc.constantFrom(...words).map((w) => w.toUpperCase()),
    fc.constantFrom(' ', '(', ')', '$', '"', "'", '.', ';', '\n', '@', '[', ']', '$_GET', '$_POST[', '<?php ', '\\x41'),
    fc.string({ maxLength: 4 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
      const text = pieces.join('');
      const screen = screener.screen(text);
      for (const re of expressions) if (re.test(text) && !screen.may(re)) return false;
      return true;
    }),
    { numRuns: 3000 },
  );
});

/** Random expressions over a small alphabet, so random texts match them often. */
const regexSource: fc.Arbitrary<string> = fc.letrec<{ alt: string; seq: string; term: string; atom: string }>(
  (tie) => ({
    alt: fc.array(tie('seq'), { minLength: 1, maxLength: 3 }).map((xs) => xs.join('|')),
    seq: fc.array(tie('term'), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')),
    term: fc
      .tuple(tie('atom'), fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{1,2}', '{0,1}', '+?', '{'))
      .map(([a, q]) => a + q),
    atom: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(
        'a',
        'b',
        'A',
        'B',
        '\\$',
        '\\(',
        '\\.',
        '.',
        '[ab]',
        '[aA]',
        '[^a]',
        '[a-b]',
        '\\s',
        '\\w',
        '\\b',
        '\\x61',
        '^',
        '$',
        '\\n',
      ),
      tie('alt').map((x) => `(?:${x})`),
      tie('alt').map((x) => `(${x})`),
      tie('alt').map((x) => `(?=${x})`),
      tie('alt').map((x) => `(?<!${x})`),
    ),
  }),
).alt;

test('needsOf and clausesOf are sound on generated expressions: every match holds their literals', () => {
  fc.assert(
    fc.property(
      regexSource,
      fc.constantFrom('', 'i', 'm'),
      fc.array(fc.constantFrom('a', 'b', 'A', 'B', '$', '(', '.', ' ', '\n'), { maxLength: 12 }),
      (src, flags, chars) => {
        let re: RegExp;
        try {
          re = new RegExp(src, flags);
        } catch {
          return true;
        }
        const text = chars.join('');
        const needs = needsOf(src);
        if (needs === null || !re.test(text)) return true;
        return needs.some((l) => text.toLowerCase().includes(l));
      },
    ),
    { numRuns: 5000 },
  );
});

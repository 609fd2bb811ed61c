// Help text is wrapped by the terminal's width, not by hand, and `--version` prints the package's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { reflow } from '../../../src/cli/help.ts';
import { buildProgram } from '../../../src/cli/main.ts';

test('paragraphs are re-flowed to the width; commands and bullets are kept as written', () => {
  const text =
    'One sentence that is\nbroken by hand in the middle\nof a line.\n\n  ripcord logs who --failed\n  ripcord findings list';
  const out = reflow(text, 40);
  const [para, example] = out.split('\n\n');
  assert.equal(para, 'One sentence that is broken by hand in\nthe middle of a line.');
  assert.equal(example, '  ripcord logs who --failed\n  ripcord findings list');
  for (const line of reflow('word '.repeat(100), 50).split('\n')) assert.ok(line.length <= 50);
});

test('--version prints the version from package.json', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  let printed = '';
  const program = buildProgram([]);
  program.configureOutput({ writeOut: (s) => (printed += s) });
  assert.throws(() => program.parse(['--version'], { from: 'user' }), { code: 'commander.version' });
  assert.equal(printed.trim(), version);
});

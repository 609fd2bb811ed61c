// `ripcord --version` prints package.json's version; help is wrapped by commander to the
// width (80 columns when not a terminal), not by hand: no line is longer, and a paragraph
// reads as one sentence flow (no line break left mid-sentence at a hand-picked column).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../../../src/cli/main.ts';

async function stdoutOf(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array, ...rest: never[]) =>
    typeof c === 'string' ? ((out += c), true) : write(c, ...rest)) as typeof process.stdout.write;
  try {
    return { code: await main(args), out };
  } finally {
    process.stdout.write = write;
  }
}

test('--version prints the version from package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.deepEqual(await stdoutOf(['--version']), { code: 0, out: `${version}\n` });
  assert.equal((await stdoutOf(['-V'])).out, `${version}\n`);
});

test('help of every command fits 80 columns and keeps paragraphs whole', async () => {
  const top = await stdoutOf(['--help']);
  assert.equal(top.code, 0);
  const commands = [...top.out.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1] as string);
  assert.ok(commands.includes('ingest') && commands.includes('obligations'), top.out);
  for (const args of [[], ...commands.filter((c) => c !== 'help').map((c) => [c])]) {
    const { out } = await stdoutOf([...args, '--help']);
    for (const line of out.split('\n')) assert.ok(line.length <= 80, `ripcord ${args.join(' ')} --help: ${line}`);
  }
  // The top-level description is one paragraph, wrapped at the width: its words follow on.
  const flat = top.out.replace(/\s+/g, ' ');
  assert.match(flat, /detects attacks and tells you at once, keeps known-good copies of every site file/);
  assert.match(flat, /Exit codes: 0 ok; 1 something was found/);
});

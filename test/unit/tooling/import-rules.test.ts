// The import checker on small made-up import graphs: each rule of ARCHITECTURE.md refuses what
// it should and lets through what it should, cycles between folders are found, and imports are
// read from the syntax tree (a commented-out import is not an import).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areaCycles, checkImport, type Import, importsOf } from '../../../scripts/import-rules.ts';

const imp = (file: string, spec: string, typeOnly = false): Import => ({ file, line: 1, spec, typeOnly });

test('core imports nothing from the rest of src', () => {
  assert.match(checkImport(imp('core/a.ts', '../logs/index.ts')) ?? '', /core imports nothing/);
  assert.equal(checkImport(imp('core/a.ts', './b.ts')), null);
});

test('subsystems reach each other only through index.ts', () => {
  assert.equal(checkImport(imp('logs/a.ts', '../detect/index.ts')), null);
  assert.match(checkImport(imp('logs/a.ts', '../detect/compile.ts')) ?? '', /through their index\.ts/);
  assert.equal(checkImport(imp('logs/parsers/a.ts', '../../core/errors.ts')), null);
  assert.match(checkImport(imp('logs/a.ts', '../adapters/db/db.ts')) ?? '', /subsystem/);
});

test("adapters import only subsystems' ports.ts and index.ts", () => {
  assert.equal(checkImport(imp('adapters/db/x.ts', '../../logs/ports.ts')), null);
  assert.equal(checkImport(imp('adapters/db/x.ts', '../../logs/index.ts', true)), null);
  assert.match(checkImport(imp('adapters/db/x.ts', '../../logs/events.ts', true)) ?? '', /adapters import/);
  assert.match(checkImport(imp('adapters/db/x.ts', '../../app/context.ts')) ?? '', /adapters import/);
});

test('cli imports app and core only; app never imports cli', () => {
  assert.equal(checkImport(imp('cli/commands/x.ts', '../../app/context.ts')), null);
  assert.match(checkImport(imp('cli/commands/x.ts', '../../logs/index.ts')) ?? '', /cli imports only app and core/);
  assert.match(checkImport(imp('app/x.ts', '../cli/main.ts')) ?? '', /app does not import cli/);
});

test('drivers only in adapters; node:fs only where files are the subject', () => {
  assert.match(checkImport(imp('logs/a.ts', 'pg')) ?? '', /drivers/);
  assert.match(checkImport(imp('app/a.ts', 'node:child_process')) ?? '', /drivers/);
  assert.equal(checkImport(imp('adapters/a.ts', 'node:child_process')), null);
  assert.equal(checkImport(imp('logs/a.ts', 'pg', true)), null, 'a type import runs no driver');
  assert.match(checkImport(imp('alerts/a.ts', 'node:fs')) ?? '', /file system is an edge/);
  assert.equal(checkImport(imp('integrity/walk.ts', 'node:fs')), null);
  assert.equal(checkImport(imp('app/a.ts', 'node:fs/promises')), null);
});

test('imports leaving src are refused', () => {
  assert.match(checkImport(imp('logs/a.ts', '../../bench/x.ts')) ?? '', /outside src/);
});

test('cycles between top-level folders are found, type imports included', () => {
  const cycles = areaCycles([
    imp('logs/a.ts', '../detect/index.ts', true),
    imp('detect/b.ts', '../logs/index.ts'),
    imp('alerts/c.ts', '../logs/index.ts'),
  ]);
  assert.deepEqual(cycles, [['detect', 'logs']]);
  assert.deepEqual(areaCycles([imp('alerts/c.ts', '../logs/index.ts')]), []);
});

test('imports are read from the syntax tree: re-exports and import() count, comments do not', () => {
  const text = [
    "import a from './a.ts';",
    "// import b from '../logs/events.ts';",
    'const s = "import c from \'../x.ts\'";',
    "export { d } from '../detect/index.ts';",
    "import type { E } from 'pg';",
    "const f = await import('node:child_process');",
  ].join('\n');
  const found = importsOf('logs/z.ts', text);
  assert.deepEqual(
    found.map((i) => [i.spec, i.line, i.typeOnly]),
    [
      ['./a.ts', 1, false],
      ['pg', 5, true],
      ['../detect/index.ts', 4, false],
      ['node:child_process', 6, false],
    ],
  );
});

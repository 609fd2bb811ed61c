// The import checker itself, on small fake src/ trees: each rule catches what it should (with
// file and line), lets through what it should, and reads imports from the syntax tree (so
// strings and comments that look like imports are not edges, and import() and export-from are).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Report, checkTree } from '../../../scripts/import-rules.ts';

function tree(files: Record<string, string>, run: (src: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-imports-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const found = (r: Report): string[] => r.violations.map((v) => `${v.file}:${v.line} ${v.rule}`);

test('a clean tree passes', () => {
  tree(
    {
      'core/a.ts': 'export const a = 1;\n',
      'logs/index.ts': "export * from './x.ts';\n",
      'logs/x.ts': "import { a } from '../core/a.ts';\nexport const x = a;\n",
      'logs/ports.ts': 'export interface P { n: number }\n',
      'detect/index.ts': "import { x } from '../logs/index.ts';\nexport const d = x;\n",
      'adapters/db/p.ts':
        "import type { P } from '../../logs/ports.ts';\nimport pg from 'pg';\nexport const p: P = { n: 1 }; void pg;\n",
      'app/main.ts':
        "import { d } from '../detect/index.ts';\nimport { readFileSync } from 'node:fs';\nvoid d; void readFileSync;\n",
      'cli/main.ts': "import '../app/main.ts';\nimport { a } from '../core/a.ts';\nvoid a;\n",
    },
    (src) => {
      const r = checkTree(src);
      assert.deepEqual(found(r), []);
      assert.equal(r.files, 8);
    },
  );
});

test('each layer rule is reported with file and line', () => {
  tree(
    {
      'core/a.ts': "\n\nimport { x } from '../logs/x.ts';\nexport const a = x;\n",
      'logs/x.ts': 'export const x = 1;\n',
      'logs/index.ts': "export { x } from './x.ts';\n",
      'detect/d.ts': "import { x } from '../logs/x.ts';\nexport const d = x;\n",
      'adapters/db/s.ts': "import { x } from '../../logs/x.ts';\nexport const s = x;\n",
      'cli/c.ts': "import { x } from '../logs/index.ts';\nexport const c = x;\n",
      'app/a.ts': "import { c } from '../cli/c.ts';\nexport const a = c;\n",
      'weird/w.ts': 'export const w = 1;\n',
    },
    (src) => {
      const r = found(checkTree(src));
      assert.ok(r.includes('core/a.ts:3 core imports nothing from src'), r.join('\n'));
      assert.ok(r.some((v) => v.startsWith('detect/d.ts:1 a subsystem imports core, itself')));
      assert.ok(r.some((v) => v.startsWith("adapters/db/s.ts:1 adapters import core and only subsystems' ports.ts")));
      assert.ok(r.includes('cli/c.ts:1 cli imports only app and core'));
      assert.ok(r.includes('app/a.ts:1 app does not import cli or http'));
      assert.ok(r.some((v) => v.startsWith('weird/w.ts')) === false, 'a file without imports has no edge to judge');
    },
  );
});

test('drivers only in adapters; node:fs only in adapters, app and named exceptions; types are free', () => {
  tree(
    {
      'logs/a.ts': "import pg from 'pg';\nimport { spawn } from 'node:child_process';\nvoid pg; void spawn;\n",
      'logs/b.ts':
        "import { readFileSync } from 'node:fs';\nimport { mkdir } from 'node:fs/promises';\nvoid readFileSync; void mkdir;\n",
      'logs/c.ts':
        "import type { Stats } from 'node:fs';\nimport { type Client } from 'pg';\nexport type S = Stats | Client;\n",
      'integrity/walk.ts': "import { readdirSync } from 'node:fs';\nvoid readdirSync;\n",
      'app/x.ts': "import { Socket } from 'node:net';\nvoid Socket;\n",
      'adapters/m.ts':
        "import nodemailer from 'nodemailer';\nimport { readFileSync } from 'node:fs';\nvoid nodemailer; void readFileSync;\n",
    },
    (src) => {
      const r = found(checkTree(src));
      assert.deepEqual(
        r.filter((v) => v.startsWith('logs/a.ts')).map((v) => v.split(' ')[0]),
        ['logs/a.ts:1', 'logs/a.ts:2'],
      );
      assert.deepEqual(
        r.filter((v) => v.startsWith('logs/b.ts')).map((v) => v.split(' ')[0]),
        ['logs/b.ts:1', 'logs/b.ts:2'],
      );
      assert.ok(!r.some((v) => v.startsWith('logs/c.ts')), 'type-only imports do no I/O');
      assert.ok(!r.some((v) => v.startsWith('integrity/walk.ts')), 'a named node:fs exception');
      assert.ok(
        r.some((v) => v.startsWith('app/x.ts:1 drivers')),
        'app does not open sockets itself',
      );
      assert.ok(!r.some((v) => v.startsWith('adapters/')));
    },
  );
});

test('the syntax tree, not text: dynamic import(), export-from, import types; strings and comments ignored', () => {
  tree(
    {
      'core/a.ts': [
        '// import { x } from "../logs/x.ts";',
        'const s = "import { x } from \'../logs/x.ts\'";',
        "export async function f() { return (await import('../logs/x.ts')).x + s; }",
        "export { x as y } from '../logs/x.ts';",
        "export * from '../detect/index.ts';",
        "export type T = typeof import('../alerts/index.ts');",
        '',
      ].join('\n'),
      'logs/x.ts': 'export const x = 1;\n',
      'detect/index.ts': 'export const d = 1;\n',
      'alerts/index.ts': 'export const al = 1;\n',
    },
    (src) => {
      const lines = checkTree(src)
        .violations.filter((v) => v.file === 'core/a.ts')
        .map((v) => v.line);
      assert.deepEqual(lines, [3, 4, 5, 6]);
    },
  );
});

test('a computed import() cannot be checked and says so', () => {
  tree({ 'logs/a.ts': 'export const load = (n: string) => import(`../${n}.ts`);\n' }, (src) => {
    assert.deepEqual(found(checkTree(src)), ['logs/a.ts:1 import() of a computed name cannot be checked']);
  });
});

test('cycles between top-level folders are found, even through index.ts', () => {
  tree(
    {
      'logs/index.ts': "import { d } from '../detect/index.ts';\nexport const l = d;\n",
      'detect/index.ts': "import { al } from '../alerts/index.ts';\nexport const d = al;\n",
      'alerts/index.ts':
        "\nimport type { l } from '../logs/index.ts';\nexport const al = 1; export type L = typeof l;\n",
      'snapshots/index.ts': "import { l } from '../logs/index.ts';\nexport const s = l;\n",
    },
    (src) => {
      const cycles = checkTree(src).violations.filter((v) => v.rule.startsWith('import cycle'));
      assert.equal(cycles.length, 3, 'one report per edge in the cycle');
      assert.ok(cycles.every((v) => v.rule.includes('alerts <-> detect <-> logs')));
      assert.ok(cycles.some((v) => v.file === 'alerts/index.ts' && v.line === 2));
      assert.ok(!cycles.some((v) => v.file.startsWith('snapshots')), 'an edge into a cycle is not part of it');
    },
  );
});

test('allow-list entries silence one edge or one cycle, and unused ones are returned', () => {
  tree(
    {
      'logs/index.ts': "import { d } from '../detect/index.ts';\nexport const l = d;\n",
      'detect/index.ts': "import { l } from '../logs/index.ts';\nexport const d = l;\n",
      'adapters/a.ts': "import { l } from '../logs/inner.ts';\nexport const a = l;\n",
      'logs/inner.ts': 'export const l = 1;\n',
    },
    (src) => {
      const edge = { from: 'adapters/a.ts', to: 'logs/inner.ts', why: 'issue 15' };
      const stale = { from: 'adapters/b.ts', to: 'logs/inner.ts', why: 'issue 15' };
      const cycle = { folders: ['logs', 'detect'], why: 'issue 15' };
      const staleCycle = { folders: ['alerts', 'logs'], why: 'issue 15' };
      const r = checkTree(src, [edge, stale], [cycle, staleCycle]);
      assert.deepEqual(found(r), []);
      assert.deepEqual(r.unusedAllowances, [stale]);
      assert.deepEqual(r.unusedCycleAllowances, [staleCycle]);
      assert.equal(checkTree(src).violations.length, 3);
    },
  );
});

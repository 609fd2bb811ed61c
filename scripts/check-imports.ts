// Enforces the import rules of docs/ARCHITECTURE.md (scripts/import-rules.ts) on src/: reads
// every module's imports from its TypeScript syntax tree (oxc-parser), prints each violation
// with file:line and the rule it breaks, and any cycle between top-level folders. Exit 1 when
// anything is wrong.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { checkImports, type Import, importsOf } from './import-rules.ts';

const src = resolve(import.meta.dirname, '..', 'src');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const imports: Import[] = [];
for (const path of walk(src)) {
  const file = relative(src, path).split(sep).join('/');
  imports.push(...importsOf(file, readFileSync(path, 'utf8')));
}
const { violations, cycles } = checkImports(imports);
for (const v of violations) process.stderr.write(`src/${v.file}:${v.line}: imports ${v.spec} — ${v.rule}\n`);
for (const c of cycles) process.stderr.write(`cycle between top-level folders: ${c.join(' <-> ')}\n`);
if (violations.length + cycles.length > 0) {
  process.stderr.write(`import rules broken: ${violations.length} imports, ${cycles.length} cycles\n`);
  process.exitCode = 1;
} else process.stdout.write(`import rules: ok (${imports.length} imports in src/)\n`);

// Enforces the import rules (scripts/import-rules.ts, docs/ARCHITECTURE.md) on src/: prints
// each broken rule as src/FILE:LINE and exits non-zero. `npm test` runs it.

import { join, resolve } from 'node:path';
import { type Allowance, type CycleAllowance, checkTree } from './import-rules.ts';

/**
 * Known violations, each waiting for a refactor on another branch of issue 15. Delete an entry
 * when its branch lands (the check then warns that it matches nothing).
 */
const allowances: Allowance[] = [
  {
    from: 'adapters/db/events-store.ts',
    to: 'logs/events.ts',
    why: 'issue 15, branch stores: the event store is split per database there; import types from logs/index.ts',
  },
];

const allowedCycles: CycleAllowance[] = [
  {
    folders: ['detect', 'logs'],
    why: 'issue 15, branch stores: Finding moves out of detect so logs and detect stop importing each other',
  },
];

const src = join(resolve(import.meta.dirname, '..'), 'src');
const report = checkTree(src, allowances, allowedCycles);
for (const a of report.unusedAllowances) {
  process.stderr.write(`import rules: allowance no longer needed, delete it: ${a.from} -> ${a.to} (${a.why})\n`);
}
for (const a of report.unusedCycleAllowances) {
  process.stderr.write(
    `import rules: cycle allowance no longer needed, delete it: ${a.folders.join(' <-> ')} (${a.why})\n`,
  );
}
if (report.violations.length > 0) {
  const lines = report.violations.map((v) => `  src/${v.file}:${v.line}: ${v.spec ? `${v.spec}: ` : ''}${v.rule}`);
  process.stderr.write(`import rules broken (${report.violations.length}):\n${lines.join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`import rules: ok (${report.files} files)\n`);
}

// Runs test suites with Node's own test runner. With no arguments: every suite (test/**/*.test.ts).
// Arguments are suite names — unit (fast: no servers, no child processes, no ../shared),
// contract (one suite per port, every adapter, real databases), e2e (real `ripcord` processes,
// SMTP and HTTP receivers), crash (processes killed with SIGKILL), corpus (the shared real-log
// corpora) — or test files, run as given.

import { spawnSync } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';

const suites = ['unit', 'contract', 'e2e', 'crash', 'corpus'];
const args = process.argv.slice(2);
const files: string[] = [];
for (const a of args.length > 0 ? args : suites) {
  if (suites.includes(a)) files.push(...globSync(`test/${a}/**/*.test.ts`).sort());
  else if (existsSync(a)) files.push(a);
  else {
    console.error(`run-tests: "${a}" is neither a suite (${suites.join(', ')}) nor a file`);
    process.exit(2);
  }
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
});
process.exitCode = r.status ?? 1;

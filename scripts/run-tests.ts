// Runs tests with Node's own test runner. No argument: every test/**/*.test.ts. A suite name
// (unit, contract, e2e, crash, corpora) runs test/NAME/**; any other argument is a file.
//   unit      fast: no servers, no child processes, no ../shared
//   contract  one suite per port, against every adapter (SQLite, PostgreSQL, ...)
//   e2e       the CLI and daemons as a user runs them, real servers and child processes
//   crash     a real process killed with SIGKILL, then recovery checked
//   corpora   the parsers on real logs from ../shared/corpora (skipped when absent, outside CI)

import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const suites = new Set(['unit', 'contract', 'e2e', 'crash', 'corpora']);
const args = process.argv.slice(2);
const files =
  args.length === 0
    ? globSync('test/**/*.test.ts').sort()
    : args.flatMap((a) => (suites.has(a) ? globSync(`test/${a}/**/*.test.ts`).sort() : [a]));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
});
process.exitCode = r.status ?? 1;

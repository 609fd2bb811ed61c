// Runs the whole suite with Node's own test runner: every test/**/*.test.ts file.
// Extra arguments are passed on (e.g. a file name to run just that one).

import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : globSync('test/**/*.test.ts').sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
});
process.exitCode = r.status ?? 1;

// `npm run obligations:report`: one line per jurisdiction of the obligations data set with its
// last-reviewed date and which fields are unknown or not yet verified. `--json` prints one JSON
// object per line; `--verbose` lists the unverified paths too.

import { coverageReport } from '../src/app/obligations.ts';

const json = process.argv.includes('--json');
const verbose = process.argv.includes('--verbose');
const rows = coverageReport();
if (json) {
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  let unknown = 0;
  let unverified = 0;
  for (const r of rows) {
    unknown += r.unknown.length;
    unverified += r.unverified.length;
    process.stdout.write(
      `${r.code.padEnd(6)} ${r.name.padEnd(48).slice(0, 48)} reviewed ${r.lastReviewed}  unknown ${String(r.unknown.length).padStart(2)}  unverified ${String(r.unverified.length).padStart(2)}\n`,
    );
    for (const u of r.unknown) process.stdout.write(`         unknown: ${u}\n`);
    if (verbose) for (const u of r.unverified) process.stdout.write(`         unverified: ${u}\n`);
  }
  process.stdout.write(
    `\n${rows.length} jurisdictions, ${unknown} unknown fields, ${unverified} unverified values (--verbose lists them).\n`,
  );
}

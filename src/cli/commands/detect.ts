// `ripcord detect FILE|-`: runs every enabled detection rule over a log without storing
// anything — to check an old log, or a log from another server, for attacks.

import type { Command } from 'commander';
import { EXIT_FOUND } from '../../core/errors.ts';
import { formatNames } from '../../core/config/index.ts';
import { AppError } from '../../core/errors.ts';
import { createOut, safe } from '../output.ts';
import { configFor } from '../context.ts';
import { detectLines } from '../../app/detect.ts';

export function register(program: Command): void {
  program
    .command('detect')
    .summary('look for attacks in a log file without storing it')
    .description(
      'Runs the detection rules (shipped and your own, minus detect.disable) over every line of FILE, ' +
        'or of standard input for -, and prints each finding with its line number. Nothing is stored. ' +
        'Counting rules (brute force, scans) use the times in the log, so old logs give the findings they ' +
        'would have given live. Exits 1 when anything was found.\n\n' +
        'Examples:\n' +
        '  ripcord detect /var/log/nginx/access.log\n' +
        '  zcat access.log.2.gz | ripcord detect --format nginx --json -',
    )
    .argument('<file>', 'the log file, or - for standard input')
    .option('--format <format>', `log format (${formatNames.join(', ')}); sniffed from the first lines when absent`)
    .option('--json', 'one JSON object per finding: {"line", "rule", "category", "severity", "field", "match"}')
    .action(async (file: string, o: { json?: boolean; format?: string }, cmd: Command) => {
      if (o.format !== undefined && !(formatNames as readonly string[]).includes(o.format)) {
        throw new AppError('usage', `--format: unknown format "${o.format}" (known: ${formatNames.join(', ')})`);
      }
      const out = createOut(o.json === true);
      const summary = await detectLines(configFor(cmd), file === '-' ? process.stdin : file, o.format, (f) =>
        out.record(
          f,
          (x) => `line ${x.line}  ${x.severity.padEnd(8)} ${x.rule.padEnd(30)} ${x.field}: ${safe(x.match)}`,
        ),
      );
      out.note(
        `${summary.lines} lines (${summary.format}): ${summary.events} events, ${summary.skipped} skipped, ${summary.rejected} not parsed; ${summary.findings} findings`,
      );
      if (summary.findings > 0) process.exitCode = EXIT_FOUND;
    });
}

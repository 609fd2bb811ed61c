// `ripcord ingest`: one-shot import of log files into the traffic record.

import type { Command } from 'commander';
import { formatNames, type FormatName } from '../../app/logs.ts';
import { AppError } from '../../core/errors.ts';
import { createOut, safe } from '../output.ts';
import { configFor } from '../context.ts';
import { progressBar } from '../progress.ts';
import { runIngest } from '../../app/logs.ts';
import { wrapped } from '../help.ts';

export function register(program: Command): void {
  program
    .command('ingest')
    .summary('import log files into the traffic record')
    .description(
      'Imports log files (plain or .gz; `-` for standard input) into the traffic record, detecting ' +
        'attacks as it goes. Works without a config file (state in ./.ripcord). Each file keeps a ' +
        'checkpoint: importing it again only adds new lines, and an interrupted import resumes.\n\n' +
        `Formats: ${formatNames.join(', ')} (auto, the default, sniffs the first lines).`,
    )
    .argument('<files...>', 'log files to import (- for standard input)')
    .option('-f, --format <format>', 'parser to use', 'auto')
    .option('--log-format <string>', 'custom nginx log_format or Apache LogFormat string')
    .option('--timezone <zone>', 'zone for timestamps without one (syslog), e.g. Europe/Berlin or +02:00', 'UTC')
    .option('--no-detect', 'store only; do not run the detection rules')
    .option('--json', 'one JSON object per file')
    .addHelpText(
      'after',
      wrapped(
        '\nExamples:\n  ripcord ingest /var/log/nginx/access.log /var/log/nginx/access.log.2.gz\n  ripcord ingest --format sshd /var/log/auth.log\n  journalctl -u ssh -o cat | ripcord ingest --format sshd -',
      ),
    )
    .action(
      async (
        files: string[],
        opts: { format: string; logFormat?: string; timezone: string; detect: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (!(formatNames as readonly string[]).includes(opts.format)) {
          throw new AppError('usage', `--format: unknown format "${opts.format}" (one of ${formatNames.join(', ')})`);
        }
        const out = createOut(opts.json === true);
        const loaded = configFor(cmd);
        const bar = progressBar('ingest', !out.json);
        const results = await runIngest(loaded, {
          files,
          format: opts.format as FormatName,
          logFormat: opts.logFormat,
          timezone: opts.timezone,
          detect: opts.detect,
          stdin: process.stdin,
          onProgress: (p) => bar.update(Math.round(p.read / 1e6), Math.round(p.total / 1e6), { lines: p.lines }),
        });
        bar.stop();
        for (const r of results) {
          out.record(
            r,
            (x) =>
              `${safe(x.file)}: ${x.lines} lines, ${x.events} events, ${x.rejected} rejected, ${x.skipped} skipped, ${x.findings} findings` +
              ` (format ${x.format ?? '-'}, ${x.linesPerSecond.toLocaleString('en')} lines/s)`,
          );
        }
        if (!out.json && results.some((r) => r.rejected > 0))
          out.text('Rejected lines are kept: `ripcord logs rejects` shows them with the reason.');
        if (results.some((r) => r.findings > 0)) {
          if (!out.json) out.text('Findings: `ripcord findings list` shows them.');
        }
      },
    );
}

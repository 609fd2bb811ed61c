// `ripcord findings list`: what detection concluded, stored with the events that caused it.

import type { Command } from 'commander';
import { createOut, safe } from '../output.ts';
import { configFor, defined, isoTime, positiveInt, sinceUntil } from '../context.ts';
import { withRecord } from '../../app/logs.ts';

export function register(program: Command): void {
  const findings = program
    .command('findings')
    .summary('attacks and logins that detection found')
    .description('Findings of the detection rules and the integrity watch.');
  findings
    .command('list')
    .description('Findings, newest first.')
    .option('--since <time>', 'from this time (ISO or relative: 24h)')
    .option('--until <time>', 'up to this time')
    .option('--ip <ip>', 'only from this address')
    .option('--rule <id>', 'only this rule')
    .option('--category <c>', 'only this category (sqli, xss, brute-force, login, …)')
    .option('--severity <s>', 'at least this severity: info, low, medium, high, critical')
    .option('--host <name>', 'only what this web server stored (several servers on one store)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const range = sinceUntil(o);
      const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
      const rows = await withRecord(loaded, (_events, findings) =>
        findings.listFindings({
          ...range,
          ...defined({
            ip: str('ip'),
            rule: str('rule'),
            category: str('category'),
            minSeverity: str('severity'),
            host: str('host'),
          }),
          limit: positiveInt('--limit', str('limit'), 100),
        }),
      );
      for (const f of rows)
        out.record(
          { ...f, time: isoTime(f.time) },
          (x) =>
            `${x.time}  ${x.severity.padEnd(8)} ${x.rule.padEnd(22)} ${safe(x.ip)}  ${safe(x.message)}  [${x.field}: ${safe(x.match.slice(0, 80))}]`,
        );
      if (!out.json && rows.length === 0) out.note('no findings');
    });
}

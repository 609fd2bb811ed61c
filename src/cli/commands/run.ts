// `ripcord run`: the long-running process (follow sources, deliver alerts, watch files).

import { Option, type Command } from 'commander';
import type { RunRole } from '../../app/hosts.ts';
import { createOut } from '../output.ts';
import { configFor } from '../context.ts';
import { runDaemon } from '../../app/run.ts';
import { withApp } from '../../app/context.ts';
import { createLogger } from '../../app/logger.ts';
import { startHttpServer } from '../../http/server.ts';

export function register(program: Command): void {
  program
    .command('run')
    .summary('run Ripcord: follow the logs, detect, notify, watch files')
    .description(
      'The long-running process. Follows every configured source (resuming from its checkpoint), ' +
        'detects attacks, delivers alerts, watches the site files and prunes old traffic. ' +
        'Stops cleanly on Ctrl-C / SIGTERM; a restart resumes exactly where it stopped. ' +
        'Run it under systemd (see docs/operations.md).',
    )
    .option('--once', 'read every source to its current end, then exit (for cron and tests)')
    .option('--poll-ms <ms>', 'how often followed files are checked for new lines', '200')
    .option('--json', 'print the final summary as JSON')
    .addOption(
      new Option(
        '--role <role>',
        'several web servers on one PostgreSQL store: `agent` on each web server (reads its logs, watches its files), ' +
          '`server` once (alerts, schedules, dashboard; the leader among several), `all` for one machine',
      )
        .choices(['all', 'agent', 'server'])
        .default('all'),
    )
    .addHelpText(
      'after',
      '\nSeveral web servers: set `store: postgres://…` in every config, give each a hosts.name (or use the machine names), ' +
        'run `ripcord run --role agent` on each web server and `ripcord run --role server` on one (or more: one leads). ' +
        'See docs/http.md.',
    )
    .action(async (o: { once?: boolean; pollMs: string; json?: boolean; role: RunRole }, cmd: Command) => {
      const out = createOut(o.json === true);
      const loaded = configFor(cmd);
      const logger = createLogger();
      const ac = new AbortController();
      const stop = (sig: string) => {
        if (ac.signal.aborted) return;
        logger.info({ signal: sig }, 'stopping');
        ac.abort();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      const summary = await withApp(loaded, { logger }, async (app) => {
        // the HTTP API (http.listen) lives as long as the daemon
        const listen = o.once === true || o.role === 'agent' ? null : app.config.http.listen;
        const http = listen === null ? null : await startHttpServer(app, listen);
        if (http !== null) logger.info({ host: http.host, port: http.port }, 'http api listening');
        try {
          return await runDaemon(app, {
            signal: ac.signal,
            once: o.once === true,
            role: o.role,
            pollMs: Number(o.pollMs) || 200,
            onReady: ({ sources }) => logger.info({ sources, config: loaded.file }, 'ripcord running'),
          });
        } finally {
          await http?.close();
        }
      });
      for (const s of summary.sources)
        out.record(
          s,
          (x) => `${x.source}: ${x.lines} lines, ${x.events} events, ${x.rejected} rejected, ${x.findings} findings`,
        );
    });
}

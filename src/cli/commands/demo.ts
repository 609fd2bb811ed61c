// `ripcord demo` (npm start): the bundled demo shop, with an intrusion to find.

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createOut, safe } from '../output.ts';
import { setupDemo, startDemoMail } from '../../app/demo.ts';
import type { App } from '../../app/context.ts';
import { createLoginLink } from '../../app/tokens.ts';
import { startHttpServer, type HttpServer } from '../../http/server.ts';
import { runDaemon } from '../../app/run.ts';
import { withApp } from '../../app/context.ts';
import { createLogger } from '../../app/logger.ts';
import { silentLogger } from '../../core/log.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .summary('run Ripcord on the bundled demo shop (what `npm start` does)')
    .description(
      'Lays out the demo shop "Harbor & Pine" under examples/demo-shop/.demo (its files and a day of ' +
        'logs with an intrusion in them), imports the logs, takes the known-good baseline of the files, ' +
        'lets the attacker change them, and then keeps running Ripcord on it until Ctrl-C. ' +
        'In another terminal, follow the README walk-through with -c examples/demo-shop/ripcord.yml.',
    )
    .option('--no-follow', 'set up the demo and exit instead of running')
    .option(
      '--dir <dir>',
      'lay the demo out in this folder (a copy of its configuration with it) instead of examples/demo-shop',
    )
    .option(
      '--listen <host:port>',
      "serve the dashboard here instead of the configuration's http.listen (127.0.0.1:8484)",
    )
    .option('--json', 'print the summary as JSON')
    .action(async (o: { follow: boolean; json?: boolean; dir?: string; listen?: string }) => {
      const out = createOut(o.json === true);
      const { loaded, summary } = await setupDemo({
        logger: silentLogger,
        ...(o.dir !== undefined ? { dir: resolve(o.dir) } : {}),
      });
      if (o.listen !== undefined) loaded.config.http.listen = o.listen;
      const c = `-c ${o.dir === undefined ? 'examples/demo-shop/ripcord.yml' : safe(summary.config)}`;
      out.record(summary, (s) =>
        [
          `Demo shop "Harbor & Pine" is laid out in ${safe(s.site)}`,
          `Imported ${s.lines} log lines: ${s.events} events, ${s.rejected} rejected (kept).`,
          `Findings: ${s.findings.map((f) => `${f.count} ${f.category}`).join(', ') || 'none'}`,
          `Successful logins: ${s.logins.map((l) => `${l.service} ${safe(l.user)} from ${safe(l.ip)}${l.knownIp === false ? ' (NEW IP)' : ''}`).join('; ')}`,
          `Known-good baseline of the site files: ${s.baseline}; the attacker has changed files since.`,
          `Backups before the attack: ${s.backups.map((b) => (b.snapshot !== null ? `${safe(b.job)} (${b.kind}) ${b.snapshot.slice(0, 8)}` : `${safe(b.job)} FAILED: ${safe(b.error)}`)).join(', ')}`,
          `Restore drill: ${s.drill.ok ? 'passed' : 'FAILED'} (${s.drill.jobs.map((j) => `${safe(j.job)} ${(j.durationMs / 1000).toFixed(1)} s`).join(', ')})`,
          '',
          'Something happened here. Try, in another terminal:',
          `  npm run ripcord -- ${c} logs who --failed`,
          `  npm run ripcord -- ${c} findings list --severity medium`,
          `  npm run ripcord -- ${c} logs timeline --from 4h --ip ${s.attacker}`,
          `  npm run ripcord -- ${c} integrity check`,
          `  npm run ripcord -- ${c} backup list`,
          `  npm run ripcord -- ${c} backup restore latest --target /tmp/harbor-restore`,
          `  npm run ripcord -- ${c} notices audience import customers --shop-db sqlite:examples/demo-shop/.demo/shop.db --preset custom --query "SELECT id, email, name AS first_name, country, region FROM customers"`,
          '',
        ].join('\n'),
      );
      if (!o.follow) return;
      const logger = createLogger();
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      const mail = await startDemoMail(loaded);
      out.note(
        typeof mail === 'string'
          ? `note: the demo mail sink is not running (${mail}); \`notices send\` will wait for it`
          : `The demo's mail relay is listening on 127.0.0.1:2525; sent notices land in ${mail.dir}.`,
      );
      out.note('Ripcord is running on the demo shop (Ctrl-C to stop).');
      try {
        await withApp(loaded, { logger }, async (app) => {
          const http = await startDemoDashboard(app);
          out.note(
            typeof http === 'string'
              ? `note: the dashboard is not running (${http})`
              : `The dashboard is at http://127.0.0.1:${http.port}/ — sign in with this one-time link (valid 15 minutes):\n  ${http.link}\n(another: npm run ripcord -- ${c} dashboard link)`,
          );
          try {
            await runDaemon(app, { signal: ac.signal });
          } finally {
            if (typeof http !== 'string') await http.close();
          }
        });
      } finally {
        if (typeof mail !== 'string') await mail.close();
      }
    });
}

/** The demo's dashboard on http.listen with a sign-in link, or why it is not running (port taken). */
async function startDemoDashboard(app: App): Promise<(HttpServer & { link: string }) | string> {
  const listen = app.config.http.listen;
  if (listen === null) return 'no http.listen in the demo configuration';
  try {
    const server = await startHttpServer(app, listen);
    return { ...server, close: () => server.close(), link: (await createLoginLink(app)).url };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

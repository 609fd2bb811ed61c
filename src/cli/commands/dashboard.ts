// `ripcord dashboard link`: a one-time sign-in link to the dashboard `ripcord run` serves on
// http.listen. Valid 15 minutes, once; it opens a 12-hour session in that browser.

import type { Command } from 'commander';
import { createLoginLink } from '../../app/tokens.ts';
import { isoTime, withAppFor } from '../context.ts';
import { createOut } from '../output.ts';
import { wrapped } from '../help.ts';

export function register(program: Command): void {
  const cmd = program
    .command('dashboard')
    .summary('the web dashboard: a one-time sign-in link')
    .description('The web dashboard `ripcord run` serves when http.listen is set (see docs/http.md).');
  cmd
    .command('link')
    .description('Print a one-time sign-in link (valid 15 minutes).')
    .option('--json', 'one JSON object: url, expiresAt')
    .addHelpText(
      'after',
      wrapped(
        '\nBehind a reverse proxy, open the same path on its address (https://ripcord.shop.example/login?t=…). ' +
          'The link works once; the session cookie is HttpOnly, Secure and SameSite=Strict.',
      ),
    )
    .action(async (o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const l = await withAppFor(c, createLoginLink);
      out.record(l, (x) => `${x.url}\n(valid once, until ${isoTime(x.expiresAt)})`);
    });
}

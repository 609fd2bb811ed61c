// `ripcord dashboard link`: a one-time sign-in link to the dashboard `ripcord run` serves on
// http.listen. Valid 15 minutes, once; it opens a 12-hour session in that browser.
// `ripcord dashboard password [--user NAME]`: sets a user's sign-in password (scrypt-hashed),
// asked twice on the terminal without echo, or read from standard input with --stdin.

import type { Command } from 'commander';
import { createLoginLink, setDashboardPassword } from '../../app/tokens.ts';
import { AppError } from '../../core/errors.ts';
import { isoTime, withAppFor } from '../context.ts';
import { createOut } from '../output.ts';
import { wrapped } from '../help.ts';

export function register(program: Command): void {
  const cmd = program
    .command('dashboard')
    .summary('the web dashboard: a one-time sign-in link, users and passwords')
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
  cmd
    .command('password')
    .description('Set the password a dashboard user signs in with (at least 12 characters; asked twice, not shown).')
    .option('--user <name>', 'the user name', 'owner')
    .option('--stdin', 'read the password from the first line of standard input (for scripts)')
    .option('--json', 'one JSON object: user')
    .action(async (o: { user: string; stdin?: boolean; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const password = o.stdin === true ? await firstLine(process.stdin) : await askTwice();
      const r = await withAppFor(c, (app) => setDashboardPassword(app, o.user, password));
      out.record(r, (x) => `The password of ${x.user} is set; sign in at the dashboard's /login page.`);
    });
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function askTwice(): Promise<string> {
  if (!process.stdin.isTTY) throw new AppError('usage', 'no terminal to ask on: give the password with --stdin');
  const { password } = await import('@inquirer/prompts');
  const a = await password({ message: 'New dashboard password', mask: true });
  const b = await password({ message: 'Again', mask: true });
  if (a !== b) throw new AppError('usage', 'the two passwords differ; nothing was changed');
  return a;
}

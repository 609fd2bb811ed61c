#!/usr/bin/env node
// The `ripcord` command: parses flags, calls the app, prints, and is the only place that
// exits. Exit codes are documented in docs/cli.md and come from AppError codes.

import { Command, CommanderError } from 'commander';
import { AppError, isAppError } from '../core/errors.ts';
import { escapeTerminal } from '../core/escape.ts';
import { commandsFor, type Register } from './commands/index.ts';
import { wrapped } from './help.ts';
import { createRequire } from 'node:module';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(commands: readonly Register[]): Command {
  const program = new Command('ripcord')
    .description(
      'Ripcord: the emergency plan of an online store. It records and searches the traffic that reaches your ' +
        'shop, detects attacks and tells you at once, keeps known-good copies of every site file and reverts ' +
        'injected code, and works out whom you must notify after a breach, and by when.',
    )
    .version(version, '-V, --version', 'print the version of Ripcord and exit')
    .option('-c, --config <file>', 'configuration file (default: ./ripcord.yml when it exists)')
    .option('--state-dir <dir>', 'where state is kept when no config says (default ./.ripcord)')
    .showHelpAfterError('(run `ripcord --help` or `ripcord COMMAND --help` for usage)')
    .addHelpText(
      'after',
      wrapped(
        '\nExit codes: 0 ok; 1 something was found (changes, findings, failed checks); 2 usage; 3 config invalid; ' +
          '4 not found; 5 I/O error; 6 locked; 7 corrupt data; 8 wrong passphrase or auth; 9 conflict (e.g. another ' +
          'process is reading the same log source); 10 service unavailable; ' +
          '11 store error; 12 parse error; 13 refused; 70 internal error. See docs/cli.md.',
      ),
    );
  program.exitOverride();
  program.configureOutput({ outputError: (str, write) => write(str) });
  for (const register of commands) register(program);
  return program;
}

/** A reader that stops early (`ripcord logs search | head`) is normal: end quietly. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  quietOnClosedPipe();
  const program = buildProgram(await commandsFor(argv));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    const code = process.exitCode;
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      return 2;
    }
    if (isAppError(e)) {
      process.stderr.write(`ripcord: ${escapeTerminal(e.describe())}\n`);
      for (const d of e.details) process.stderr.write(`  ${escapeTerminal(d)}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`ripcord: internal error: ${escapeTerminal(err.message)}\n`);
    if (process.env['RIPCORD_DEBUG']) process.stderr.write(`${err.stack ?? ''}\n`);
    return new AppError('internal', err.message).exitCode;
  }
}

if (import.meta.main) {
  // Run directly (`node src/cli/main.ts`): cache compiled modules as bin/ripcord.js does.
  (await import('node:module')).enableCompileCache?.();
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}

// `ripcord config check|sample`: validate a configuration, or print an annotated sample.

import type { Command } from 'commander';
import { createOut } from '../output.ts';
import { globals } from '../context.ts';
import { checkConfigFile, sampleConfig } from '../../app/config.ts';

export function register(program: Command): void {
  const config = program
    .command('config')
    .summary('check or create ripcord.yml')
    .description('The configuration file, ripcord.yml.');
  config
    .command('check')
    .description(
      'Checks the configuration and lists every problem with its path (e.g. sources[2].path). Exit 3 when it is broken.',
    )
    .argument('[file]', 'config file (default: --config, or ./ripcord.yml)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = checkConfigFile(file ?? globals(cmd).config);
      out.record(
        r,
        (x) => `${x.file ?? '(defaults)'}: ok — ${x.sources} source(s), store ${x.store}, state in ${x.stateDir}`,
      );
    });
  config
    .command('sample')
    .description('Prints an annotated sample configuration to start from: ripcord config sample > ripcord.yml')
    .action(() => {
      process.stdout.write(sampleConfig());
    });
}

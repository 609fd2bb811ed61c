// `ripcord init`: the interview (or an answers file) -> ripcord.yml, plan.answers.yml, PLAN.md
// and PLAN.html. Thin: the questions, the configuration and the plan are src/plan's, the files
// app/plan.ts's.

import type { Command } from 'commander';
import { askInTerminal, initFromAnswers, readAnswers, refuseToReplace } from '../../app/plan.ts';
import { globals } from '../context.ts';
import { wrapped } from '../help.ts';
import { createOut, safe } from '../output.ts';

export function register(program: Command): void {
  program
    .command('init')
    .summary('set Ripcord up for your shop: a short interview writes ripcord.yml and the emergency plan')
    .description(
      'Asks about your shop (hosting, platform, where its files, logs and database are, the customer data it ' +
        'keeps, where customers live, how busy it is, who to call) and writes ripcord.yml, the answers ' +
        '(plan.answers.yml, beside it) and the emergency plan (PLAN.md, and PLAN.html for printing). Every question ' +
        'has a default: press Enter to take it. Without a terminal, give the same answers in a file.',
    )
    .option(
      '--answers <file>',
      'take the answers from this YAML file instead of asking (a sample: templates/plan/answers.sample.yml)',
    )
    .option('--force', 'replace an existing ripcord.yml')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      wrapped(
        '\nThe files go beside --config (default ./ripcord.yml). Then: ripcord config check, ripcord repo init, ' +
          'ripcord integrity baseline, ripcord run. Exit codes: 0 written; 2 no terminal and no --answers; 3 the ' +
          'answers are not valid (each field named); 9 ripcord.yml exists (use --force); 13 interview cancelled.',
      ),
    )
    .action(async (o: { answers?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const configFile = globals(cmd).config ?? 'ripcord.yml';
      refuseToReplace(configFile, o.force === true);
      const answers = o.answers !== undefined ? readAnswers(o.answers) : await askInTerminal(configFile);
      const r = await initFromAnswers(answers, configFile, { force: o.force === true });
      for (const w of r.warnings) out.note(`warning: ${safe(w)}`);
      out.record(r, (x) =>
        [
          `wrote ${x.config}`,
          `wrote ${x.answers}`,
          `wrote ${x.markdown} and ${x.html}`,
          '',
          'Next: ripcord config check; ripcord repo init; ripcord integrity baseline; ripcord backup run; ripcord run',
          'and `ripcord plan check` for what the plan still lacks.',
        ].join('\n'),
      );
    });
}

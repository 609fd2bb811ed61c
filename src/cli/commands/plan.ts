// `ripcord plan` (regenerate PLAN.md and PLAN.html) and `ripcord plan check` (what the plan
// lacks). Thin: app/plan.ts reads the files, src/plan decides.

import type { Command } from 'commander';
import { checkPlanFiles, regeneratePlan, type Lesson, type PatchList } from '../../app/plan.ts';
import { patchList } from '../../app/software.ts';
import { EXIT_FOUND } from '../../core/errors.ts';
import { globals, withAppFor } from '../context.ts';
import { wrapped } from '../help.ts';
import { createOut, safe } from '../output.ts';

export function register(program: Command): void {
  const plan = program
    .command('plan')
    .summary('the emergency plan (PLAN.md, PLAN.html): regenerate it, or check what it lacks')
    .description(
      'Regenerates the emergency plan, PLAN.md and PLAN.html, from ripcord.yml and the answers beside it ' +
        '(plan.answers.yml, written by `ripcord init`). Run it after changing either, or after updating Ripcord ' +
        '(the laws come from its obligations data).',
    )
    .option('--out <dir>', 'write PLAN.md and PLAN.html here (default: beside the configuration)')
    .option('--json', 'print what was written as JSON')
    .action(async (o: { out?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const file = globals(cmd).config ?? 'ripcord.yml';
      // The known holes in the shop's software head "Fix the cause"; a failing check (no shop
      // tree yet, say) leaves the plan without the list rather than without a plan.
      let patchFirst: PatchList = { checked: false, items: [] };
      try {
        patchFirst = await withAppFor(cmd, (app) => patchList(app));
      } catch (e) {
        out.text(`the advisory check did not run: ${safe(e instanceof Error ? e.message : String(e))}`);
      }
      // The lessons of closed incidents (none before the first incident, or without a store).
      let lessons: Lesson[] = [];
      try {
        lessons = await withAppFor(cmd, async (app) => (await import('../../app/incident.ts')).closedLessons(app));
      } catch (e) {
        out.text(`the incident record was not read: ${safe(e instanceof Error ? e.message : String(e))}`);
      }
      const r = await regeneratePlan(file, { patchFirst, lessons, ...(o.out === undefined ? {} : { outDir: o.out }) });
      const lacking = checkPlanFiles(file).lacks.length;
      out.record(
        {
          markdown: r.markdown,
          html: r.html,
          jurisdictions: r.model.laws.jurisdictions.map((j) => j.code),
          backupTier: r.model.backups.tier,
          vulnerable: r.model.patchFirst.checked ? r.model.patchFirst.items.length : null,
          lacking,
        },
        (x) =>
          `wrote ${x.markdown} and ${x.html}${x.lacking > 0 ? `\n${x.lacking} thing(s) lacking: see \`ripcord plan check\`` : ''}`,
      );
    });
  plan
    .command('check')
    .description(
      'Says what the plan lacks: no off-site backup, no alert channel, a contact missing, no restore drill in the ' +
        'last 12 months, no backup job, no traffic source.',
    )
    .option('--json', 'one JSON object per lack: {"id","what","fix"}')
    .addHelpText(
      'after',
      wrapped('\nExit codes: 0 nothing lacking; 1 something lacking; 3 the configuration or answers are not valid.'),
    )
    .action((o: { json?: boolean }, cmd: Command) => {
      // `plan` has --json too: commander gives it to the parent when both define it.
      const out = createOut(o.json === true || cmd.parent?.opts<{ json?: boolean }>().json === true);
      const r = checkPlanFiles(globals(cmd).config ?? 'ripcord.yml');
      for (const l of r.lacks) out.record(l, (x) => `lacking  ${safe(x.what)}\n         fix: ${safe(x.fix)}`);
      if (r.lacks.length === 0) out.text(`${r.config}: the plan lacks nothing`);
      else {
        out.text(`${r.lacks.length} thing(s) lacking`);
        process.exitCode = EXIT_FOUND;
      }
    });
}

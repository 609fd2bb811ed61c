// `ripcord incident …`: the incident record. declare (freezes the evidence), status, timeline,
// steps and `step done N`, note, facts, causes, evidence export|verify, report, close, list.
// Thin: app/incident.ts does the work; every command has --json.

import type { Command } from 'commander';
import { EXIT_FOUND, AppError } from '../../core/errors.ts';
import { parseDuration } from '../../core/clock.ts';
import type { Incident } from '../../app/incident.ts';
import type { App } from '../../app/context.ts';
import { integrityAppOptions } from '../../app/integrity.ts';
import { instant, withAppFor } from '../context.ts';
import { wrapped } from '../help.ts';
import { createOut, safe, table } from '../output.ts';

const m = () => import('../../app/incident.ts');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const run = <T>(cmd: Command, fn: (app: App) => Promise<T>) => withAppFor(cmd, fn, integrityAppOptions);

function left(ms: number | null): string {
  if (ms === null) return 'no fixed date';
  const h = Math.abs(ms) / 3_600_000;
  const t = h >= 48 ? `${Math.floor(h / 24)} days` : `${Math.floor(h)} h ${Math.floor((h % 1) * 60)} min`;
  return ms < 0 ? `OVERDUE by ${t}` : `${t} left`;
}

function headline(i: Incident): string {
  return `${i.id} [${i.status}] ${safe(i.title)} — severity ${i.severity}, discovered ${iso(i.discoveredAt)}`;
}

export function register(program: Command): void {
  const inc = program
    .command('incident')
    .summary('the incident record: declare, follow the checklist, keep evidence, report, close')
    .description(
      'When something has happened: `incident declare` opens an incident and freezes the evidence at once ' +
        '(the traffic record and findings of the window, the changed site files, a snapshot of the site, all ' +
        'with SHA-256 hashes) and starts the clocks of the breach laws. `status` shows the open steps and the ' +
        'deadlines, nearest first; `steps` the checklist per goal (find, fix, minimise, repair) with the command ' +
        'for each; `timeline` everything in time order. Commands act on the open incident unless --id names one.',
    )
    .addHelpText(
      'after',
      wrapped(
        '\nExit codes: 0 done; 1 evidence verification failed, or status found an overdue deadline; 2 bad usage; 4 no such incident; 7 the frozen evidence no longer matches.',
      ),
    );

  inc
    .command('declare')
    .description('Opens an incident and freezes the evidence (this can take a minute on a busy shop).')
    .requiredOption('--title <text>', 'what happened, in a few words')
    .option('--discovered <time>', 'when you found out (ISO time or 2h for two hours ago; default: now)')
    .option('--severity <level>', 'low, medium, high or critical', 'high')
    .option('--facts <file>', 'the facts of the breach (YAML, as for `ripcord obligations assess`)')
    .option('--window <duration>', 'how far before discovery the frozen traffic reaches', '30d')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        o: { title: string; discovered?: string; severity: string; facts?: string; window: string; json?: boolean },
        cmd: Command,
      ) => {
        const out = createOut(o.json === true);
        const severity = o.severity;
        if (severity !== 'low' && severity !== 'medium' && severity !== 'high' && severity !== 'critical')
          throw new AppError('usage', `--severity: ${o.severity} is not low, medium, high or critical`);
        const windowMs = parseDuration(o.window);
        if (windowMs === undefined)
          throw new AppError('usage', `--window: "${o.window}" is not a duration such as 30d`);
        const discoveredAt = instant('--discovered', o.discovered);
        const r = await run(cmd, async (app) =>
          (await m()).declareIncident(app, {
            title: o.title,
            severity,
            windowMs,
            ...(discoveredAt !== undefined ? { discoveredAt } : {}),
            ...(o.facts !== undefined ? { factsFile: o.facts } : {}),
          }),
        );
        out.record(r, (x) =>
          [
            `Declared ${headline(x.incident)}`,
            `Evidence frozen in ${safe(x.dir)}: ${x.evidence.counts.requests} requests, ${x.evidence.counts.logins} logins, ${x.evidence.counts.findings} findings, ${x.evidence.counts.fileChanges} changed files; manifest SHA-256 ${x.evidence.manifestSha256}`,
            x.evidence.snapshot !== null ? `The site as found: snapshot ${x.evidence.snapshot.slice(0, 8)}` : '',
            ...x.evidence.gaps.map((g) => `  not frozen: ${safe(g)}`),
            x.obligations.length > 0
              ? `${x.obligations.length} notification dut${x.obligations.length === 1 ? 'y' : 'ies'}${x.provisional ? ' could apply (from the plan; state the facts with `ripcord incident facts FILE`)' : ''}; nearest: ${safe(x.obligations[0]?.recipient)} (${x.obligations[0]?.jurisdiction}) ${x.obligations[0]?.dueText ?? ''}`
              : 'No notification duty yet: state the facts with `ripcord incident facts FILE`.',
            'Next: `ripcord incident status`, then work through `ripcord incident steps`.',
          ]
            .filter((l) => l !== '')
            .join('\n'),
        );
      },
    );

  inc
    .command('list')
    .description('Every incident, newest first.')
    .option('--json', 'one JSON object per incident')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const all = await run(cmd, async (app) => (await m()).listIncidents(app));
      for (const i of all) out.record(i, headline);
      if (all.length === 0) out.text('no incident has been declared');
    });

  inc
    .command('status')
    .description('The open steps and the obligation deadlines with the time left, nearest first.')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'print the status as JSON')
    .action(async (o: { id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const s = await run(cmd, async (app) => {
        const x = await m();
        return x.incidentStatus(app, await x.getIncident(app, o.id));
      });
      out.record(s, (x) =>
        [
          headline(x.incident),
          `Steps: ${x.steps.done} of ${x.steps.total} done. Site files changed since the known-good copy: ${x.fileChanges}.`,
          '',
          x.deadlines.length === 0
            ? 'Deadlines: none known yet (state the facts: `ripcord incident facts FILE`).'
            : `Deadlines${x.provisional ? ' (provisional, from the plan)' : ''}:\n${table(
                x.deadlines.map((d) => [
                  d.done ? 'done' : left(d.leftMs),
                  d.dueBy ?? '-',
                  d.jurisdiction,
                  safe(d.recipient),
                ]),
                ['time left', 'due by', 'where', 'notify'],
              )}`,
          '',
          'Next open steps:',
          ...x.steps.open
            .slice(0, 8)
            .map(
              (st) => `  ${st.n}. [${st.goal}] ${safe(st.text)}${st.command !== null ? `\n       ${st.command}` : ''}`,
            ),
        ].join('\n'),
      );
      if (s.deadlines.some((d) => !d.done && d.leftMs !== null && d.leftMs < 0)) process.exitCode = EXIT_FOUND;
    });

  inc
    .command('steps')
    .description('The checklist: every step per goal, with the command that does it and who ticked it when.')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'one JSON object per step')
    .action(async (o: { id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const steps = await run(cmd, async (app) => {
        const x = await m();
        return x.incidentChecklist(app, await x.getIncident(app, o.id));
      });
      for (const st of steps)
        out.record(
          st,
          (x) =>
            `${x.done !== null ? '[x]' : '[ ]'} ${x.n}. [${x.goal}] ${safe(x.text)}${x.due !== null ? ` (due ${x.due})` : ''}${x.command !== null ? `\n       ${x.command}` : ''}${x.done !== null ? `\n       done ${iso(x.done.time)} by ${safe(x.done.by)}` : ''}`,
        );
    });

  inc
    .command('step')
    .description('Ticks a step of the checklist: `ripcord incident step done N`.')
    .argument('<action>', 'done')
    .argument('<n>', 'the step number from `ripcord incident steps`')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'print the step as JSON')
    .action(async (action: string, n: string, o: { id?: string; json?: boolean }, cmd: Command) => {
      if (action !== 'done') throw new AppError('usage', `unknown step action ${action}: use \`step done N\``);
      const num = Number(n);
      if (!Number.isInteger(num) || num < 1)
        throw new AppError('usage', `step number: ${n} is not a positive whole number`);
      const out = createOut(o.json === true);
      const r = await run(cmd, async (app) => {
        const x = await m();
        return x.markStepDone(app, await x.getIncident(app, o.id), num);
      });
      out.record(
        r,
        (x) =>
          `${x.already ? 'already done' : 'done'}: ${x.step.n}. ${safe(x.step.text)}${x.step.done !== null ? ` (${iso(x.step.done.time)} by ${safe(x.step.done.by)})` : ''}`,
      );
    });

  inc
    .command('note')
    .description('Adds a note to the timeline (what you did, what the host said, …).')
    .argument('<text...>', 'the note')
    .option('--id <id>', 'the incident (default: the open one)')
    .action(async (text: string[], o: { id?: string }, cmd: Command) => {
      await run(cmd, async (app) => {
        const x = await m();
        await x.addNote(app, await x.getIncident(app, o.id), text.join(' '));
      });
      createOut(false).text('noted');
    });

  inc
    .command('facts')
    .description(
      'States the facts of the breach (YAML, as for `ripcord obligations assess`): they replace the provisional clocks.',
    )
    .argument('<file>', 'the facts file')
    .option('--audience <name>', 'take the people affected per jurisdiction from this notices audience')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'print the obligations as JSON')
    .action(async (file: string, o: { id?: string; audience?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await run(cmd, async (app) => {
        const x = await m();
        return x.setIncidentFacts(app, await x.getIncident(app, o.id), file, o.audience);
      });
      if (r.unplaced > 0)
        out.note(
          `${r.unplaced} people of the audience have no known jurisdiction: see \`ripcord notices audience stats\``,
        );
      out.record(
        r,
        (x) =>
          `facts recorded; ${x.obligations.length} notification dut${x.obligations.length === 1 ? 'y' : 'ies'}: see \`ripcord incident status\``,
      );
    });

  inc
    .command('timeline')
    .description(
      'Findings, alerts, logins, file changes (with the requests before them), backups, drills, notes and steps, in time order.',
    )
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--from <time>', 'start (default: the frozen window start)')
    .option('--to <time>', 'end (default: now)')
    .option(
      '--kind <kinds>',
      'only these kinds, comma-separated (finding, login, file-change, alert, backup, note, step, …)',
    )
    .option('--json', 'one JSON object per entry')
    .action(async (o: { id?: string; from?: string; to?: string; kind?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const from = instant('--from', o.from);
      const to = instant('--to', o.to);
      const t = await run(cmd, async (app) => {
        const x = await m();
        return x.incidentTimeline(app, await x.getIncident(app, o.id), {
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
        });
      });
      const kinds = o.kind === undefined ? null : new Set(o.kind.split(',').map((k) => k.trim()));
      for (const e of t.entries) {
        if (kinds !== null && !kinds.has(e.kind)) continue;
        out.record(e, (x) =>
          [
            `${iso(x.time)}  ${x.kind.padEnd(11)} ${safe(x.summary)}  [${safe(x.source)}]`,
            ...(x.requests ?? []).map(
              (q) =>
                `${' '.repeat(22)}↳ ${iso(q.time)} ${safe(q.method)} ${safe(q.path)} ${q.status} from ${safe(q.ip)}`,
            ),
          ].join('\n'),
        );
      }
      for (const g of t.gaps) out.note(`not in the timeline: ${g.source}: ${g.error}`);
    });

  inc
    .command('causes')
    .description(
      'Candidate causes for you to confirm: attacks before the first file change, logins from new places, known-vulnerable software.',
    )
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'one JSON string per cause')
    .action(async (o: { id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const causes = await run(cmd, async (app) => {
        const x = await m();
        const i = await x.getIncident(app, o.id);
        return x.candidateCauses(app, i, await x.incidentTimeline(app, i));
      });
      for (const c of causes) out.record(c, (x) => `- ${safe(x)}`);
      if (causes.length === 0) out.text('no candidate cause in the record');
    });

  const ev = inc
    .command('evidence')
    .description('Export the frozen evidence with a chain-of-custody log, or verify an export.');
  ev.command('export')
    .description(
      'Writes the frozen evidence, the timeline, the record and the chain-of-custody log, sealed by MANIFEST.json.',
    )
    .requiredOption('--out <path>', 'a new folder, or a file ending in .tar.gz')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { out: string; id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await run(cmd, async (app) => {
        const x = await m();
        return x.exportEvidence(app, await x.getIncident(app, o.id), o.out);
      });
      out.record(r, (x) => `exported ${x.files} files to ${safe(x.out)}; MANIFEST.json SHA-256 ${x.manifestSha256}`);
    });
  ev.command('verify')
    .description(
      'Re-hashes an export (folder or .tar.gz), or with no path the frozen evidence, and names every file that differs.',
    )
    .argument('[path]', 'the export to check')
    .option('--id <id>', 'the incident (default: the one the export names)')
    .option('--json', 'print the verification as JSON')
    .action(async (path: string | undefined, o: { id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const v = await run(cmd, async (app) => (await m()).verifyEvidence(app, path, o.id));
      out.record(v, (x) =>
        x.ok
          ? `verified: ${x.checked} files match their SHA-256`
          : `VERIFICATION FAILED:\n${x.problems.map((p) => `  ${safe(p)}`).join('\n')}`,
      );
      if (!v.ok) process.exitCode = EXIT_FOUND;
    });

  inc
    .command('report')
    .description(
      'The post-incident report: summary, cause, timeline, what was exposed, who was notified when, what was restored, lessons.',
    )
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--format <format>', 'md, html, or pdf (printed by headless Chromium; needs --out)', 'md')
    .option('--out <file>', 'write it here (default: print it)')
    .action(async (o: { id?: string; format: string; out?: string }, cmd: Command) => {
      const format = o.format;
      if (format !== 'md' && format !== 'html' && format !== 'pdf')
        throw new AppError('usage', `--format: ${o.format} is not md, html or pdf`);
      if (format === 'pdf' && o.out === undefined) throw new AppError('usage', '--format pdf needs --out FILE.pdf');
      const out = o.out;
      await run(cmd, async (app) => {
        const x = await m();
        const r = await x.incidentReport(app, await x.getIncident(app, o.id));
        if (out === undefined) process.stdout.write(format === 'md' ? r.markdown : r.html);
        else {
          await x.writeReport(app, out, format, r);
          createOut(false).note(`wrote ${out}`);
        }
      });
    });

  inc
    .command('letters')
    .description(
      'Draft the letters to regulators, attorneys general, credit agencies and card brands the obligations demand.',
    )
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--values <file>', 'the notice values (shop:, incident:); default notices.values in the config')
    .option('--out <dir>', 'write one Markdown file per letter into this folder')
    .option('--json', 'one JSON object per letter')
    .addHelpText(
      'after',
      wrapped(
        "\nEach letter's sections are what that notice must contain according to the data set (a state attorney " +
          "general's form fields, the ICO's or an EU authority's report contents), filled from the incident's facts, " +
          'the notice values and the customer notices already sent; what Ripcord cannot know is marked "To fill in". ' +
          'Exit status 1 while any section is left to fill in.',
      ),
    )
    .action(async (o: { id?: string; values?: string; out?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      await run(cmd, async (app) => {
        const x = await m();
        const r = await x.incidentLetters(app, {
          ...(o.id !== undefined ? { id: o.id } : {}),
          ...(o.values !== undefined ? { valuesFile: o.values } : {}),
          ...(o.out !== undefined ? { out: o.out } : {}),
        });
        if (out.json) for (const l of r.letters) out.record(l, () => '');
        else if (r.letters.length === 0) out.text('No letter to write: no duty towards an authority was found.');
        else {
          if (r.provisional) out.text('Provisional: from the plan, until the facts are stated.');
          out.text(
            table(
              r.letters.map((l) => [
                l.jurisdiction,
                l.duty.replace(/^notify_/, ''),
                safe(l.recipient).slice(0, 60),
                `${l.filled}/${l.filled + l.toFill.length}`,
                r.dir !== null ? l.file : '',
              ]),
              ['WHERE', 'TO', 'RECIPIENT', 'FILLED', 'FILE'],
            ),
          );
          if (r.dir !== null) out.note(`wrote ${r.letters.length} letters into ${r.dir}`);
          else out.note('give --out DIR to write them');
        }
        if (r.letters.some((l) => l.toFill.length > 0)) process.exitCode = EXIT_FOUND;
      });
    });

  inc
    .command('close')
    .description('Closes the incident with what it taught; `ripcord plan` then shows the lessons.')
    .option(
      '--lesson <text>',
      'a lesson learned (repeat for several)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--summary <text>', 'what happened, in a few sentences, for the report')
    .option('--id <id>', 'the incident (default: the open one)')
    .option('--json', 'print the closed incident as JSON')
    .action(async (o: { lesson: string[]; summary?: string; id?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const i = await run(cmd, async (app) => {
        const x = await m();
        return x.closeIncident(app, await x.getIncident(app, o.id), {
          lessons: o.lesson,
          ...(o.summary !== undefined ? { summary: o.summary } : {}),
        });
      });
      out.record(i, (x) => `closed ${headline(x)}; run \`ripcord plan\` to add its lessons to the plan`);
    });
}

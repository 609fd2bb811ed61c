// `ripcord rules list | test [RULE] | explain LINE`: the detection rules as data — what is
// loaded, whether each rule's own test cases pass, and why a given line matches (or not).

import type { Command } from 'commander';
import { EXIT_FOUND } from '../../core/errors.ts';
import { createOut, safe, table } from '../output.ts';
import { configFor } from '../context.ts';
import { explainLine, listRules, testRules } from '../../app/detect.ts';

export function register(program: Command): void {
  const rules = program
    .command('rules')
    .summary('list, test and explain the attack detection rules')
    .description(
      'The detection rules are YAML files: the shipped ones in rules/ and your own (config detect.ruleFiles). ' +
        'Switch a shipped rule off with detect.disable: [rule-id]. Every rule file has test cases ' +
        '(rules/tests/<file>.yml, or a tests: list in the file) that `ripcord rules test` runs.',
    );

  rules
    .command('list')
    .description('Every rule with its kind, category, severity and whether it is enabled.')
    .option('--json', 'one JSON object per line')
    .action((o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const list = listRules(configFor(cmd));
      if (out.json) for (const r of list) out.record(r, () => '');
      else {
        out.text(
          table(
            list.map((r) => [
              r.id,
              r.kind,
              r.category,
              r.severity,
              r.enabled ? 'on' : 'off',
              r.shipped ? 'shipped' : r.file,
              r.title,
            ]),
            ['RULE', 'KIND', 'CATEGORY', 'SEVERITY', 'ENABLED', 'FROM', 'TITLE'],
          ),
        );
        out.note(`${list.length} rules, ${list.filter((r) => r.enabled).length} enabled`);
      }
    });

  rules
    .command('test')
    .argument('[rule]', 'a rule id (runs the cases of its file) or a rule file name such as sqli')
    .description(
      "Runs the rules' test cases: each case feeds lines or events to a fresh detector and checks that " +
        'exactly the expected rules fire (clean look-alikes expect none). Exits 1 when a case fails.',
    )
    .option('--json', 'one JSON object per case')
    .option('--verbose', 'show passing cases too')
    .action((rule: string | undefined, o: { json?: boolean; verbose?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const results = testRules(configFor(cmd), rule);
      let failed = 0;
      for (const r of results) {
        if (!r.ok) failed++;
        if (out.json)
          out.record(
            { file: r.file, name: r.name, ok: r.ok, problem: r.problem, expected: r.expected, got: r.got },
            () => '',
          );
        else if (!r.ok || o.verbose === true) {
          const why = r.problem ?? `expected [${r.expected.join(', ')}], got [${r.got.join(', ')}]`;
          out.text(`${r.ok ? 'ok  ' : 'FAIL'}  ${safe(r.name)}  (${r.file})${r.ok ? '' : `\n      ${safe(why)}`}`);
        }
      }
      out.note(`${results.length - failed} of ${results.length} rule test cases passed`);
      if (failed > 0) process.exitCode = EXIT_FOUND;
    });

  rules
    .command('explain')
    .argument('<line>', "a log line, or just a request such as 'GET /search?q=...'")
    .description(
      'Shows how one line is seen: each text field after decoding (and which decoding steps were ' +
        'needed), then every rule that matches, on which field and view. Example:\n' +
        "  ripcord rules explain 'GET /p?id=1%27%20UnIoN/**/SeLeCt%201,2--'",
    )
    .option(
      '--format <format>',
      'parse the line with this format (nginx, apache, syslog, sshd, …); sniffed when absent',
    )
    .option('--json', 'one JSON object')
    .action((line: string, o: { json?: boolean; format?: string }, cmd: Command) => {
      const out = createOut(o.json === true);
      const { event, explanation } = explainLine(configFor(cmd), line, o.format);
      out.record({ event, ...explanation }, (x) => {
        const lines: string[] = [`event: ${x.event.kind}`];
        for (const f of x.fields) {
          lines.push(`  ${f.field}: ${safe(f.raw)}`);
          for (const v of f.views)
            lines.push(`    ${v.view}: ${safe(v.value)}${v.steps.length > 0 ? `   (${v.steps.join(', ')})` : ''}`);
        }
        if (x.matches.length === 0) lines.push('no rule matches');
        for (const m of x.matches) {
          lines.push(
            `${m.effect === 'fires' ? 'MATCH ' : 'counts'} ${m.rule} (${m.category}, ${m.severity})` +
              (m.field === ''
                ? ''
                : ` on ${m.field} [${m.view}${m.steps.length > 0 ? `: ${m.steps.join(', ')}` : ''}]: ${safe(m.match)}`),
          );
        }
        return lines.join('\n');
      });
      if (explanation.matches.some((m) => m.effect === 'fires')) process.exitCode = EXIT_FOUND;
    });
}

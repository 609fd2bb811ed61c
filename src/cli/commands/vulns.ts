// `ripcord vulns update|check`: OSV advisories into the store, and the installed software
// matched against them — "this hole, and it was knocked on". Thin: flags -> app -> print.

import type { Command } from 'commander';
import { advisoryCounts, checkSoftware, updateAdvisories } from '../../app/software.ts';
import { EXIT_FOUND } from '../../core/errors.ts';
import { isoTime, withAppFor } from '../context.ts';
import { wrapped } from '../help.ts';
import { createOut, safe, table } from '../output.ts';

export function register(program: Command): void {
  const cmd = program
    .command('vulns')
    .description('Known vulnerabilities (OSV advisories) in the installed software, and whether they were knocked on.');
  cmd
    .command('update')
    .description(
      'Import advisories into the store: a file or folder with --from, else download them (OSV archives; the Wordfence feed for WordPress).',
    )
    .option(
      '--from <path>',
      'an OSV zip archive (as OSV publishes per ecosystem), a folder or file of OSV JSON, or the Wordfence feed (JSON)',
    )
    .option(
      '--ecosystem <name...>',
      'ecosystems to download without --from (Packagist, npm, WordPress, Debian:12, …); default: vulns.ecosystems, else those the inventory finds',
    )
    .option('--json', 'one JSON object per imported input')
    .addHelpText(
      'after',
      wrapped(
        '\nEvery record is checked against the OSV schema first; a malformed or truncated archive is refused with the file and record named, and the store keeps its previous data. An import replaces the advisories of the ecosystems it covers.',
      ),
    )
    .action(async (o: { from?: string; ecosystem?: string[]; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(c, (app) => updateAdvisories(app, o.from, o.ecosystem));
      for (const x of r)
        out.record(x, (v) => `${safe(v.source)}: ${v.records} advisories (${v.ecosystems.map(safe).join(', ')})`);
    });
  cmd
    .command('status')
    .description('How many advisories the store holds per ecosystem.')
    .option('--json', 'one JSON object per ecosystem')
    .action(async (o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(c, (app) => advisoryCounts(app));
      if (out.json) for (const x of r) out.record(x, () => '');
      else
        out.text(
          table(
            r.map((x) => [safe(x.ecosystem), String(x.records)]),
            ['ECOSYSTEM', 'ADVISORIES'],
          ),
        );
    });
  cmd
    .command('check')
    .description('Match the inventory against the advisories; exit code 1 when something vulnerable is found.')
    .option('--root <dir>', "the shop's root (default: site.root from the config)")
    .option('--no-system', "leave out the server's packages and binaries")
    .option('--json', 'one JSON object per vulnerable component')
    .addHelpText(
      'after',
      wrapped(
        "\nEach vulnerable component is listed with its advisories (ids and CVE aliases), the CVSS base score, the version to upgrade to, and the requests the traffic record holds to the vulnerable endpoint (known exploit paths such as CosmicSting's estimate-shipping-methods, or the plugin's own folder). Most urgent first: knocked on, then by severity. A component seen vulnerable for the first time is also stored as a finding, so alerts deliver it.",
      ),
    )
    .action(async (o: { root?: string; system: boolean; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(c, (app) => checkSoftware(app, { root: o.root, system: o.system }));
      if (out.json) for (const v of r.vulnerable) out.record(v, () => '');
      else {
        out.text(
          table(
            r.vulnerable.map((v) => [
              safe(v.component.name),
              safe(v.component.version),
              v.severity,
              v.advisories
                .map((a) => a.aliases.find((s) => s.startsWith('CVE-')) ?? a.id)
                .slice(0, 4)
                .map(safe)
                .join(' ') + (v.advisories.length > 4 ? ` +${v.advisories.length - 4}` : ''),
              v.upgradeTo === null ? 'no fix' : safe(v.upgradeTo),
              v.knocked.requests > 0
                ? `${v.knocked.requests} req, last ${v.knocked.last === null ? '-' : isoTime(v.knocked.last)}`
                : '-',
            ]),
            ['COMPONENT', 'VERSION', 'SEVERITY', 'ADVISORIES', 'UPGRADE TO', 'KNOCKED ON'],
          ),
        );
        out.text(
          `${r.vulnerable.length} vulnerable of ${r.inventory.components.length} component(s); ${r.newFindings} new finding(s)`,
        );
      }
      if (r.vulnerable.length > 0) process.exitCode = EXIT_FOUND;
    });
}

// `ripcord software list`: what software the shop and server run, with the version, where it
// was read, and the advisory ecosystem. Thin: flags -> app/software.ts -> print.

import type { Command } from 'commander';
import { inventory } from '../../app/software.ts';
import { withAppFor } from '../context.ts';
import { wrapped } from '../help.ts';
import { createOut, safe, table } from '../output.ts';

export function register(program: Command): void {
  const cmd = program
    .command('software')
    .description("Inventory of the shop's and server's software (platform, modules, plugins, libraries, packages).");
  cmd
    .command('list')
    .description('List each component with its version, where it was read, and its advisory ecosystem.')
    .option('--root <dir>', "the shop's root (default: site.root from the config)")
    .option('--no-system', "leave out the server's packages and binaries (dpkg, nginx, apache2, php)")
    .option('--url <address>', "the shop's address, whose Server and X-Powered-By headers are read (default: site.url)")
    .option('--json', 'one JSON object per component')
    .addHelpText(
      'after',
      wrapped(
        "\nRead from the shop's own files without running its code: composer.lock (or vendor/composer/installed.json), app/Mage.php, wp-includes/version.php, plugin and theme headers, PrestaShop and OpenCart version constants, package-lock.json; from dpkg-query and `nginx -v`/`apache2 -v`/`php -v` on this server; and from the Server and X-Powered-By headers of the shop's own answer (site.url or --url) when the server runs elsewhere or was built by hand.",
      ),
    )
    .action(async (o: { root?: string; system: boolean; url?: string; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const inv = await withAppFor(c, (app) => inventory(app, { root: o.root, system: o.system, url: o.url }));
      if (out.json) for (const comp of inv.components) out.record(comp, () => '');
      else {
        out.text(
          table(
            inv.components.map((x) => [safe(x.name), safe(x.version), x.ecosystem, x.kind, safe(x.where)]),
            ['COMPONENT', 'VERSION', 'ECOSYSTEM', 'KIND', 'WHERE'],
          ),
        );
        out.text(
          `${inv.components.length} component(s)${inv.root === null ? ' (no site.root: use --root DIR for the shop)' : ''}`,
        );
      }
      for (const s of inv.skipped) out.note(`skipped: ${safe(s)}`);
    });
}

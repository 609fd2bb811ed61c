// The four goals of the plan as step-by-step procedures, each step with the Ripcord command
// that does it. The steps depend on the shop: its platform, its hosting, whether it takes
// cards, which backup jobs and alert channels the configuration has. Every command named here
// exists (test/unit/plan/commands.test.ts parses each one with the real command line).

import type { Config } from '../core/config/index.ts';
import type { Answers } from './answers.ts';
import { escapeMarkdown } from './markdown.ts';

interface Step {
  /** Markdown: values from the answers or the configuration in it are escaped. */
  text: string;
  /** The command that does it, when there is one. */
  command?: string;
}

export interface Goal {
  id: 'find' | 'fix' | 'minimise' | 'repair';
  title: string;
  intro: string;
  steps: Step[];
}

const adminOf: Record<Answers['platform'], string> = {
  magento2:
    'every Magento admin user (System > Permissions > All Users), and the admin URL (`bin/magento setup:config:set --backend-frontname`)',
  magento1: 'every Magento admin user (System > Permissions > Users), and the admin URL in app/etc/local.xml',
  woocommerce: 'every WordPress administrator and shop manager (Users), and the salts in wp-config.php',
  prestashop: 'every PrestaShop employee (Advanced Parameters > Team), and the admin folder name',
  opencart: 'every OpenCart user (System > Users), and the admin folder name',
  custom: 'every administrator account of the shop',
};

const maintenanceOf: Record<Answers['platform'], string> = {
  magento2:
    'Put the shop in maintenance mode while you work (`bin/magento maintenance:enable`), so no more card details are taken.',
  magento1: 'Put the shop in maintenance mode while you work (create the file maintenance.flag in the root).',
  woocommerce: 'Put the shop in maintenance mode while you work (a maintenance plugin, or take checkout offline).',
  prestashop: 'Put the shop in maintenance mode while you work (Shop Parameters > General > Maintenance).',
  opencart: 'Put the shop in maintenance mode while you work (System > Settings > Server > Maintenance Mode).',
  custom: 'Take checkout offline while you work, so no more card details are taken.',
};

export function goalsFor(a: Answers, config: Config): Goal[] {
  const dbJob = config.backup.jobs.find((j) => j.type !== 'files');
  const filesJob = config.backup.jobs.find((j) => j.type === 'files');
  const offsite = Object.keys(config.repository.offsite)[0];
  const channel = Object.keys(config.alerts.channels)[0];
  const hostHelps = a.hosting !== 'vps';
  const takesCards = a.data.cards !== 'never';

  const find: Step[] = [
    {
      text: 'Write down when and how you found out. Deadlines of breach laws start at discovery. Do not wipe or reinstall the server yet: it is the evidence.',
    },
    {
      text: 'Who logged in, from where, and whether they ever came from there before:',
      command: 'ripcord logs who --failed --since 30d',
    },
    { text: 'What attack detection saw:', command: 'ripcord findings list --severity medium --since 30d' },
    {
      text: 'Which site files changed since the known-good copy, with the requests recorded just before each change:',
      command: 'ripcord integrity check',
    },
    {
      text: 'The timeline of a suspicious address (requests, logins, findings in time order):',
      command: 'ripcord logs timeline --from 24h --ip ADDRESS',
    },
    {
      text: 'Known-vulnerable software in the shop and on the server, and whether it was knocked on:',
      command: 'ripcord vulns check',
    },
  ];
  if (a.database.type !== 'none' && a.platform !== 'custom')
    find.push({
      text: 'Scripts injected into the shop database (CMS blocks, settings):',
      command: 'ripcord integrity scan-db',
    });
  find.push({
    text: `Call your developer${hostHelps ? ' and your hosting company (they hold logs you may not see)' : ''}; see Contacts.`,
  });

  const fix: Step[] = [
    { text: 'See exactly what an attacker changed in a file:', command: 'ripcord integrity diff FILE' },
    { text: 'Everything else the attacking address did:', command: 'ripcord logs search --ip ADDRESS --since 30d' },
  ];
  if (takesCards) fix.push({ text: maintenanceOf[a.platform] });
  fix.push(
    {
      text: `Close the door: change the passwords of ${adminOf[a.platform]}; SSH, SFTP/FTP and hosting panel accounts; the database password; API keys of the payment gateway.`,
    },
    { text: 'Patch what let them in, the components knocked on first:', command: 'ripcord vulns check' },
  );
  if (a.hosting === 'shared' || a.hosting === 'managed')
    fix.push({
      text: 'Ask the hosting company to check the other sites of your account and the server for the same intrusion.',
    });

  const minimise: Step[] = [];
  if (takesCards || a.data.cards === 'stored')
    minimise.push({
      text: 'Card data may be involved: call your payment processor and acquirer at once (see Contacts). The card networks expect to hear within days and may send a PCI forensic investigator.',
    });
  minimise.push(
    {
      text: 'Call your lawyer and your cyber insurer before you tell anyone else: policies often require notice within days and name the firms you may use.',
    },
    {
      text: 'Describe the breach in a facts file (when discovered, which data, how many people where) and see whom you must tell, by when:',
      command: 'ripcord obligations assess --facts breach-facts.yml',
    },
    {
      text: 'Build the list of affected customers from an export (or read-only from the shop database with --shop-db):',
      command: 'ripcord notices audience import affected --csv customers.csv',
    },
    { text: 'How many of them live under each law:', command: 'ripcord notices audience stats affected' },
    {
      text: 'Check the pre-written notice (see "Notices") against what each of those laws demands, and preview it:',
      command: 'ripcord notices lint TEMPLATE --for CODES --vars incident.yml',
    },
    {
      text: "Preview one customer's notice:",
      command: 'ripcord notices preview TEMPLATE --vars incident.yml --audience affected',
    },
  );

  const repair: Step[] = [
    {
      text: 'Put every changed site file back from the known-good copy (added files go to a quarantine folder):',
      command: 'ripcord integrity revert --all --delete-added',
    },
    { text: 'Confirm the files are clean (exit code 0):', command: 'ripcord integrity check' },
    { text: 'List the backups:', command: 'ripcord backup list' },
  ];
  if (dbJob)
    repair.push(
      {
        text: `Restore the database into a scratch copy first, and check it:`,
        command: `ripcord backup restore latest --database ${dbJob.name}`,
      },
      {
        text: 'Then over the live database (a safety snapshot is taken first):',
        command: `ripcord backup restore latest --database ${dbJob.name} --in-place`,
      },
    );
  if (filesJob)
    repair.push({
      text: `Files from a backup, to a new folder (pick the snapshot from \`ripcord backup list --job ${filesJob.name}\`):`,
      command: 'ripcord backup restore SNAPSHOT --target /tmp/restored',
    });
  if (offsite)
    repair.push({
      text: `If the server is lost: install Ripcord on a new one with this ripcord.yml, set repository.location to the off-site copy (${escapeMarkdown(config.repository.offsite[offsite]?.location ?? offsite)}, with its hostKey), and list what it holds:`,
      command: 'ripcord backup list',
    });
  repair.push(
    {
      text: 'Once fixed, take a new known-good copy of the files:',
      command: 'ripcord integrity baseline --reason "after incident"',
    },
    ...(channel ? [{ text: 'Check that alerts still reach you:', command: `ripcord alerts test ${channel}` }] : []),
  );

  return [
    {
      id: 'find',
      title: 'Find the cause',
      intro:
        'How did they get in, when, and what did they do? The traffic record, the findings and the file changes answer it.',
      steps: find,
    },
    {
      id: 'fix',
      title: 'Fix the cause',
      intro: 'Close the way in before restoring anything, or the attacker comes back the same way.',
      steps: fix,
    },
    {
      id: 'minimise',
      title: 'Minimise the fallout',
      intro: 'Tell the people the law says you must, by its deadline, with a notice that says what it must.',
      steps: minimise,
    },
    {
      id: 'repair',
      title: 'Repair the damage',
      intro: 'Put the shop back as it was before the intrusion, and prove it is clean.',
      steps: repair,
    },
  ];
}

// `ripcord notices …`: customer breach notices. Audiences are built (CSV or the shop's
// database), with each recipient's jurisdiction so the obligations engine can count people per
// law. Thin: parses flags, calls app/notices.ts, prints a table or JSON lines.

import type { Command } from 'commander';
import {
  audienceRecipients,
  audienceReport,
  importCsvAudience,
  importShopAudience,
  exampleVars,
  lintTemplate,
  listAudiences,
  noticeTemplateNames,
  previewNotice,
  recipientFields,
  type AudienceInfo,
  type CsvEncoding,
  type CustomerScope,
  type RecipientField,
  type ShopPreset,
} from '../../app/notices.ts';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import { withAppFor, positiveInt } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { progressBar } from '../progress.ts';
import { wrapped } from '../help.ts';
import { registerSending } from './notices-send.ts';

const PRESETS: readonly ShopPreset[] = ['magento2', 'woocommerce', 'prestashop', 'custom'];
const ENCODINGS: Record<string, CsvEncoding> = {
  auto: 'auto',
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
};

function parseMap(pairs: readonly string[]): Partial<Record<RecipientField, string>> {
  const out: Partial<Record<RecipientField, string>> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    const field = p.slice(0, eq) as RecipientField;
    if (eq <= 0 || !recipientFields.includes(field))
      throw new AppError('usage', `--map ${p}: use FIELD=COLUMN with FIELD one of ${recipientFields.join(', ')}`);
    out[field] = p.slice(eq + 1);
  }
  return out;
}

const summary = (a: AudienceInfo): string =>
  `audience ${a.id} "${safe(a.name)}" (${safe(a.origin)}): ${a.recipients} recipients, ${a.invalid} invalid, ${a.duplicates} duplicates`;

interface ImportOpts {
  csv?: string;
  encoding: string;
  map: string[];
  shopDb?: string;
  preset?: string;
  prefix?: string;
  query?: string;
  createdFrom?: string;
  createdTo?: string;
  activeFrom?: string;
  activeTo?: string;
  hasCard?: boolean;
  hasPassword?: boolean;
  json?: boolean;
}

function scopeOf(o: ImportOpts): CustomerScope {
  const s: CustomerScope = {};
  if (o.createdFrom !== undefined) s.createdFrom = o.createdFrom;
  if (o.createdTo !== undefined) s.createdTo = o.createdTo;
  if (o.activeFrom !== undefined) s.activeFrom = o.activeFrom;
  if (o.activeTo !== undefined) s.activeTo = o.activeTo;
  if (o.hasCard !== undefined) s.hasCard = o.hasCard;
  if (o.hasPassword !== undefined) s.hasPassword = o.hasPassword;
  return s;
}

export function register(program: Command): void {
  const cmd = program
    .command('notices')
    .description('Customer breach notices: who to tell, what to tell them, and sending it to each exactly once.')
    .addHelpText(
      'after',
      wrapped(
        '\nFirst build an audience: `ripcord notices audience import NAME --csv customers.csv`, or straight from the ' +
          'shop: `--shop-db mysql://reader@localhost/magento --preset magento2`. Then `notices audience stats NAME` ' +
          'counts the people per jurisdiction, which is what `ripcord obligations assess` needs in `affected`.\n' +
          'Then check the notice: `notices preview california --vars incident.yml` and ' +
          '`notices lint california --for US-CA,US-MA --vars incident.yml`.\n' +
          'Then send it: `notices campaign create --audience NAME --template auto --values incident.yml`, ' +
          '`notices test CAMPAIGN --to you@shop.example`, `notices send CAMPAIGN`; `notices status` and ' +
          '`notices export CAMPAIGN --csv` are the record of who was told, when.',
      ),
    );
  const aud = cmd.command('audience').description('Who receives the notice: import, list, show, stats.');

  aud
    .command('import')
    .description('Import an audience from a CSV file or a read-only query on the shop database.')
    .argument('<name>', 'a name for the audience (unique)')
    .option('--csv <file>', 'a CSV file with a header row; needs an e-mail column')
    .option('--encoding <enc>', 'CSV encoding: auto (UTF-8, else Windows-1252), utf-8, latin1, windows-1252', 'auto')
    .option(
      '--map <field=column>',
      `which CSV column holds a field (${recipientFields.join(', ')}); repeatable`,
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--shop-db <url>', 'the shop database: postgres://…, mysql://…, mariadb://… or sqlite:PATH (read-only)')
    .option('--preset <name>', `the shop platform: ${PRESETS.join(', ')}`)
    .option('--prefix <prefix>', 'table prefix (default: wp_ for WooCommerce, ps_ for PrestaShop, none for Magento)')
    .option(
      '--query <sql>',
      'with --preset custom: one SELECT returning id, email, first_name, last_name, country, region',
    )
    .option('--created-from <date>', 'only customers created on or after this date')
    .option('--created-to <date>', 'only customers created before this date')
    .option('--active-from <date>', 'only customers active on or after this date')
    .option('--active-to <date>', 'only customers active before this date')
    .option('--has-card', 'only customers with a stored payment card')
    .option('--has-password', 'only customers with an account password (not guests)')
    .option('--json', 'the audience summary as one JSON object')
    .addHelpText(
      'after',
      wrapped(
        '\nExamples:\n' +
          '  ripcord notices audience import all-customers --csv export.csv --map email="E-Mail Adresse"\n' +
          '  ripcord notices audience import card-holders --shop-db mysql://ro@127.0.0.1/magento --preset magento2 --has-card\n\n' +
          'Invalid addresses and repeated ones are not imported; each is reported with its line (or customer id) by ' +
          '`notices audience show NAME --problems`.',
      ),
    )
    .action(async (name: string, o: ImportOpts, c: Command) => {
      const out = createOut(o.json === true);
      if ((o.csv === undefined) === (o.shopDb === undefined))
        throw new AppError('usage', 'give either --csv FILE or --shop-db URL --preset NAME');
      const bar = progressBar('import', !out.json, 'rows');
      const onProgress = (rows: number): void => bar.update(rows, rows);
      let a: AudienceInfo;
      try {
        if (o.csv !== undefined) {
          const encoding = ENCODINGS[o.encoding.toLowerCase()];
          if (encoding === undefined)
            throw new AppError('usage', `--encoding ${o.encoding}: use auto, utf-8 or latin1`);
          const file = o.csv;
          a = await withAppFor(c, (app) =>
            importCsvAudience(app, name, { file, encoding, map: parseMap(o.map) }, onProgress),
          );
        } else {
          const preset = o.preset as ShopPreset | undefined;
          if (preset === undefined || !PRESETS.includes(preset))
            throw new AppError('usage', `--preset: one of ${PRESETS.join(', ')}`);
          if (preset === 'custom' && o.query === undefined)
            throw new AppError('usage', '--preset custom needs --query');
          const url = o.shopDb as string;
          a = await withAppFor(c, (app) =>
            importShopAudience(
              app,
              name,
              {
                url,
                preset,
                scope: scopeOf(o),
                ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
                ...(o.query !== undefined ? { sql: o.query } : {}),
              },
              onProgress,
            ),
          );
        }
      } finally {
        bar.stop();
      }
      out.record(a, summary);
    });

  aud
    .command('list')
    .description('The audiences built so far.')
    .option('--json', 'one JSON object per audience')
    .action(async (o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const list = await withAppFor(c, (app) => listAudiences(app));
      if (out.json) for (const a of list) out.record(a, summary);
      else if (list.length === 0) out.text('no audiences yet (ripcord notices audience import --help)');
      else
        out.text(
          table(
            list.map((a) => [
              String(a.id),
              safe(a.name),
              safe(a.origin),
              String(a.recipients),
              String(a.invalid),
              String(a.duplicates),
            ]),
            ['ID', 'NAME', 'ORIGIN', 'RECIPIENTS', 'INVALID', 'DUPLICATES'],
          ),
        );
    });

  aud
    .command('stats')
    .description('Counts per jurisdiction (for `obligations assess`), invalid and duplicate rows.')
    .argument('<audience>', 'audience id or name')
    .option('--problems <n>', 'also list this many rows not imported, with their line or customer id', '0')
    .option('--json', 'one JSON object: audience, jurisdictions, problems')
    .action(async (id: string, o: { problems: string; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const n = o.problems === '0' ? 0 : positiveInt('--problems', o.problems, 20);
      const r = await withAppFor(c, (app) => audienceReport(app, id, n));
      out.record(r, (v) =>
        [
          summary(v.audience),
          '',
          table(
            v.jurisdictions.map((j) => [j.jurisdiction ?? 'unknown', String(j.count)]),
            ['JURISDICTION', 'RECIPIENTS'],
          ),
          ...(v.problems.length > 0
            ? [
                '',
                table(
                  v.problems.map((p) => [p.kind, safe(p.source), safe(p.message)]),
                  ['PROBLEM', 'WHERE', 'WHY'],
                ),
              ]
            : []),
        ].join('\n'),
      );
    });

  aud
    .command('show')
    .description('The first recipients of an audience, with their jurisdiction.')
    .argument('<audience>', 'audience id or name')
    .option('--limit <n>', 'how many recipients', '20')
    .option('--json', 'one JSON object per recipient')
    .action(async (id: string, o: { limit: string; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(c, (app) => audienceRecipients(app, id, positiveInt('--limit', o.limit, 20)));
      if (out.json) for (const x of r.recipients) out.record(x, () => '');
      else {
        out.text(summary(r.audience));
        out.text(
          table(
            r.recipients.map((x) => [safe(x.email), safe(x.name), safe(x.jurisdiction ?? x.country), safe(x.source)]),
            ['EMAIL', 'NAME', 'JURISDICTION', 'FROM'],
          ),
        );
      }
    });

  const varsHelp = `the incident's values for the placeholders (YAML: shop:, incident:); default: the demo shop's ${exampleVars}`;

  cmd
    .command('preview')
    .description('Render a notice (subject, plain text, HTML) as one recipient would receive it.')
    .argument('<template>', `a shipped template (${noticeTemplateNames().join(', ')}) or your own FILE.md`)
    .option('--vars <file>', varsHelp)
    .option('--audience <audience>', 'take the recipient from this audience')
    .option('--recipient <n|address>', 'which recipient of the audience: position (1 = first) or address', '1')
    .option('--html', 'print the HTML part instead of the plain text')
    .option('--json', 'one JSON object: subject, text, html, headings')
    .action(
      async (
        template: string,
        o: { vars?: string; audience?: string; recipient: string; html?: boolean; json?: boolean },
        c: Command,
      ) => {
        const out = createOut(o.json === true);
        const varsFile = o.vars ?? exampleVars;
        if (o.vars === undefined)
          out.note(`note: using the demo shop's values (${exampleVars}); give yours with --vars`);
        const opts = {
          template,
          varsFile,
          recipient: o.recipient,
          ...(o.audience !== undefined ? { audience: o.audience } : {}),
        };
        const r =
          o.audience !== undefined
            ? await withAppFor(c, (app) => previewNotice(app, opts))
            : await previewNotice(null, opts);
        out.record(
          r,
          (v) =>
            `Subject: ${safe(v.subject)}\n\n${(o.html === true ? v.html : v.text).split('\n').map(safe).join('\n')}`,
        );
      },
    );

  cmd
    .command('lint')
    .description("Check a notice against the content the jurisdictions' laws require; names each gap.")
    .argument('<template>', `a shipped template (${noticeTemplateNames().join(', ')}) or your own FILE.md`)
    .requiredOption(
      '--for <codes>',
      'jurisdictions, comma-separated (e.g. US-CA,US-MA,EU-DE; see `notices audience stats`)',
    )
    .option('--vars <file>', varsHelp)
    .option('--json', 'one JSON object per gap')
    .addHelpText(
      'after',
      wrapped(
        '\nA template lists in its front matter (`elements:`) the required elements it contains and the heading of ' +
          'the section that holds each; the lint checks the title, every required element and heading, statements a ' +
          'law forbids, and that every placeholder is filled. Exit status 1 when there are gaps.',
      ),
    )
    .action(async (template: string, o: { for: string; vars?: string; json?: boolean }) => {
      const out = createOut(o.json === true);
      const codes = o.for
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      const r = await lintTemplate(template, codes, o.vars ?? exampleVars);
      if (out.json) for (const g of r.gaps) out.record(g, () => '');
      else if (r.gaps.length === 0) out.text(`${safe(template)}: no gaps for ${r.jurisdictions.join(', ')}`);
      else
        out.text(
          `${safe(template)}: ${r.gaps.length} gaps for ${r.jurisdictions.join(', ')}\n` +
            table(
              r.gaps.map((g) => [g.jurisdiction, g.kind, g.element, safe(g.message)]),
              ['JURISDICTION', 'GAP', 'ELEMENT', 'WHAT IS NEEDED'],
            ),
        );
      if (r.gaps.length > 0) process.exitCode = EXIT_FOUND;
    });

  registerSending(cmd);
}

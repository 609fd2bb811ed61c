// `ripcord notices campaign|send|status|pause|resume|test|export`: one notice version to one
// audience, sent exactly once per recipient through the configured relay, with the outbox as
// the legal record. Thin: parses flags, calls app/notices.ts, prints a table or JSON lines.

import { once } from 'node:events';
import type { Command } from 'commander';
import {
  campaignStatus,
  createCampaign,
  exportCampaign,
  exportCampaignFile,
  listCampaigns,
  pauseCampaign,
  resumeCampaign,
  sendNotices,
  testNotice,
  type CampaignView,
  type SendReport,
} from '../../app/notices.ts';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import { isoTime, withAppFor } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { progressBar } from '../progress.ts';
import { wrapped } from '../help.ts';

const total = (v: CampaignView): number => Object.values(v.counts).reduce((a, b) => a + b, 0);

function describe(v: CampaignView): string {
  const c = v.campaign;
  const k = v.counts;
  const lines = [
    `campaign ${c.id} "${safe(c.name)}": ${c.status}, audience ${safe(v.audience)}, template ${safe(c.template)}` +
      (c.incident !== null ? `, incident ${safe(c.incident)}` : ''),
    `  ${total(v)} recipients: ${k.sent} sent, ${k.pending + k.claimed} to send, ${k.sending} in flight, ${k.failed} failed, ${k.uncertain} in doubt` +
      (c.skipped > 0 ? ` (${c.skipped} skipped: this notice version already went to them)` : ''),
    `  notice version ${c.version.slice(0, 16)}, created ${c.createdAt}`,
  ];
  if (v.span !== null) lines.push(`  sent between ${isoTime(v.span.first)} and ${isoTime(v.span.last)}`);
  if (c.sender !== null) lines.push(`  sender: process ${c.sender.pid} on ${safe(c.sender.host)}`);
  if (k.uncertain > 0)
    lines.push(
      `  ${k.uncertain} in doubt: a sender stopped while the relay may have been taking them. ` +
        `\`ripcord notices resume ${safe(c.name)} --relay-log /var/log/mail.log\` settles them from the relay's log; ` +
        '`--resend-uncertain` sends them again (some may then get two).',
    );
  if (v.variants.length > 0)
    lines.push(
      table(
        v.variants.map((x) => [safe(x.variant), x.status, String(x.count)]),
        ['VARIANT', 'STATUS', 'COUNT'],
      ),
    );
  return lines.join('\n');
}

interface SendFlags {
  rate?: string;
  concurrency?: string;
  wait: boolean;
  json?: boolean;
  relayLog?: string;
  resendUncertain?: boolean;
}

function sendOptions(o: SendFlags) {
  const num = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v.replace(/\/s$/, ''));
    if (!Number.isFinite(n) || n < min) throw new AppError('usage', `${flag} ${v}: give a number ≥ ${min}`);
    return n;
  };
  const rate = num('--rate', o.rate, 0);
  const concurrency = num('--concurrency', o.concurrency, 1);
  if (concurrency !== undefined && !Number.isInteger(concurrency))
    throw new AppError('usage', `--concurrency ${o.concurrency}: a whole number`);
  return {
    ...(rate !== undefined ? { rate } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    noWait: !o.wait,
    ...(o.relayLog !== undefined ? { relayLog: o.relayLog } : {}),
    ...(o.resendUncertain === true ? { resendUncertain: true } : {}),
  };
}

function sendSummary(r: SendReport): string {
  const k = r.counts;
  const secs = Math.max(r.elapsedMs / 1000, 0.001);
  const lines = [
    `campaign ${safe(r.campaign)}: ${r.outcome}; ${k.sent} sent, ${k.pending + k.claimed} left, ${k.failed} failed, ${k.uncertain} in doubt (${secs.toFixed(1)} s)`,
  ];
  if (r.recovered > 0) lines.push(`  ${r.recovered} messages in doubt from the sender that stopped before`);
  if (r.settled !== null)
    lines.push(
      `  in doubt before: ${r.settled.sent} found in the relay log (sent), ${r.settled.resend} sent now, ${r.settled.left} still in doubt`,
    );
  if (r.outcome === 'waiting') lines.push('  some messages were deferred by the relay; send again later to retry them');
  if (k.failed > 0) lines.push(`  \`ripcord notices export ${safe(r.campaign)} --csv\` lists the failures`);
  return lines.join('\n');
}

async function runWithProgress(
  c: Command,
  o: SendFlags,
  fn: (opts: ReturnType<typeof sendOptions> & Parameters<typeof sendNotices>[2]) => Promise<SendReport>,
): Promise<void> {
  const out = createOut(o.json === true);
  const bar = progressBar('sending', !out.json, 'messages');
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const r = await fn({
      ...sendOptions(o),
      signal: ac.signal,
      onProgress: (k) => {
        const all = k.pending + k.claimed + k.sending + k.sent + k.failed + k.uncertain;
        bar.update(k.sent + k.failed + k.uncertain, all, { failed: k.failed });
      },
    });
    bar.stop();
    out.record(r, sendSummary);
    if (r.outcome !== 'done' || r.counts.failed > 0 || r.counts.uncertain > 0) process.exitCode = EXIT_FOUND;
  } finally {
    bar.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void c;
  }
}

export function registerSending(cmd: Command): void {
  const camp = cmd.command('campaign').description('A notice version for an audience: create, list.');

  camp
    .command('create')
    .description('Create a campaign: freeze the notice (templates and values) and queue one message per recipient.')
    .requiredOption('--audience <audience>', 'the audience (name or id; see `notices audience list`)')
    .requiredOption(
      '--template <template>',
      'a template name or FILE.md, or "auto": California\'s form for US-CA, the GDPR notice in Europe, general elsewhere',
    )
    .option(
      '--variant <jurisdiction=template>',
      'another template for a jurisdiction or prefix (US-MA=general, EU=gdpr-art34); repeatable',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--values <file>', 'the notice values (YAML: shop:, incident:); default notices.values in the config')
    .option('--incident <id>', 'the incident this notice is for (INC-1); the send shows in its timeline')
    .option('--name <name>', 'a name for the campaign (default: AUDIENCE-VERSION)')
    .option('--json', 'the campaign as one JSON object')
    .addHelpText(
      'after',
      wrapped(
        '\nThe templates and values are copied into the campaign: what is sent is what you previewed, even if the ' +
          'files change later. A recipient who already got the same notice version in another campaign is skipped. ' +
          'Run `notices lint` on each template first; a placeholder without a value is refused here.',
      ),
    )
    .action(
      async (
        o: {
          audience: string;
          template: string;
          variant: string[];
          values?: string;
          incident?: string;
          name?: string;
          json?: boolean;
        },
        c: Command,
      ) => {
        const out = createOut(o.json === true);
        const variants: Record<string, string> = {};
        for (const p of o.variant) {
          const eq = p.indexOf('=');
          if (eq <= 0 || eq === p.length - 1) throw new AppError('usage', `--variant ${p}: use JURISDICTION=TEMPLATE`);
          variants[p.slice(0, eq)] = p.slice(eq + 1);
        }
        const v = await withAppFor(c, (app) =>
          createCampaign(app, {
            audience: o.audience,
            template: o.template,
            variants,
            ...(o.values !== undefined ? { valuesFile: o.values } : {}),
            ...(o.incident !== undefined ? { incident: o.incident } : {}),
            ...(o.name !== undefined ? { name: o.name } : {}),
          }),
        );
        out.record(v, describe);
      },
    );

  camp
    .command('list')
    .description('All campaigns with what was sent.')
    .option('--json', 'one JSON object per campaign')
    .action(async (o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const list = await withAppFor(c, listCampaigns);
      if (out.json) for (const v of list) out.record(v, () => '');
      else if (list.length === 0) out.text('no campaigns yet (`ripcord notices campaign create --help`)');
      else
        out.text(
          table(
            list.map((v) => [
              String(v.campaign.id),
              safe(v.campaign.name),
              v.campaign.status,
              safe(v.audience),
              String(total(v)),
              String(v.counts.sent),
              String(v.counts.failed),
              String(v.counts.uncertain),
            ]),
            ['ID', 'NAME', 'STATUS', 'AUDIENCE', 'RECIPIENTS', 'SENT', 'FAILED', 'IN DOUBT'],
          ),
        );
    });

  const sendFlags = (c: Command): Command =>
    c
      .option('--rate <n>', 'messages per second over all connections (0: no limit); default notices.rate')
      .option('--concurrency <n>', 'SMTP connections at once; default notices.concurrency')
      .option('--no-wait', 'stop instead of waiting for messages the relay deferred')
      .option('--json', 'the result as one JSON object');

  sendFlags(
    cmd
      .command('send')
      .description('Send a campaign through the relay in notices.smtp: every recipient exactly once.')
      .argument('<campaign>', 'campaign name or id'),
  )
    .addHelpText(
      'after',
      wrapped(
        '\nEach message is recorded as sent only after the relay accepted it. Deferred messages (4xx, connection ' +
          'trouble) are retried with backoff; refused ones (5xx) are failed. Ctrl-C stops after the messages in ' +
          'flight; `notices resume` goes on. If the sender is killed, the few messages it was handing over are ' +
          '"in doubt": resume settles them from the relay log. Exit status 1 when anything is left, failed or in doubt.',
      ),
    )
    .action(async (campaign: string, o: SendFlags, c: Command) => {
      await runWithProgress(c, o, (opts) => withAppFor(c, (app) => sendNotices(app, campaign, opts)));
    });

  cmd
    .command('status')
    .description('What a campaign sent, what is left, failed or in doubt, per template variant.')
    .argument('<campaign>', 'campaign name or id')
    .option('--json', 'one JSON object')
    .action(async (campaign: string, o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      out.record(await withAppFor(c, (app) => campaignStatus(app, campaign)), describe);
    });

  cmd
    .command('pause')
    .description('Pause a campaign: its sender stops after the messages in flight.')
    .argument('<campaign>', 'campaign name or id')
    .option('--json', 'one JSON object')
    .action(async (campaign: string, o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      out.record(await withAppFor(c, (app) => pauseCampaign(app, campaign)), describe);
    });

  sendFlags(
    cmd
      .command('resume')
      .description('Go on with a paused or interrupted campaign, settling the messages in doubt first.')
      .argument('<campaign>', 'campaign name or id')
      .option(
        '--relay-log <file>',
        "the relay's log (Postfix's mail.log, Exim's mainlog): a message it names was taken",
      )
      .option('--resend-uncertain', 'send the messages in doubt again without a log (a customer may get two)'),
  ).action(async (campaign: string, o: SendFlags, c: Command) => {
    await runWithProgress(c, o, (opts) => withAppFor(c, (app) => resumeCampaign(app, campaign, opts)));
  });

  cmd
    .command('test')
    .description("Send one recipient's notice to your own address, marked [TEST]; nothing is recorded as sent.")
    .argument('<campaign>', 'campaign name or id')
    .requiredOption('--to <address>', 'where the test goes')
    .option('--recipient <n|address>', 'whose notice (position in the audience, or address)', '1')
    .option('--json', 'one JSON object')
    .action(async (campaign: string, o: { to: string; recipient: string; json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(c, (app) => testNotice(app, campaign, o.to, o.recipient));
      out.record(r, (v) => `test of ${safe(v.campaign)} (${safe(v.variant)}) accepted by the relay: ${v.reply}`);
    });

  cmd
    .command('export')
    .description('The evidence: one CSV line per recipient with variant, status, Message-ID, SMTP reply and time.')
    .argument('<campaign>', 'campaign name or id')
    .option('--csv', 'CSV (the only format; the flag says so in scripts)')
    .option('--out <file>', 'write to a file (created with mode 0600) instead of stdout')
    .addHelpText(
      'after',
      wrapped('\nThe file holds customer addresses: keep it with the incident record, not in e-mail.'),
    )
    .action(async (campaign: string, o: { csv?: boolean; out?: string }, c: Command) => {
      await withAppFor(c, async (app) => {
        if (o.out !== undefined) return exportCampaignFile(app, campaign, o.out);
        for await (const chunk of exportCampaign(app, campaign))
          if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
      });
    });
}

// `ripcord alerts …`: what was sent to the owner and how it went — list, show, ack, silences,
// channel status, and a test message on a channel.

import type { Command } from 'commander';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import { durationMs } from '../../core/config/alerts.ts';
import { createOut, safe, table } from '../output.ts';
import { configFor, withAppFor, instant, isoTime, positiveInt } from '../context.ts';
import {
  ackAlert,
  addSilence,
  alertsStatus,
  expireSilence,
  listAlerts,
  listSilences,
  showAlert,
  testChannel,
  type AlertView,
} from '../../app/alerts.ts';
import { wrapped } from '../help.ts';

function alertId(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new AppError('usage', `"${text}" is not an alert id (see \`ripcord alerts list\`)`);
  return n;
}

const where = (a: Pick<AlertView, 'service' | 'ip' | 'user'>): string =>
  [a.service ?? '', a.user !== null ? `user ${safe(a.user)}` : '', a.ip !== null ? `from ${safe(a.ip)}` : '']
    .filter((s) => s !== '')
    .join(' ');

const matchText = (m: object): string =>
  (Object.entries(m) as [string, unknown][])
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => `${k}=${safe(String(v))}`)
    .join(',');

export function register(program: Command): void {
  const alerts = program
    .command('alerts')
    .summary('what the owner was told: alerts, deliveries, silences, channel tests')
    .description(
      'Alerts are groups of findings (a login, a brute-force storm from one address) sent to the owner on the' +
        ' ' +
        'channels in `alerts.channels` of ripcord.yml. `ripcord run` sends them; these commands look at them,' +
        ' ' +
        'acknowledge them, mute expected noise for a while, and check that a channel works.',
    );

  alerts
    .command('list')
    .description(
      'Recent alerts, newest first: id, state (open, acked, closed), severity, what, where, how many findings, messages sent.',
    )
    .option('--open', 'only alerts not acknowledged')
    .option('--since <time>', 'only alerts active since this time (ISO, or relative: 24h)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const since = instant('--since', o['since'] as string | undefined);
      const rows = await withAppFor(cmd, (app) =>
        listAlerts(app, {
          ...(o['open'] === true ? { status: 'open' as const } : {}),
          ...(since !== undefined ? { since } : {}),
          limit: positiveInt('--limit', o['limit'] as string | undefined, 50),
        }),
      );
      if (out.json)
        for (const a of rows) out.record({ ...a, firstAt: isoTime(a.firstAt), lastAt: isoTime(a.lastAt) }, () => '');
      else if (rows.length === 0) out.note('no alerts');
      else
        out.text(
          table(
            rows.map((a) => [
              String(a.id),
              a.state,
              a.severity,
              isoTime(a.lastAt),
              safe(a.rule),
              where(a),
              String(a.count),
              String(a.seq),
            ]),
            ['id', 'state', 'severity', 'last', 'rule', 'where', 'findings', 'msgs'],
          ),
        );
    });

  alerts
    .command('show')
    .argument('<id>', 'alert id (from `ripcord alerts list`)')
    .description(
      'One alert in full: what happened, evidence lines, every message queued for it and its delivery state, and the commands that look further.',
    )
    .option('--json', 'one JSON object')
    .action(async (id: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const d = await withAppFor(cmd, (app) => showAlert(app, alertId(id)));
      const a = d.alert;
      out.record(d, () =>
        [
          `alert ${a.id} (${a.state}) ${a.severity}  ${safe(a.rule)} / ${safe(a.category)}  route ${safe(a.route)}`,
          `what:     ${safe(a.message)}`,
          `where:    ${where(a) || '-'}`,
          `when:     ${isoTime(a.firstAt)} .. ${isoTime(a.lastAt)}  (${a.count} finding${a.count === 1 ? '' : 's'})`,
          a.ackedAt !== null ? `acked:    ${isoTime(a.ackedAt)}` : '',
          'evidence:',
          ...a.evidence.map((l) => `  | ${safe(l)}`),
          'messages:',
          d.deliveries.length === 0
            ? '  (none queued yet)'
            : table(
                d.deliveries.map((x) => [
                  `  ${x.key}`,
                  safe(x.channel),
                  x.status,
                  `tries ${x.attempts}`,
                  x.sentAt !== null ? `sent ${isoTime(x.sentAt)}` : `next ${isoTime(x.nextAt)}`,
                  safe(x.lastError),
                ]),
              ),
          'look further:',
          ...d.commands.map((c) => `  $ ${safe(c)}`),
        ]
          .filter((l) => l !== '')
          .join('\n'),
      );
    });

  alerts
    .command('ack')
    .argument('<id>', 'alert id')
    .description(
      'Acknowledge an alert: you have seen it. Stops its reminders; later findings of the same kind open a new alert.',
    )
    .option('--json', 'one JSON object')
    .action(async (id: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const r = await withAppFor(cmd, (app) => ackAlert(app, alertId(id)));
      out.record(r, () => (r.acked ? `alert ${r.id} acknowledged` : `alert ${r.id} was already acknowledged`));
    });

  alerts
    .command('silence')
    .description(
      'Mute findings that match for a while (planned maintenance, a known scanner). Muted findings are counted' +
        ' ' +
        'but not sent. Fields: rule, category, severity, ip, user, service, groupKey; values may use * (203.0.113.*).' +
        ' ' +
        'Without --match, lists the active silences.',
    )
    .option(
      '--match <matchers>',
      'comma-separated field=value pairs, all must match: rule=ssh-brute-force,ip=203.0.113.9',
    )
    .option('--for <duration>', 'how long: 30m, 2h, 1d', '2h')
    .option('--comment <text>', 'why (shown in listings)')
    .option('--all', 'when listing, include expired silences')
    .option('--expire <id>', 'end a silence now')
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      wrapped(
        '\nExamples:\n  ripcord alerts silence --match rule=ssh-brute-force,ip=203.0.113.9 --for 2h --comment "pen test"\n  ripcord alerts silence\n  ripcord alerts silence --expire 3',
      ),
    )
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const expire = o['expire'];
      const match = o['match'];
      if (typeof expire === 'string') {
        const r = await withAppFor(cmd, (app) => expireSilence(app, alertId(expire)));
        out.record(r, () => (r.expired ? `silence ${r.id} ended` : `silence ${r.id} was not active`));
        return;
      }
      if (typeof match === 'string') {
        const forText = String(o['for'] ?? '2h');
        const forMs = durationMs(forText);
        if (forMs === undefined || forMs <= 0)
          throw new AppError('usage', `--for: "${forText}" is not a duration (30m, 2h, 1d)`);
        const s = await withAppFor(cmd, (app) =>
          addSilence(app, {
            match,
            forMs,
            comment: typeof o['comment'] === 'string' ? o['comment'] : undefined,
          }),
        );
        out.record(
          { ...s, startsAt: isoTime(s.startsAt), endsAt: isoTime(s.endsAt) },
          (v) => `silence ${v.id}: ${matchText(s.match)} until ${v.endsAt}`,
        );
        return;
      }
      const rows = await withAppFor(cmd, (app) => listSilences(app, o['all'] === true));
      if (out.json)
        for (const s of rows) out.record({ ...s, startsAt: isoTime(s.startsAt), endsAt: isoTime(s.endsAt) }, () => '');
      else if (rows.length === 0) out.note('no active silences');
      else
        out.text(
          table(
            rows.map((s) => [String(s.id), matchText(s.match), isoTime(s.endsAt), String(s.muted), safe(s.comment)]),
            ['id', 'match', 'until', 'muted', 'comment'],
          ),
        );
    });

  alerts
    .command('status')
    .description('Outbox counts (pending, sending, sent, failed) and the health of each channel.')
    .option('--json', 'one JSON object')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const s = await withAppFor(cmd, (app) => alertsStatus(app));
      out.record(s, () =>
        [
          `outbox: ${s.outbox.pending} pending, ${s.outbox.sending} sending, ${s.outbox.sent} sent, ${s.outbox.failed} failed`,
          table(
            s.channels.map((c) => [
              safe(c.channel),
              c.configured ? '' : '(not configured)',
              c.consecutiveFailures > 0
                ? `${c.consecutiveFailures} failures since ${isoTime(c.failingSince ?? 0)}`
                : 'ok',
              c.lastSuccessAt !== null ? `last ok ${isoTime(c.lastSuccessAt)}` : '',
              safe(c.lastError ?? ''),
            ]),
            ['channel', '', 'state', 'last success', 'last error'],
          ),
        ].join('\n'),
      );
      if (s.outbox.failed > 0 || s.channels.some((c) => c.consecutiveFailures > 0)) process.exitCode = EXIT_FOUND;
    });

  alerts
    .command('test')
    .argument('<channel>', 'channel name from alerts.channels')
    .description(
      'Send a test message on one channel now and report success, or the error and whether it would be retried.',
    )
    .option('--json', 'one JSON object')
    .action(async (name: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const r = await testChannel(configFor(cmd), name);
      out.record(r, () =>
        r.ok
          ? `${safe(r.channel)} (${r.type}): delivered in ${r.ms} ms (message ${r.key})`
          : `${safe(r.channel)} (${r.type}): FAILED after ${r.ms} ms: ${safe(r.error)} (${r.transient ? 'transient: would be retried' : 'permanent: fix the configuration'})`,
      );
      if (!r.ok)
        throw new AppError(r.transient ? 'unavailable' : 'refused', `channel ${name} did not accept the test message`);
    });
}

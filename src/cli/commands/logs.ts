// `ripcord logs …`: questions to the traffic record — search, who logged in, top talkers,
// timeline, rejected lines and source state.

import type { Command } from 'commander';
import { AppError } from '../../core/errors.ts';
import { createOut, safe, table } from '../output.ts';
import { configFor, defined, instant, isoTime, positiveInt, sinceUntil } from '../context.ts';
import { searchLogs, who, top, timeline, withEvents, withRecord, type TimelineItem } from '../../app/logs.ts';
import type { StoredEvent } from '../../app/logs.ts';
import { wrapped } from '../help.ts';

const services = ['ssh', 'ftp', 'sudo', 'su', 'shop-admin', 'web', 'other'] as const;
type Service = (typeof services)[number];

function service(text: string | undefined): Service | undefined {
  if (text === undefined) return undefined;
  if (!(services as readonly string[]).includes(text))
    throw new AppError('usage', `--service: "${text}" is not one of ${services.join(', ')}`);
  return text as Service;
}

function statuses(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const out: number[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    const m = /^([1-5])xx$/i.exec(p);
    if (m) {
      const base = Number(m[1]) * 100;
      for (let i = 0; i < 100; i++) out.push(base + i);
    } else if (/^\d{3}$/.test(p)) out.push(Number(p));
    else throw new AppError('usage', `--status: "${p}" is not a status (e.g. 404, 5xx, 200,302)`);
  }
  return out;
}

export function eventLine(e: StoredEvent): string {
  const t = isoTime(e.time);
  if (e.kind === 'http') {
    const q = e.query === '' ? '' : `?${e.query}`;
    return `${t}  ${safe(e.ip)}  ${safe(e.method)} ${safe(e.path + q)}  ${e.status}  ${e.bytes ?? '-'}  "${safe(e.userAgent)}"`;
  }
  const who = e.user === null ? '' : ` user=${safe(e.user)}`;
  const from = e.ip === null ? '' : ` from=${safe(e.ip)}`;
  return `${t}  ${e.service} ${e.action} ${e.outcome}${who}${from}${e.method ? ` method=${safe(e.method)}` : ''}  ${safe(e.message)}`;
}

function timelineLine(i: TimelineItem): string {
  if (i.kind === 'finding')
    return `${isoTime(i.time)}  FINDING ${i.severity} ${i.rule}: ${safe(i.message)}${i.ip ? ` (ip ${safe(i.ip)})` : ''}`;
  return eventLine(i);
}

export function register(program: Command): void {
  const logs = program
    .command('logs')
    .summary('search the traffic record: requests, logins, timeline')
    .description('Questions to the traffic record: what came in, who logged in, from where, and when.');

  logs
    .command('search')
    .description(
      'Finds requests and logins, newest first. Web filters (--path, --method, --status) search requests; --service searches logins.',
    )
    .option('--ip <ip>', 'remote address')
    .option('--since <time>', 'from this time (ISO, or relative: 2h, 30m, 7d)')
    .option('--until <time>', 'up to this time')
    .option('--path <glob>', 'request path glob, e.g. "/admin*" or "*.php"')
    .option('--path-re <regex>', 'request path regular expression')
    .option('--method <method>', 'HTTP method')
    .option('--status <codes>', 'HTTP status: 404, 5xx, or a list 200,302')
    .option('--user <name>', 'user name (HTTP auth or login)')
    .option('--service <service>', `login service: ${services.join(', ')}`)
    .option('--source <id>', 'only this source')
    .option('--host <name>', 'only what this web server stored (several servers on one store)')
    .option('--limit <n>', 'at most this many results', '100')
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      wrapped(
        '\nExamples:\n  ripcord logs search --ip 203.0.113.9 --since 24h\n  ripcord logs search --path "*.php" --status 200 --method POST\n  ripcord logs search --service ssh --user root',
      ),
    )
    .action(async (o: Record<string, string | undefined> & { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const loaded = configFor(cmd);
      const range = sinceUntil(o);
      const status = statuses(o['status']);
      const svc = service(o['service']);
      const rows = await withEvents(loaded, (events) =>
        searchLogs(events, {
          ...range,
          ...defined({
            ip: o['ip'],
            pathGlob: o['path'],
            pathRe: o['pathRe'],
            method: o['method'],
            status,
            user: o['user'],
            service: svc,
            source: o['source'],
            host: o['host'],
          }),
          limit: positiveInt('--limit', o['limit'], 100),
        }),
      );
      for (const r of rows) out.record({ ...r, time: isoTime(r.time) }, () => eventLine(r));
      if (!out.json && rows.length === 0) out.note('no matching events');
    });

  logs
    .command('who')
    .description(
      'Every login and connection (SSH, FTP, sudo, shop admin): who, from where, when, how, and whether that user had used that IP before.',
    )
    .option('--since <time>', 'from this time (default 7d)', '7d')
    .option('--until <time>', 'up to this time')
    .option('--user <name>', 'only this user')
    .option('--service <service>', `only this service: ${services.join(', ')}`)
    .option('--failed', 'include failed attempts')
    .option('--host <name>', 'only what this web server stored (several servers on one store)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const range = sinceUntil(o);
      const svc = service(o['service'] as string | undefined);
      const rows = await withEvents(loaded, (events) =>
        who(events, {
          ...range,
          ...defined({
            user: typeof o['user'] === 'string' ? o['user'] : undefined,
            service: svc,
            host: typeof o['host'] === 'string' ? o['host'] : undefined,
          }),
          failed: o['failed'] === true,
          limit: positiveInt('--limit', o['limit'] as string | undefined, 100),
        }),
      );
      if (out.json) {
        for (const r of rows) out.record({ ...r, time: isoTime(r.time) }, () => '');
      } else if (rows.length === 0) out.note('no logins in that period');
      else
        out.text(
          table(
            rows.map((r) => [
              isoTime(r.time),
              r.service,
              r.outcome,
              safe(r.user),
              safe(r.ip),
              safe(r.method),
              r.knownIp === null ? '-' : r.knownIp ? 'known' : 'NEW IP',
            ]),
            ['time', 'service', 'outcome', 'user', 'from', 'method', 'ip before?'],
          ),
        );
    });

  logs
    .command('top')
    .description('The most frequent values: which IPs, paths, statuses, user agents or login users dominate.')
    .requiredOption('--by <field>', 'ip, path, status, user-agent or user')
    .option('--since <time>', 'from this time (default 24h)', '24h')
    .option('--until <time>', 'up to this time')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const by = o['by'];
      if (by !== 'ip' && by !== 'path' && by !== 'status' && by !== 'user-agent' && by !== 'user')
        throw new AppError('usage', `--by: "${String(by)}" is not one of ip, path, status, user-agent, user`);
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const range = sinceUntil(o);
      const rows = await withEvents(loaded, (events) =>
        top(events, by, { ...range, limit: positiveInt('--limit', o['limit'] as string | undefined, 20) }),
      );
      if (out.json) for (const r of rows) out.record({ by, ...r }, () => '');
      else
        out.text(
          table(
            rows.map((r) => [String(r.count), safe(r.value)]),
            ['count', by],
          ),
        );
    });

  logs
    .command('timeline')
    .description('All requests, logins and findings between two times, merged in time order (oldest first).')
    .requiredOption('--from <time>', 'start (ISO or relative: 2h)')
    .option('--to <time>', 'end (default now)', 'now')
    .option('--ip <ip>', 'only this remote address')
    .option('--limit <n>', 'at most this many items', '1000')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const from = instant('--from', o['from'] as string) ?? 0;
      const to = instant('--to', o['to'] as string) ?? Date.now();
      if (to <= from) throw new AppError('usage', '--to must be after --from');
      const items = await withRecord(loaded, (events, findings) =>
        timeline(events, findings, {
          from,
          to,
          ...defined({ ip: typeof o['ip'] === 'string' ? o['ip'] : undefined }),
          limit: positiveInt('--limit', o['limit'] as string | undefined, 1000),
        }),
      );
      for (const i of items) out.record({ ...i, time: isoTime(i.time) }, () => timelineLine(i));
      if (!out.json && items.length === 0) out.note('nothing in that period');
    });

  logs
    .command('rejects')
    .description('Lines that could not be parsed, with the reason (they are kept, never dropped).')
    .option('--source <id>', 'only this source')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per line')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const rows = await withEvents(loaded, (events) =>
        events.rejects({
          ...(typeof o['source'] === 'string' ? { source: o['source'] } : {}),
          limit: positiveInt('--limit', o['limit'] as string | undefined, 50),
        }),
      );
      for (const r of rows)
        out.record(r, (x) => `${safe(x.source)}:${x.line}: ${safe(x.reason)}\n    ${safe(x.text.slice(0, 300))}`);
    });

  logs
    .command('sources')
    .description('Each source with its counters (lines, events, skipped, rejected) and where it stopped.')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const loaded = configFor(cmd);
      const rows = await withEvents(loaded, (events) => events.listSources());
      if (out.json) for (const r of rows) out.record(r, () => '');
      else
        out.text(
          table(
            rows.map((r) => [
              safe(r.id),
              String(r.lines),
              String(r.events),
              String(r.skipped),
              String(r.rejected),
              r.updatedAt === null ? '-' : isoTime(r.updatedAt),
            ]),
            ['source', 'lines', 'events', 'skipped', 'rejected', 'updated'],
          ),
        );
    });
}

// Auth-log parsers (syslog header, sshd, sudo, su, FTP daemons) on the labelled nasty cases of
// test/fixtures/logs/nasty-auth.log, and the syslog time rules: year-less times, last year's
// lines, zones (IANA and fixed offsets), RFC 5424.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthEvent, ParseContext, ParseResult } from '../../../src/logs/events.ts';
import { getParser, isValidTimezone } from '../../../src/logs/parsers/index.ts';

const ctx: ParseContext = { year: 2026, now: Date.UTC(2026, 2, 1), timezone: 'UTC' };

function classOf(r: ParseResult): string {
  if (r.type !== 'event') return r.type;
  return r.event.kind === 'auth' ? `${r.event.action}/${r.event.outcome}` : 'http';
}

function auth(r: ParseResult): AuthEvent {
  assert.equal(r.type, 'event', r.type === 'reject' ? r.reason : r.type);
  const e = (r as { event: AuthEvent }).event;
  assert.equal(e.kind, 'auth');
  return e;
}

test('nasty-auth.log: every labelled line is classified as labelled', () => {
  const text = readFileSync(join(import.meta.dirname, '../../fixtures/logs/nasty-auth.log'), 'utf8').split('\n');
  const parser = getParser('syslog');
  let checked = 0;
  let expect: Record<string, unknown> | null = null;
  text.forEach((line, i) => {
    if (line.startsWith('# expect:')) {
      expect = JSON.parse(line.slice(9)) as Record<string, unknown>;
      return;
    }
    if (line.startsWith('#') || line.trim() === '' || expect === null) return;
    const want: Record<string, unknown> = expect;
    expect = null;
    const r = parser.parse(line, ctx);
    const where = `nasty-auth.log:${i + 1}: ${line}`;
    assert.equal(classOf(r), want['class'], `${where}\n  ${r.type === 'reject' ? r.reason : ''}`);
    if (r.type === 'event' && r.event.kind === 'auth') {
      const e = r.event as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) {
        if (k === 'class') continue;
        if (k === 'time') assert.equal(new Date(r.event.time).toISOString(), v, `${where}\n  time`);
        else assert.equal(e[k], v, `${where}\n  ${k}`);
      }
    }
    checked++;
  });
  assert.ok(checked >= 30, `only ${checked} lines checked`);
});

test('sshd parser: bare journald messages use ctx.now; other programs are skipped', () => {
  const p = getParser('sshd');
  const e = auth(p.parse('Failed password for root from 203.0.113.1 port 22 ssh2', ctx));
  assert.equal(e.time, ctx.now);
  assert.equal(e.host, null);
  assert.deepEqual(
    p.parse('Mar  1 00:00:11 web sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls', ctx),
    { type: 'skip' },
  );
  assert.deepEqual(p.parse('Mar  1 00:00:11 web CRON[1]: (root) CMD (true)', ctx), { type: 'skip' });
  assert.equal(
    classOf(p.parse('Mar  1 00:00:11 web sshd[1]: Connection reset by 198.51.100.1 port 1 [preauth]', ctx)),
    'disconnect/failure',
  );
});

test('sudo parser reads sudo and su lines, skips sshd lines', () => {
  const p = getParser('sudo');
  assert.equal(auth(p.parse('Mar  1 00:00:15 web su[10]: Successful su for root by alice', ctx)).service, 'su');
  assert.equal(auth(p.parse('alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls', ctx)).command, '/bin/ls');
  assert.deepEqual(p.parse('Mar  1 00:00:11 web sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2', ctx), {
    type: 'skip',
  });
});

test('vsftpd own log, proftpd own log (ISO with comma fraction), pure-ftpd', () => {
  const v = auth(
    getParser('vsftpd').parse('Tue Nov  3 10:00:00 2026 [pid 123] [alice] OK LOGIN: Client "1.2.3.4"', ctx),
  );
  assert.deepEqual([v.time, v.user, v.ip, v.outcome], [Date.UTC(2026, 10, 3, 10), 'alice', '1.2.3.4', 'success']);
  assert.equal(
    classOf(getParser('vsftpd').parse('Tue Nov  3 10:00:00 2026 [pid 123] CONNECT: Client "1.2.3.4"', ctx)),
    'connect/info',
  );
  assert.equal(
    classOf(
      getParser('vsftpd').parse(
        'Tue Nov  3 10:00:00 2026 [pid 123] [alice] OK DOWNLOAD: Client "1.2.3.4", "/f", 10 bytes',
        ctx,
      ),
    ),
    'skip',
  );
  const pr = auth(
    getParser('proftpd').parse(
      '2013-11-16 21:59:30,121 novo proftpd[25891] localhost (andy[1.2.3.4]): USER kjsad: no such user found from andy [1.2.3.5] to ::ffff:192.168.1.14:21',
      ctx,
    ),
  );
  assert.deepEqual(
    [pr.time, pr.ip, pr.user, pr.invalidUser],
    [Date.UTC(2013, 10, 16, 21, 59, 30, 121), '1.2.3.4', 'kjsad', true],
  );
  const pu = auth(
    getParser('pureftpd').parse(
      'Jan 31 16:54:07 desktop pure-ftpd: (?@24.79.92.194) [WARNING] Authentication failed for user [Administrator]',
      ctx,
    ),
  );
  assert.deepEqual([pu.user, pu.ip, pu.outcome], ['Administrator', '24.79.92.194', 'failure']);
});

test('year-less times: ctx.year, or last year when more than a day ahead of now', () => {
  const p = getParser('syslog');
  const line = (d: string): string => `${d} web sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2`;
  assert.equal(auth(p.parse(line('Mar  2 00:00:00'), ctx)).time, Date.UTC(2026, 2, 2)); // one day ahead: this year
  assert.equal(auth(p.parse(line('Mar  2 00:00:01'), ctx)).time, Date.UTC(2025, 2, 2, 0, 0, 1)); // more: last year
  assert.equal(auth(p.parse(line('Feb 6 12:02:29'), ctx)).time, Date.UTC(2026, 1, 6, 12, 2, 29)); // single-digit day, one space
});

test('zones: IANA names (with DST) and fixed offsets for year-less times', () => {
  const p = getParser('syslog');
  const line = (d: string): string => `${d} web sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2`;
  const berlin: ParseContext = { ...ctx, now: Date.UTC(2026, 11, 1), timezone: 'Europe/Berlin' };
  assert.equal(auth(p.parse(line('Jan 15 12:00:00'), berlin)).time, Date.UTC(2026, 0, 15, 11)); // CET +1
  assert.equal(auth(p.parse(line('Jul 15 12:00:00'), berlin)).time, Date.UTC(2026, 6, 15, 10)); // CEST +2
  const ny: ParseContext = { ...berlin, timezone: 'America/New_York' };
  assert.equal(auth(p.parse(line('Jul 15 12:00:00'), ny)).time, Date.UTC(2026, 6, 15, 16));
  const fixed: ParseContext = { ...berlin, timezone: '+05:30' };
  assert.equal(auth(p.parse(line('Jul 15 12:00:00'), fixed)).time, Date.UTC(2026, 6, 15, 6, 30));
  const minus: ParseContext = { ...berlin, timezone: '-0700' };
  assert.equal(auth(p.parse(line('Jul 15 12:00:00'), minus)).time, Date.UTC(2026, 6, 15, 19));
  const bad: ParseContext = { ...berlin, timezone: 'Mars/Olympus' };
  const r = p.parse(line('Jul 15 12:00:00'), bad);
  assert.equal(r.type, 'reject');
  assert.match((r as { reason: string }).reason, /unknown timezone "Mars\/Olympus"/);
  assert.equal(isValidTimezone('Europe/Berlin'), true);
  assert.equal(isValidTimezone('+02:00'), true);
  assert.equal(isValidTimezone('Mars/Olympus'), false);
});

test('timestamps with their own zone ignore ctx.timezone', () => {
  const p = getParser('syslog');
  const berlin: ParseContext = { ...ctx, timezone: 'Europe/Berlin' };
  const e = auth(
    p.parse(
      '2015-04-16T18:02:50.321974+00:00 host sshd[2716]: Failed password for root from 1.2.3.4 port 1 ssh2',
      berlin,
    ),
  );
  assert.equal(e.time, Date.UTC(2015, 3, 16, 18, 2, 50, 321));
  const z = auth(
    p.parse('2025-03-04T01:06:36.645577 srv vsftpd[1658]: [username] FAIL LOGIN: Client "192.0.2.222"', {
      ...ctx,
      timezone: '+01:00',
    }),
  );
  assert.equal(z.time, Date.UTC(2025, 2, 4, 0, 6, 36, 645)); // zone-less ISO: read in ctx.timezone
});

test('RFC 5424 structured data with brackets and escaped quotes, nil values, BOM', () => {
  const p = getParser('syslog');
  const e = auth(
    p.parse(
      '<38>1 2019-07-08T17:40:17.954167-04:00 h.example sshd 55555 - [a x="[br\\"ack]ets]"][b@1 y="z"] Failed unknown for invalid user redmond from 192.0.2.2 port 55555 ssh2',
      ctx,
    ),
  );
  assert.deepEqual(
    [e.host, e.ip, e.user, e.invalidUser, e.method, e.time],
    ['h.example', '192.0.2.2', 'redmond', true, 'unknown', Date.UTC(2019, 6, 8, 21, 40, 17, 954)],
  );
  const nil = auth(p.parse('<38>1 - - sshd - - - \uFEFFAccepted password for a from 1.2.3.4 port 1 ssh2', ctx));
  assert.deepEqual([nil.time, nil.host, nil.outcome], [ctx.now, null, 'success']);
});

test('unknown programs are skips; a header with a broken time is a reject', () => {
  const p = getParser('syslog');
  assert.deepEqual(p.parse('Mar  1 00:00:00 web kernel: [  1.0] eth0: link up', ctx), { type: 'skip' });
  assert.deepEqual(p.parse('Mar  1 00:00:00 web systemd[1]: Started Session 1 of user root.', ctx), { type: 'skip' });
  assert.equal(p.parse('2026-13-45T99:00:00Z web sshd[1]: x', ctx).type, 'reject');
});

test('long attacker-chosen messages are cut to 500 characters', () => {
  const e = auth(getParser('sshd').parse(`Invalid user ${'x'.repeat(5000)} from 1.2.3.4 port 1`, ctx));
  assert.equal(e.message.length, 500);
  assert.equal(e.ip, '1.2.3.4');
  assert.equal(e.user?.length, 5000);
});

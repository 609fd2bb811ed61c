// The parsers against real logs (/work/shared/corpora, read in place; see corpora.ts):
// - fail2ban's labelled test logs (GPL-2.0, fail2ban/tests/files/logs): every `# failJSON`
//   line is understood (never rejected), every line labelled a failure from a host named in
//   the line becomes a failure event from that address, at the labelled time;
// - Loghub's OpenSSH_2k and Linux_2k ("Loghub: A Large Collection of System Log Datasets for
//   AI-driven Log Analytics", logpai/loghub): each line's event template decides the expected
//   classification;
// - Elastic's 10,000 Apache combined lines (Apache-2.0, elastic/examples "Common Data
//   Formats/apache_logs"): zero rejects, fields as logged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthEvent, LogEvent, ParseContext, ParseResult } from '../../src/logs/events.ts';
import { getParser, sniffFormat } from '../../src/logs/parsers/index.ts';
import type { FormatName } from '../../src/core/config/sources.ts';
import { normIp } from '../../src/logs/parsers/util.ts';
import { corpusOptions, csvRows, failJsonLines, readCorpus, type Labelled } from '../helpers/corpora.ts';

const fail2ban = corpusOptions('fail2ban-test-logs');
const loghub = corpusOptions('loghub');
const elastic = corpusOptions('elastic-apache');

function ctxFor(label: Labelled['label']): ParseContext {
  const year = label.time === undefined ? 2005 : Number(label.time.slice(0, 4));
  return { year, now: Date.UTC(year, 11, 31, 23, 59, 59), timezone: 'UTC' };
}

/**
 * Lines fail2ban counts as failures that Ripcord records differently, on purpose. fail2ban
 * correlates lines of one connection; Ripcord records each line for what it says.
 */
const SEMANTIC_EXCEPTIONS: { re: RegExp; why: string }[] = [
  { re: /Accepted password for known from/, why: 'a successful login; fail2ban counts the failures before it' },
  {
    re: /Connection closed by 192\.0\.2\.15 port 35352$/,
    why: 'a plain disconnect; fail2ban ties it to an earlier kex error of the same pid',
  },
  {
    re: /SSL_do_handshake\(\) failed|SSL_read\(\) failed|provided via SNI|No hostname was provided via SNI/,
    why: 'TLS noise, not a login',
  },
  {
    re: /\[error\] \d+#\d+: \*\d+ (?:open\(\)|"[^"]*" is not found)/,
    why: '404s of the error log: the access log records the request',
  },
];

const HAS_ZONE = /(?:[+-]\d\d:?\d\d\]|T\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z) )/;

function checkFail2ban(file: string, format: FormatName): { labelled: number; failures: number } {
  const parser = getParser(format);
  let failures = 0;
  const lines = failJsonLines(`fail2ban-test-logs/${file}`);
  assert.ok(lines.length > 0, `${file}: no labelled lines found`);
  for (const { lineNo, line, label } of lines) {
    const where = `${file}:${lineNo}: ${line.slice(0, 120)}`;
    const r = parser.parse(line, ctxFor(label));
    assert.notEqual(r.type, 'reject', `${where}\n  rejected: ${r.type === 'reject' ? r.reason : ''}`);
    const exception = SEMANTIC_EXCEPTIONS.find((x) => x.re.test(line));
    if (r.type === 'event' && label.time !== undefined && !HAS_ZONE.test(line)) {
      // fail2ban labels whole seconds of the line's own clock; a zone-less line is read as UTC here.
      assert.equal(Math.floor(r.event.time / 1000) * 1000, Date.parse(`${label.time}Z`), `${where}\n  time`);
    }
    if (!label.match || label.host === undefined || !line.includes(label.host) || exception !== undefined) continue;
    assert.equal(r.type, 'event', `${where}\n  labelled a failure from ${label.host}, got ${r.type}`);
    const e = (r as { event: LogEvent }).event;
    failures++;
    if (e.kind === 'http') {
      assert.equal(e.ip, label.host, where);
      continue;
    }
    assert.equal(e.outcome, 'failure', `${where}\n  ${e.action}/${e.outcome}`);
    assert.equal(e.ip, normIp(label.host), `${where}\n  address`);
    if (label.user !== undefined && e.action === 'login') assert.equal(e.user, label.user, `${where}\n  user`);
  }
  return { labelled: lines.length, failures };
}

test('fail2ban sshd (syslog form): labelled failures are failure events from the labelled host', fail2ban, () => {
  const { failures } = checkFail2ban('sshd', 'sshd');
  assert.ok(failures >= 90, `only ${failures} failures checked`);
});

test('fail2ban sshd through the syslog parser: the same lines, none rejected', fail2ban, () => {
  const parser = getParser('syslog');
  for (const { lineNo, line, label } of failJsonLines('fail2ban-test-logs/sshd')) {
    const r = parser.parse(line, ctxFor(label));
    assert.notEqual(r.type, 'reject', `sshd:${lineNo}: ${line}`);
  }
});

test('fail2ban sshd-journal (host prog[pid]: msg, no time): labelled failures', fail2ban, () => {
  const { failures } = checkFail2ban('sshd-journal', 'sshd');
  assert.ok(failures >= 70, `only ${failures} failures checked`);
});

test('fail2ban vsftpd, proftpd, pure-ftpd: labelled failures', fail2ban, () => {
  assert.equal(checkFail2ban('vsftpd', 'vsftpd').failures, 8);
  assert.equal(checkFail2ban('proftpd', 'proftpd').failures, 10);
  assert.equal(checkFail2ban('pure-ftpd', 'pureftpd').failures, 1);
});

test('fail2ban apache-auth and nginx-http-auth: HTTP auth failures from error logs', fail2ban, () => {
  assert.ok(checkFail2ban('apache-auth', 'apache').failures >= 35);
  assert.ok(checkFail2ban('nginx-http-auth', 'nginx').failures >= 7);
});

test('fail2ban nginx-botsearch: access lines (with a third quoted field) are http events', fail2ban, () => {
  const r = checkFail2ban('nginx-botsearch', 'nginx');
  assert.ok(r.failures >= 8);
});

/** Expected classification of each Loghub OpenSSH template (EventId). */
const OPENSSH_EXPECT: Record<string, string> = {
  E1: 'login/success',
  E2: 'disconnect/failure',
  E3: 'connect/failure',
  E4: 'login/failure',
  E5: 'login/failure',
  E6: 'disconnect/failure',
  E7: 'disconnect/failure',
  E8: 'login/failure',
  E9: 'login/failure',
  E10: 'login/failure',
  E11: 'skip',
  E12: 'skip',
  E13: 'login/failure',
  E14: 'login/failure',
  E15: 'skip',
  E16: 'skip',
  E17: 'skip',
  E18: 'skip',
  E19: 'login/failure',
  E20: 'login/failure',
  E21: 'skip',
  E22: 'logout/info',
  E23: 'session/success',
  E24: 'disconnect/failure',
  E25: 'disconnect/failure',
  E26: 'disconnect/info',
  E27: 'skip',
};

function classOf(r: ParseResult): string {
  if (r.type !== 'event') return r.type;
  const e = r.event;
  return e.kind === 'auth' ? `${e.action}/${e.outcome}` : 'http';
}

test('Loghub OpenSSH_2k: every line classified as its event template says, addresses from the line', loghub, () => {
  const lines = readCorpus('loghub/OpenSSH_2k.log').split('\n');
  const rows = csvRows('loghub/OpenSSH_2k.log_structured.csv');
  assert.equal(rows.length, 2000);
  const parser = getParser('sshd');
  const ctx: ParseContext = { year: 2017, now: Date.UTC(2017, 11, 31), timezone: 'UTC' };
  let withIp = 0;
  for (const row of rows) {
    const n = Number(row['LineId']);
    const line = lines[n - 1] ?? '';
    const want = OPENSSH_EXPECT[row['EventId'] ?? ''];
    assert.ok(want !== undefined, `template ${row['EventId']} has no expectation`);
    const r = parser.parse(line, ctx);
    assert.equal(classOf(r), want, `OpenSSH_2k.log:${n} (${row['EventId']}): ${line}`);
    if (r.type === 'event' && r.event.kind === 'auth' && r.event.ip !== null) {
      assert.ok(line.includes(r.event.ip), `OpenSSH_2k.log:${n}: address ${r.event.ip} not in the line`);
      assert.equal((r.event as AuthEvent).service, 'ssh');
      withIp++;
    }
  }
  assert.ok(withIp > 1500, `only ${withIp} events with an address`);
});

test('Loghub Linux_2k through the syslog parser: no rejects; sshd, su and ftpd lines classified', loghub, () => {
  const lines = readCorpus('loghub/Linux_2k.log').split('\n');
  const rows = csvRows('loghub/Linux_2k.log_structured.csv');
  assert.equal(rows.length, 2000);
  const parser = getParser('syslog');
  const ctx: ParseContext = { year: 2005, now: Date.UTC(2005, 11, 31), timezone: 'UTC' };
  const expect: Record<string, string> = {
    'sshd(pam_unix) E16': 'ssh login/failure',
    'sshd(pam_unix) E17': 'ssh login/failure',
    'sshd(pam_unix) E18': 'ssh login/failure',
    'sshd(pam_unix) E19': 'ssh login/failure',
    'sshd(pam_unix) E27': 'skip',
    'sshd(pam_unix) E101': 'ssh logout/info',
    'sshd(pam_unix) E102': 'ssh session/success',
    'su(pam_unix) E101': 'su logout/info',
    'su(pam_unix) E102': 'su session/success',
    'ftpd E29': 'ftp connect/info',
    'ftpd E9': 'ftp login/success',
  };
  const seen = new Map<string, number>();
  for (const row of rows) {
    const n = Number(row['LineId']);
    const line = lines[n - 1] ?? '';
    const r = parser.parse(line, ctx);
    assert.notEqual(r.type, 'reject', `Linux_2k.log:${n}: ${line}`);
    const key = `${row['Component']} ${row['EventId']}`;
    const want = expect[key];
    const got = r.type === 'event' && r.event.kind === 'auth' ? `${r.event.service} ${classOf(r)}` : classOf(r);
    if (want === undefined) {
      // Everything else in this file (kernel, cups, klogind, login, logrotate, ...) is not recorded.
      if (!/^(?:sshd|su|ftpd)/.test(row['Component'] ?? '')) assert.equal(got, 'skip', `Linux_2k.log:${n}: ${line}`);
      continue;
    }
    assert.equal(got, want, `Linux_2k.log:${n} (${key}): ${line}`);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (r.type === 'event' && r.event.kind === 'auth' && r.event.ip !== null)
      assert.ok(line.includes(r.event.ip), `Linux_2k.log:${n}`);
  }
  assert.equal(seen.get('ftpd E29'), 909);
  assert.equal(seen.get('su(pam_unix) E102'), 86);
});

test('Elastic apache_logs: 10,000 combined lines, zero rejects, fields as logged', elastic, () => {
  const lines = readCorpus('elastic-apache/apache_logs')
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(lines.length, 10_000);
  assert.equal(sniffFormat(lines.slice(0, 50)), 'nginx'); // combined: both web parsers read it
  for (const format of ['apache', 'nginx'] as const) {
    const parser = getParser(format);
    const ctx: ParseContext = { year: 2015, now: Date.UTC(2015, 11, 31), timezone: 'UTC' };
    let dashBytes = 0;
    lines.forEach((line, i) => {
      const r = parser.parse(line, ctx);
      assert.equal(r.type, 'event', `apache_logs:${i + 1}: ${r.type === 'reject' ? r.reason : ''}\n  ${line}`);
      const e = (r as { event: LogEvent }).event;
      assert.equal(e.kind, 'http');
      if (e.kind !== 'http') return;
      assert.ok(line.startsWith(`${e.ip} `), `apache_logs:${i + 1}: ip`);
      assert.ok(e.status >= 100 && e.status <= 599, `apache_logs:${i + 1}: status`);
      if (e.bytes === null) dashBytes++;
      const target = e.query === '' ? e.path : `${e.path}?${e.query}`;
      assert.ok(line.includes(`${e.method} ${target}`), `apache_logs:${i + 1}: request`);
    });
    assert.equal(dashBytes, 669);
  }
  const first = getParser('apache').parse(lines[0] ?? '', { year: 2015, now: Date.UTC(2015, 11, 31), timezone: 'UTC' });
  assert.deepEqual(first, {
    type: 'event',
    event: {
      kind: 'http',
      time: Date.UTC(2015, 4, 17, 10, 5, 3),
      ip: '83.149.9.216',
      method: 'GET',
      path: '/presentations/logstash-monitorama-2013/images/kibana-search.png',
      query: '',
      protocol: 'HTTP/1.1',
      status: 200,
      bytes: 203023,
      referer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36',
      user: null,
      vhost: null,
      durationMs: null,
    },
  });
});

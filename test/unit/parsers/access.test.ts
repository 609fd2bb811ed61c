// Access-log parser (combined, common, vhost) on the nasty cases of
// test/fixtures/logs/nasty-access.log, one assertion block per line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpEvent, ParseContext, ParseResult } from '../../../src/logs/events.ts';
import { getParser } from '../../../src/logs/parsers/index.ts';

const ctx: ParseContext = { year: 2026, now: Date.UTC(2026, 11, 1), timezone: 'UTC' };
const lines = readFileSync(join(import.meta.dirname, '../../fixtures/logs/nasty-access.log'), 'utf8').split('\n');
const T = Date.UTC(2026, 9, 10, 13, 55, 36);

function at(n: number, format: 'nginx' | 'apache' = 'nginx'): ParseResult {
  return getParser(format).parse(lines[n - 1] ?? '', ctx);
}
function http(n: number): HttpEvent {
  const r = at(n);
  assert.equal(r.type, 'event', `line ${n}: ${r.type === 'reject' ? r.reason : r.type}`);
  const e = (r as { event: HttpEvent }).event;
  assert.equal(e.kind, 'http');
  return e;
}
function rejectReason(n: number): string {
  const r = at(n);
  assert.equal(r.type, 'reject', `line ${n} should be rejected`);
  return (r as { reason: string }).reason;
}

test('time with a zone offset becomes UTC; query kept URL-encoded', () => {
  const e = http(1);
  assert.equal(e.time, Date.UTC(2026, 9, 10, 20, 55, 36));
  assert.equal(e.path, '/index.php');
  assert.equal(e.query, 'a=1&b=%22x%22');
  assert.equal(e.referer, 'https://shop.example/');
  assert.equal(e.bytes, 2326);
});

test('IPv6 client, `-` size, referer and agent are null', () => {
  const e = http(2);
  assert.equal(e.ip, '2001:db8::1');
  assert.equal(e.bytes, null);
  assert.equal(e.referer, null);
  assert.equal(e.userAgent, null);
  assert.equal(e.user, null);
  assert.equal(e.protocol, 'HTTP/2.0');
});

test('IPv4-mapped IPv6 is recorded as IPv4', () => {
  assert.equal(http(3).ip, '198.51.100.7');
});

test('Apache escapes \\" and \\\\ are undone in request and agent', () => {
  const e = http(4);
  assert.equal(e.path, '/a"b\\c');
  assert.equal(e.userAgent, 'ua with "quotes" and \\ backslash');
  assert.equal(e.status, 404);
});

test('nginx \\x22 escapes are undone; bytes above 0x7f stay escaped', () => {
  const e = http(5);
  assert.equal(e.path, '/q"x');
  assert.equal(e.userAgent, 'nginx "escaped" \\xC3\\xA9');
});

test('TLS handshake bytes on the HTTP port: kept as the method, no path', () => {
  const e = http(6);
  assert.equal(e.method, '\x16\x03\x01\\x00\\xF1\x01\\x00\\x00\\xED\x03\x03'.replace(/\\x00/g, '\x00'));
  assert.equal(e.path, '');
  assert.equal(e.protocol, '');
  assert.equal(e.status, 400);
});

test('bare path, request without protocol, `-` and empty requests', () => {
  assert.deepEqual([http(7).method, http(7).path, http(7).protocol], ['', '/etc/passwd', '']);
  assert.deepEqual([http(8).method, http(8).path, http(8).protocol], ['GET', '/no-protocol', '']);
  assert.deepEqual([http(9).method, http(9).path, http(9).status], ['', '', 408]);
  assert.deepEqual([http(10).method, http(10).path], ['', '']);
});

test('U+FFFD from non-UTF-8 bytes passes through', () => {
  const e = http(11);
  assert.equal(e.path, '/caf\uFFFD/men\uFFFD');
  assert.equal(e.userAgent, 'Mozilla/5.0 (\uFFFD)');
});

test('a user name with a space', () => {
  const e = http(12);
  assert.equal(e.user, 'bob smith');
  assert.equal(e.ip, '198.51.100.9');
});

test('vhost_combined: vhost:port first', () => {
  const e = http(13);
  assert.equal(e.vhost, 'shop.example');
  assert.equal(e.ip, '198.51.100.10');
  assert.equal(e.path, '/vhost');
});

test('common format (no referer, no agent)', () => {
  const e = http(14);
  assert.equal(e.bytes, 1234);
  assert.equal(e.referer, null);
  assert.equal(e.userAgent, null);
  assert.equal(e.protocol, 'HTTP/1.0');
});

test('fields after the user agent are ignored', () => {
  const e = http(15);
  assert.equal(e.userAgent, 'ua');
  assert.equal(e.path, '/xff');
});

test('truncated lines: cut in the agent keeps the event, cut earlier is rejected with a reason', () => {
  assert.equal(http(16).userAgent, 'Mozilla/5.0 (compat');
  assert.match(rejectReason(17), /truncated line: request is not closed/);
  assert.match(rejectReason(18), /truncated line/);
});

test('garbage status, impossible time and unstructured lines are rejected with reasons', () => {
  assert.match(rejectReason(19), /status is not a number: abc/);
  assert.match(rejectReason(20), /bad time/);
  assert.match(rejectReason(21), /not an access log line/);
});

test('absolute-form target, spaces in the target, query only', () => {
  const a = http(22);
  assert.equal(a.path, 'http://evil.example/x');
  assert.equal(a.query, 'y=1');
  const b = http(23);
  assert.equal(b.path, '/a b c');
  assert.equal(b.protocol, 'HTTP/1.1');
  const c = http(24);
  assert.deepEqual([c.path, c.query], ['/', 'onlyquery']);
});

test('every fixture line parses identically with the apache parser, and the time is right', () => {
  for (let n = 1; n <= 24; n++) assert.deepEqual(at(n, 'apache'), at(n, 'nginx'), `line ${n}`);
  assert.equal(http(2).time, T);
});

test('CRLF line endings and blank lines', () => {
  const p = getParser('nginx');
  const r = p.parse(`${lines[1]}\r`, ctx);
  assert.equal(r.type, 'event');
  assert.equal((r as { event: HttpEvent }).event.userAgent, null);
  assert.deepEqual(p.parse('', ctx), { type: 'skip' });
  assert.deepEqual(p.parse('   ', ctx), { type: 'skip' });
});

test('error-log lines in the same file: auth failures recorded, other errors skipped', () => {
  const p = getParser('apache');
  const r = p.parse(
    '[Mon Nov 18 22:39:33 2013] [error] [client 91.49.82.139] user gg not found: /, referer: http://x/',
    ctx,
  );
  assert.equal(r.type, 'event');
  const e = (r as { event: { kind: string; user: string; ip: string; service: string; outcome: string } }).event;
  assert.deepEqual([e.kind, e.service, e.outcome, e.user, e.ip], ['auth', 'web', 'failure', 'gg', '91.49.82.139']);
  assert.deepEqual(
    p.parse('[Mon Nov 18 22:39:33 2013] [notice] Apache/2.4 configured -- resuming normal operations', ctx),
    { type: 'skip' },
  );
  const n = getParser('nginx').parse(
    '2026/01/02 03:04:05 [error] 1#1: *2 user "admin": password mismatch, client: 192.0.2.5, server: shop, request: "GET /admin HTTP/1.1"',
    ctx,
  );
  assert.equal(n.type, 'event');
  assert.equal((n as { event: { time: number; user: string } }).event.time, Date.UTC(2026, 0, 2, 3, 4, 5));
});

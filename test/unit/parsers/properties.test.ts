// Property tests (fast-check): no input makes any parser fail internally or produce an event
// with an impossible time; combined lines generated from random fields (IPv6, escapes, odd
// methods, unicode) parse back to those fields; the compiled custom format agrees with the
// hand-written combined parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HttpEvent, ParseContext, ParseResult, Parser } from '../../../src/logs/events.ts';
import { createAutoParser, getParser } from '../../../src/logs/parsers/index.ts';
import { formatNames } from '../../../src/core/config/sources.ts';

const ctx: ParseContext = { year: 2026, now: Date.UTC(2026, 5, 1), timezone: 'Europe/Berlin' };

const parsers: Parser[] = [
  ...formatNames.map((f) => getParser(f)),
  getParser('nginx', {
    logFormat:
      '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
  }),
  getParser('apache', { logFormat: '%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D' }),
  createAutoParser(),
];

/** Valid lines of every kind, to be cut and mangled. */
const templates = [
  '203.0.113.1 - bob [10/Oct/2026:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "https://r/" "Mozilla/5.0 \\"x\\""',
  'shop:443 2001:db8::1 - - [10/Oct/2026:13:55:36 +0000] "POST /wp-login.php HTTP/2.0" 302 - "-" "-"',
  '{"remote_addr":"1.2.3.4","time":"2026-01-01T00:00:00Z","request":"GET / HTTP/1.1","status":200}',
  '{"time":1791665736,"user":"admin","ip":"1.2.3.4","success":true}',
  'Mar  1 00:00:01 web sshd[1]: Failed password for invalid user admin from 198.51.100.1 port 22 ssh2',
  '<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 1 - [a b="c]"] Accepted publickey for x from 1.2.3.4 port 1 ssh2: RSA SHA256:x',
  'Mar  1 00:00:11 web sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls',
  'Tue Nov  3 10:00:00 2026 [pid 123] [alice] OK LOGIN: Client "1.2.3.4"',
  'Jan 10 00:00:00 h proftpd[1] h (c[1.2.3.4]): USER u (Login failed): Incorrect password.',
  'Jan 31 16:54:07 d pure-ftpd: (?@24.79.92.194) [WARNING] Authentication failed for user [Administrator]',
  '[Sat Jul 20 21:34:49.453232 2013] [auth_basic:error] [pid 1:tid 2] [client [2001:db8::1]:51380] AH01618: user x not found: /',
  '2012/04/09 11:53:29 [error] 2865#0: *1 user "x": password mismatch, client: 1.2.3.4, server: s, request: "GET / HTTP/1.1"',
];

function checkResult(p: Parser, line: string, r: ParseResult): void {
  assert.ok(r.type === 'event' || r.type === 'skip' || r.type === 'reject', `${p.name}: bad result type`);
  if (r.type === 'reject') {
    assert.equal(typeof r.reason, 'string');
    assert.ok(
      !r.reason.startsWith('internal parser error'),
      `${p.name} failed internally on ${JSON.stringify(line)}: ${r.reason}`,
    );
    return;
  }
  if (r.type !== 'event') return;
  assert.ok(Number.isFinite(r.event.time), `${p.name}: event time ${r.event.time} from ${JSON.stringify(line)}`);
  if (r.event.kind === 'http') {
    assert.ok(Number.isInteger(r.event.status) && r.event.status >= 0 && r.event.status <= 999);
    assert.equal(typeof r.event.ip, 'string');
  } else {
    assert.ok(r.event.message.length <= 500);
  }
}

const mangled = fc
  .tuple(
    fc.constantFrom(...templates),
    fc.nat(),
    fc.nat(),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('cut', 'insert', 'replace', 'dup'),
  )
  .map(([t, a, b, s, op]) => {
    const i = a % (t.length + 1);
    const j = b % (t.length + 1);
    if (op === 'cut') return t.slice(0, i);
    if (op === 'insert') return t.slice(0, i) + s + t.slice(i);
    if (op === 'replace') return t.slice(0, Math.min(i, j)) + s + t.slice(Math.max(i, j));
    return t.slice(0, i) + t.slice(j);
  });

test('no input makes any parser fail or produce an impossible event', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
        mangled,
      ),
      (line) => {
        for (const p of parsers) checkResult(p, line, p.parse(line, ctx));
      },
    ),
    { numRuns: 1500 },
  );
});

// --- round trip -------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

function clf(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const off = Math.abs(offsetMin);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(off / 60))}${p2(off % 60)}`;
}

/** Apache's escaping of logged items: `"` and `\` with a backslash, control bytes as \xhh. */
function apacheEscape(s: string): string {
  return s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    if (c === '"' || c === '\\') return `\\${c}`;
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** nginx's escaping (escape=default): `"`, `\` and non-printable bytes as \xHH. */
function nginxEscape(s: string): string {
  return s.replace(
    /[\\"\u0000-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

const noSpace = (unit: 'binary' | 'binary-ascii') =>
  fc.string({ unit, maxLength: 30 }).map((s) => s.replace(/[ ?]/g, '_'));
const fields = (unit: 'binary' | 'binary-ascii') =>
  fc.record({
    vhost: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/), { nil: null }),
    ip: fc.oneof(
      fc.ipV4(),
      fc.ipV6().filter((s) => !/^::ffff:/i.test(s)),
    ),
    user: fc.option(fc.stringMatching(/^[A-Za-z0-9._@]{1,16}$/), { nil: null }),
    time: fc.integer({ min: 946_684_800, max: 4_102_444_799 }).map((s) => s * 1000),
    offset: fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
    method: fc.oneof(
      fc.constantFrom('GET', 'POST', 'HEAD', 'PROPFIND', 'M-SEARCH', 'PRI', 'get'),
      fc.stringMatching(/^[A-Z_-]{1,12}$/),
    ),
    path: noSpace(unit).map((s) => `/${s}`),
    query: noSpace(unit),
    protocol: fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0'),
    status: fc.integer({ min: 100, max: 599 }),
    bytes: fc.option(fc.nat({ max: 1e9 }), { nil: null }),
    referer: fc.option(
      fc.string({ unit, minLength: 1, maxLength: 40 }).filter((s) => s !== '-'),
      { nil: null },
    ),
    userAgent: fc.option(
      fc.string({ unit, minLength: 1, maxLength: 60 }).filter((s) => s !== '-'),
      { nil: null },
    ),
  });

type Fields = typeof fields extends (u: never) => fc.Arbitrary<infer F> ? F : never;

function combinedLine(f: Fields, esc: (s: string) => string): string {
  const target = f.query === '' ? f.path : `${f.path}?${f.query}`;
  const q = (v: string | null): string => (v === null ? '"-"' : `"${esc(v)}"`);
  const vhost = f.vhost === null ? '' : `${f.vhost}:443 `;
  return `${vhost}${f.ip} - ${f.user ?? '-'} [${clf(f.time, f.offset)}] "${esc(`${f.method} ${target} ${f.protocol}`)}" ${f.status} ${f.bytes ?? '-'} ${q(f.referer)} ${q(f.userAgent)}`;
}

function expected(f: Fields): HttpEvent {
  return {
    kind: 'http',
    time: f.time,
    ip: f.ip,
    method: f.method,
    path: f.path,
    query: f.query,
    protocol: f.protocol,
    status: f.status,
    bytes: f.bytes,
    referer: f.referer,
    userAgent: f.userAgent,
    user: f.user,
    vhost: f.vhost,
    durationMs: null,
  };
}

test('round trip: combined lines with Apache escaping parse back to their fields', () => {
  const p = getParser('apache');
  fc.assert(
    fc.property(fields('binary'), (f) => {
      const line = combinedLine(f, apacheEscape);
      assert.deepEqual(p.parse(line, ctx), { type: 'event', event: expected(f) }, line);
    }),
    { numRuns: 600 },
  );
});

test('round trip: combined lines with nginx \\xHH escaping parse back to their fields', () => {
  const p = getParser('nginx');
  fc.assert(
    fc.property(fields('binary-ascii'), (f) => {
      const line = combinedLine(f, nginxEscape);
      assert.deepEqual(p.parse(line, ctx), { type: 'event', event: expected(f) }, line);
    }),
    { numRuns: 600 },
  );
});

test('the compiled log_format for combined agrees with the hand-written parser', () => {
  const hand = getParser('nginx');
  const compiled = getParser('nginx', {
    logFormat:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  });
  fc.assert(
    fc.property(fields('binary'), fc.boolean(), (f, apache) => {
      const line = combinedLine({ ...f, vhost: null }, apache ? apacheEscape : nginxEscape);
      assert.deepEqual(compiled.parse(line, ctx), hand.parse(line, ctx), line);
    }),
    { numRuns: 400 },
  );
});

// Custom nginx log_format / Apache LogFormat compilation, JSON access logs, the shop-admin
// format, format sniffing, the auto parser, and getParser's config errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthEvent, HttpEvent, ParseContext, ParseResult } from '../../../src/logs/events.ts';
import { createAutoParser, getParser, sniffFormat } from '../../../src/logs/parsers/index.ts';
import { AppError } from '../../../src/core/errors.ts';

const ctx: ParseContext = { year: 2026, now: Date.UTC(2026, 11, 1), timezone: 'UTC' };
const T = Date.UTC(2026, 9, 10, 20, 55, 36);

function ev<E extends HttpEvent | AuthEvent>(r: ParseResult): E {
  assert.equal(r.type, 'event', r.type === 'reject' ? r.reason : r.type);
  return (r as unknown as { event: E }).event;
}
function reason(r: ParseResult): string {
  assert.equal(r.type, 'reject');
  return (r as { reason: string }).reason;
}
function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === 'config_invalid' && re.test(e.message));
}

test('nginx log_format pasted with its quoting; known variables fill fields, unknown are ignored', () => {
  const p = getParser('nginx', {
    logFormat: `'$host $remote_addr - $remote_user [$time_local] "$request" ' '$status $body_bytes_sent "$http_referer" ' '"$http_user_agent" $request_time "$upstream_addr" $ssl_protocol';`,
  });
  const e = ev<HttpEvent>(
    p.parse(
      'shop.example 203.0.113.1 - bob [10/Oct/2026:13:55:36 -0700] "GET /a?b=1 HTTP/2.0" 200 512 "-" "UA \\x22x\\x22" 0.250 "10.0.0.2:9000" TLSv1.3',
      ctx,
    ),
  );
  assert.deepEqual(
    [
      e.vhost,
      e.ip,
      e.user,
      e.time,
      e.method,
      e.path,
      e.query,
      e.protocol,
      e.status,
      e.bytes,
      e.referer,
      e.userAgent,
      e.durationMs,
    ],
    ['shop.example', '203.0.113.1', 'bob', T, 'GET', '/a', 'b=1', 'HTTP/2.0', 200, 512, null, 'UA "x"', 250],
  );
});

test('nginx: $time_iso8601, $request_method + $request_uri, $msec', () => {
  const p = getParser('nginx', { logFormat: '$remote_addr $time_iso8601 $request_method $request_uri $status' });
  const e = ev<HttpEvent>(p.parse('2001:db8::2 2026-10-10T13:55:36-07:00 POST /checkout?step=2 302', ctx));
  assert.deepEqual(
    [e.ip, e.time, e.method, e.path, e.query, e.status],
    ['2001:db8::2', T, 'POST', '/checkout', 'step=2', 302],
  );
  const u = getParser('nginx', { logFormat: '$remote_addr [$time_local] $uri$is_args$args $status' });
  const ue = ev<HttpEvent>(u.parse('1.2.3.4 [10/Oct/2026:13:55:36 -0700] /search?q=a%20b 200', ctx));
  assert.deepEqual([ue.path, ue.query, ue.status], ['/search', 'q=a%20b', 200]);
  const m = getParser('nginx', { logFormat: '$msec $remote_addr "$request" $status' });
  assert.equal(ev<HttpEvent>(m.parse('1791665736.123 1.2.3.4 "GET / HTTP/1.1" 200', ctx)).time, T + 123);
});

test('Apache LogFormat with escaped quotes, %D, %v, %{User-Agent}i, %>s, %a over %h', () => {
  const p = getParser('apache', {
    logFormat: '%v %h %a %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D',
  });
  const e = ev<HttpEvent>(
    p.parse(
      'shop 10.0.0.1 203.0.113.5 - - [10/Oct/2026:13:55:36 -0700] "GET /x HTTP/1.1" 404 - "https://r/" "UA \\"q\\"" 2500',
      ctx,
    ),
  );
  assert.deepEqual(
    [e.vhost, e.ip, e.status, e.bytes, e.referer, e.userAgent, e.durationMs],
    ['shop', '203.0.113.5', 404, null, 'https://r/', 'UA "q"', 3],
  );
  const t = getParser('apache', { logFormat: '%h %{%Y-%m-%dT%H:%M:%S%z}t %m %U%q %s %{ms}T' });
  const f = ev<HttpEvent>(t.parse('1.2.3.4 2026-10-10T13:55:36-0700 GET /p?x=1 200 17', ctx));
  assert.deepEqual([f.time, f.method, f.path, f.query, f.durationMs], [T, 'GET', '/p', 'x=1', 17]);
});

test('a custom format rejects lines that do not fit, naming what is missing', () => {
  const p = getParser('nginx', { logFormat: '$remote_addr [$time_local] "$request" $status' });
  assert.match(reason(p.parse('1.2.3.4 [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1', ctx)), /truncated line/);
  assert.match(reason(p.parse('1.2.3.4 [yesterday] "GET / HTTP/1.1" 200', ctx)), /bad time in time_local/);
  assert.match(
    reason(p.parse('1.2.3.4 [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" OK', ctx)),
    /status is not a number/,
  );
});

test('bad custom formats are config errors that name the bad part', () => {
  configError(
    () => getParser('apache', { logFormat: '%h %l %u %t "%r" %>s %Y' }),
    /unknown Apache LogFormat directive %Y/,
  );
  configError(
    () => getParser('nginx', { logFormat: '$remote_addr$remote_user [$time_local]' }),
    /\$remote_addr and \$remote_user follow each other/,
  );
  configError(() => getParser('nginx', { logFormat: '[$time_local] "$request" $status' }), /no client address/);
  configError(() => getParser('nginx', { logFormat: '$remote_addr "$request" $status' }), /no time/);
  configError(() => getParser('nginx', { logFormat: '${remote_addr [$time_local]' }), /unterminated \$\{/);
  configError(() => getParser('apache', { logFormat: '%h %t %{Referer' }), /unterminated %\{/);
  configError(
    () => getParser('sshd', { logFormat: '$remote_addr' }),
    /logFormat applies to the nginx and apache formats/,
  );
  configError(() => getParser('bogus' as never), /unknown log format/);
});

test('JSON access logs: nginx escape=json, Caddy, Traefik', () => {
  const p = getParser('json');
  const n = ev<HttpEvent>(
    p.parse(
      '{"time_local":"10/Oct/2026:13:55:36 -0700","remote_addr":"203.0.113.1","request":"GET /a?b HTTP/1.1","status":"200","body_bytes_sent":"12","http_referer":"","http_user_agent":"curl","request_time":"0.010"}',
      ctx,
    ),
  );
  assert.deepEqual(
    [n.time, n.ip, n.path, n.query, n.status, n.bytes, n.referer, n.userAgent, n.durationMs],
    [T, '203.0.113.1', '/a', 'b', 200, 12, null, 'curl', 10],
  );
  const caddy = ev<HttpEvent>(
    p.parse(
      '{"level":"info","ts":1791665736.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"2001:db8::9","remote_port":"5555","proto":"HTTP/2.0","method":"POST","host":"shop.example","uri":"/wp-login.php","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["https://x/"]}},"duration":0.002,"size":0,"status":302}',
      ctx,
    ),
  );
  assert.deepEqual(
    [
      caddy.time,
      caddy.ip,
      caddy.method,
      caddy.path,
      caddy.protocol,
      caddy.vhost,
      caddy.userAgent,
      caddy.referer,
      caddy.status,
      caddy.bytes,
      caddy.durationMs,
    ],
    [
      T + 500,
      '2001:db8::9',
      'POST',
      '/wp-login.php',
      'HTTP/2.0',
      'shop.example',
      'Mozilla/5.0',
      'https://x/',
      302,
      0,
      2,
    ],
  );
  const traefik = ev<HttpEvent>(
    p.parse(
      '{"ClientAddr":"203.0.113.2:41234","ClientHost":"203.0.113.2","DownstreamStatus":404,"DownstreamContentSize":19,"Duration":1500000,"RequestHost":"shop.example","RequestMethod":"GET","RequestPath":"/.env","RequestProtocol":"HTTP/1.1","StartUTC":"2026-10-10T20:55:36.25Z","request_User-Agent":"zgrab"}',
      ctx,
    ),
  );
  assert.deepEqual(
    [
      traefik.ip,
      traefik.status,
      traefik.bytes,
      traefik.path,
      traefik.method,
      traefik.time,
      traefik.durationMs,
      traefik.userAgent,
    ],
    ['203.0.113.2', 404, 19, '/.env', 'GET', T + 250, 2, 'zgrab'],
  );
});

test('JSON: non-objects and missing keys are rejected with the reason', () => {
  const p = getParser('json');
  assert.equal(reason(p.parse('[1,2]', ctx)), 'JSON value is an array, not an object');
  assert.equal(reason(p.parse('"x"', ctx)), 'JSON value is a string, not an object');
  assert.equal(reason(p.parse('null', ctx)), 'JSON value is null, not an object');
  assert.equal(reason(p.parse('{"a":', ctx)), 'not JSON');
  assert.match(reason(p.parse('{"time":"2026-01-01T00:00:00Z"}', ctx)), /no client address/);
  assert.match(reason(p.parse('{"ip":"1.2.3.4"}', ctx)), /no time/);
  assert.match(reason(p.parse('{"ip":"1.2.3.4","time":"soon"}', ctx)), /bad time/);
  // prototype keys are data like any other
  assert.equal(ev<HttpEvent>(p.parse('{"__proto__":{"x":1},"ip":"1.2.3.4","time":1791665736}', ctx)).time, T);
});

test('shop-admin format: documented keys, and each missing key named', () => {
  const p = getParser('shop-admin');
  const e = ev<AuthEvent>(
    p.parse(
      '{"time":"2026-10-10T20:55:36Z","user":"admin","ip":"::ffff:203.0.113.3","success":false,"platform":"magento2","method":"password"}',
      ctx,
    ),
  );
  assert.deepEqual(
    [e.service, e.action, e.outcome, e.user, e.ip, e.program, e.method, e.time],
    ['shop-admin', 'login', 'failure', 'admin', '203.0.113.3', 'magento2', 'password', T],
  );
  const out = ev<AuthEvent>(
    p.parse('{"time":1791665736,"user":"admin","ip":"1.2.3.4","success":true,"event":"logout"}', ctx),
  );
  assert.deepEqual([out.action, out.outcome], ['logout', 'info']);
  assert.match(reason(p.parse('{"user":"a","ip":"1.2.3.4","success":true}', ctx)), /"time"/);
  assert.match(reason(p.parse('{"time":1,"ip":"1.2.3.4","success":true}', ctx)), /"user"/);
  assert.match(reason(p.parse('{"time":1,"user":"a","success":true}', ctx)), /"ip"/);
  assert.match(reason(p.parse('{"time":1,"user":"a","ip":"1.2.3.4","success":"yes"}', ctx)), /"success"/);
  assert.match(
    reason(p.parse('{"time":1,"user":"a","ip":"1.2.3.4","success":true,"event":"hack"}', ctx)),
    /unknown "event"/,
  );
});

test('sniffFormat decides from the first lines', () => {
  const combined = '203.0.113.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"';
  assert.equal(sniffFormat([combined, combined]), 'nginx');
  assert.equal(
    sniffFormat(['shop:443 203.0.113.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"']),
    'apache',
  );
  assert.equal(sniffFormat(['[Wed Jul 17 22:39:55 2013] [error] [client 127.0.0.1] user x not found: /']), 'apache');
  assert.equal(
    sniffFormat(['2012/04/09 11:53:29 [error] 2865#0: *1 user "x" was not found in "/p", client: 1.2.3.4']),
    'nginx',
  );
  assert.equal(sniffFormat(['{"remote_addr":"1.2.3.4","time":"2026-01-01T00:00:00Z"}']), 'json');
  assert.equal(sniffFormat(['{"time":1,"user":"a","ip":"1.2.3.4","success":true}']), 'shop-admin');
  assert.equal(sniffFormat(['Tue Nov  3 10:00:00 2026 [pid 1] CONNECT: Client "1.2.3.4"']), 'vsftpd');
  assert.equal(
    sniffFormat(['Mar  1 00:00:00 web sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2']),
    'syslog',
  );
  assert.equal(sniffFormat(['<38>1 2019-07-08T17:40:17Z h sshd 1 - - x']), 'syslog');
  assert.equal(sniffFormat(['Failed password for root from 1.2.3.4 port 22 ssh2']), 'sshd');
  assert.equal(sniffFormat(['', '   ', 'garbage', combined]), 'nginx');
  assert.equal(sniffFormat([]), 'syslog');
});

test('auto parser follows a stream that changes format', () => {
  const p = createAutoParser();
  const kinds = [
    '203.0.113.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"',
    'Mar  1 00:00:00 web sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2',
    '{"time":1791665736,"user":"a","ip":"1.2.3.4","success":true}',
    '203.0.113.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"',
  ].map((l) => {
    const r = p.parse(l, ctx);
    return r.type === 'event' ? r.event.kind : r.type;
  });
  assert.deepEqual(kinds, ['http', 'auth', 'auth', 'http']);
  assert.equal(getParser('auto').name, 'auto');
});

// Network tools a visitor drives (port scanners, bind shells and sniffers, SOCKS relays): each
// signal on defanged samples written here, and the vendor shapes that stay weak — an HTTP
// client's connection to its configured host, an FTP client's listening socket.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analysePhp } from '../../../src/integrity/scan/php-analysis.ts';
import { reportAt } from '../../../src/integrity/scan/signals.ts';

const analyse = (code: string) => analysePhp(`<?php ${code}`).signals;
const weightOf = (code: string, id: string) => analyse(code).find((s) => s.id === id)?.weight ?? 0;
const score = (code: string) => analyse(code).reduce((n, s) => n + s.weight, 0);

test('a connection to a host or port the request names, swept over ports, is a port scanner', () => {
  const scanner =
    "$h = $_POST['host']; for ($p = (int) $_POST['from']; $p <= 1024; $p++) { $c = @fsockopen($h, $p, $e, $s, 1); if ($c) echo $p; }";
  assert.equal(weightOf(scanner, 'php-request-socket'), 6);
  assert.equal(weightOf(scanner, 'php-socket-sweep'), 4);
  assert.ok(score(scanner) >= reportAt);
  // A list of ports walked with foreach is a sweep as well.
  assert.equal(
    weightOf("foreach (explode(',', $_GET['ports']) as $port) fsockopen($_GET['ip'], $port);", 'php-socket-sweep'),
    4,
  );
});

test("an HTTP client's connection to its configured host is no reason", () => {
  const client = "$cfg = parse_ini_file('app.ini'); $fp = fsockopen($cfg['host'], 443); fwrite($fp, 'GET / HTTP/1.0');";
  assert.deepEqual(
    analyse(client).filter((s) => s.id.startsWith('php-request-socket') || s.id === 'php-socket-sweep'),
    [],
  );
  // The request's data sent over it does not choose where it goes.
  assert.equal(weightOf("$fp = fsockopen('api.example', 443); fwrite($fp, $_POST['q']);", 'php-request-socket'), 0);
});

test('a server listening where the request says is a bind shell or sniffer on its own', () => {
  const bind =
    "$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); socket_bind($s, '0.0.0.0', $_GET['port']); socket_listen($s);";
  assert.equal(weightOf(bind, 'php-request-listen'), 12);
  assert.ok(score(bind) >= reportAt);
  assert.ok(weightOf("$srv = stream_socket_server('tcp://0.0.0.0:' . $_REQUEST['p']);", 'php-request-listen') > 0);
  // A server of fixed address (an FTP client's active mode) is one weak reason.
  const ftp = '$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); socket_bind($s, $this->local, 0); socket_listen($s);';
  assert.equal(weightOf(ftp, 'php-request-listen'), 0);
  assert.ok(score(ftp) < reportAt);
});

test('a connection to the host a client of its own sent is a relay', () => {
  const relay =
    "$srv = stream_socket_server('tcp://127.0.0.1:1080'); $l = stream_socket_accept($srv); $host = trim(fgets($l)); $up = fsockopen($host, 80); stream_copy_to_stream($l, $up);";
  assert.equal(weightOf(relay, 'php-socket-relay'), 6);
});

test('the sweep is read from the port variable only, whatever its name', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.boolean(), (name, stepped) => {
      const step = stepped ? `$${name}++;` : `$${name} = 80;`;
      const code = `$${name} = 1; ${step} fsockopen($_GET['h'], $${name}); $${name}x = 0; $${name}x++;`;
      return weightOf(code, 'php-socket-sweep') > 0 === stepped;
    }),
    { numRuns: 60 },
  );
});

test("mail spoken over SMTP to each recipient's own mail server is a mailer's, the request's recipients make it strong", () => {
  const mx = (rcpt: string) =>
    `$to = ${rcpt}; list(, $domain) = explode('@', $to); getmxrr($domain, $hosts); $s = fsockopen($hosts[0], 25); fputs($s, "MAIL FROM: <a@example.test>\\r\\n"); fputs($s, "RCPT TO: <" . $to . ">\\r\\n");`;
  assert.equal(weightOf(mx("$_POST['to']"), 'php-direct-mx-mailer'), 10);
  assert.ok(score(mx("$_POST['to']")) >= reportAt);
  assert.equal(weightOf(mx("'ops@example.test'"), 'php-direct-mx-mailer'), 6);
  // A client of the site's configured relay looks no mail exchanger up.
  const relay = '$s = fsockopen($cfg[\'smtp_host\'], 587); fputs($s, "RCPT TO: <" . $_POST[\'to\'] . ">\\r\\n");';
  assert.equal(weightOf(relay, 'php-direct-mx-mailer'), 0);
});

// Channels classify failures: transient ones (5xx, refused connections, timeouts, SMTP 4xx,
// EX_TEMPFAIL) are retried, permanent ones (4xx, SMTP 5xx, bad auth, missing program) are not.
// Chat and header text is made inert.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { post } from '../../src/adapters/channels/http.ts';
import { runCommand } from '../../src/adapters/channels/command.ts';
import { classifySmtp } from '../../src/adapters/mail/smtp.ts';
import { headerText } from '../../src/adapters/channels/ntfy.ts';
import { escapeChat } from '../../src/alerts/index.ts';
import { AppError } from '../../src/core/errors.ts';

async function transientOf(p: Promise<unknown>): Promise<boolean | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof AppError);
    return e.transient;
  }
}

test('HTTP: 2xx ok, 5xx/429 transient, 4xx permanent, refused connection transient', async () => {
  const server = createServer((req, res) => res.writeHead(Number(req.url?.slice(1))).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = (status: number) =>
    post({ channel: 't', url: `${base}/${status}`, headers: {}, body: '{}', timeoutMs: 5000 });
  try {
    assert.equal(await transientOf(send(204)), 'ok');
    assert.equal(await transientOf(send(503)), true);
    assert.equal(await transientOf(send(429)), true);
    assert.equal(await transientOf(send(404)), false);
    assert.equal(await transientOf(send(401)), false);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  assert.equal(
    await transientOf(post({ channel: 't', url: base, headers: {}, body: '{}', timeoutMs: 5000 })),
    true,
    'server gone: refused',
  );
});

test('command: exit 0 ok, 75 transient, 78 permanent, missing program permanent, stdin carries the message', async () => {
  const sh = (script: string) =>
    runCommand('c', { argv: ['/bin/sh', '-c', script], env: {}, timeoutMs: 5000 }, '{"k":1}\n', {
      PATH: '/usr/bin:/bin',
    });
  assert.equal(await transientOf(sh('read line; [ "$line" = \'{"k":1}\' ]')), 'ok');
  assert.equal(await transientOf(sh('exit 75')), true);
  assert.equal(await transientOf(sh('exit 78')), false);
  assert.equal(await transientOf(sh('exit 1')), true);
  assert.equal(
    await transientOf(runCommand('c', { argv: ['/nonexistent/notify'], env: {}, timeoutMs: 5000 }, '', {})),
    false,
  );
});

test('SMTP: 4xx and connection errors transient; 5xx and auth permanent; addresses not echoed', () => {
  assert.equal(classifySmtp('m', { responseCode: 451, code: 'EENVELOPE' }).transient, true);
  assert.equal(classifySmtp('m', { responseCode: 550, code: 'EENVELOPE' }).transient, false);
  assert.equal(classifySmtp('m', { code: 'ECONNECTION', message: 'connect ECONNREFUSED' }).transient, true);
  assert.equal(classifySmtp('m', { code: 'EAUTH', message: 'Invalid login' }).transient, false);
  assert.doesNotMatch(
    classifySmtp('m', { code: 'ETIMEDOUT', message: 'timeout for <owner@shop.test>' }).message,
    /owner@shop\.test/,
  );
});

test('chat and header text cannot inject markup, mentions or header lines', () => {
  assert.equal(
    escapeChat('<!channel> @here `x` & <http://evil|click>'),
    '&lt;!channel&gt; @\u200bhere ˋxˋ &amp; &lt;http://evil|click&gt;',
  );
  assert.equal(headerText('root\r\nX-Evil: 1 ☃'), 'root??X-Evil: 1 ?');
});

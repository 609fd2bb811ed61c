// The whole path, as a shop owner meets it: a real `ripcord run` follows an auth log; a line
// "Accepted password …" appended to it becomes an email at a real SMTP server (smtp-server in
// this process) saying who logged in, from where, with the evidence line and the next command.
// Then a storm of failed logins from one address makes one grouped message, not thousands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { smtpReceiver, until } from '../helpers/receivers.ts';

const cli = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function syslogNow(msg: string): string {
  const d = new Date();
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} web1 ${msg}\n`;
}

test('a login line in a followed file reaches the owner by email; a storm makes one message', {
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-run-alert-'));
  const smtp = await smtpReceiver();
  const log = join(dir, 'auth.log');
  writeFileSync(log, syslogNow('sshd[100]: Server listening on 0.0.0.0 port 22.'));
  writeFileSync(
    join(dir, 'ripcord.yml'),
    [
      'stateDir: ./state',
      'site: { name: Test Shop }',
      'sources:',
      '  - { type: file, id: auth, path: ./auth.log, format: syslog }',
      'alerts:',
      '  hostname: web1',
      '  pollMs: 100',
      '  channels:',
      `    mail: { type: email, host: 127.0.0.1, port: ${smtp.port}, tls: none, from: ripcord@shop.test, to: [owner@shop.test] }`,
      '  routes:',
      '    - { name: logins, match: { category: [login] }, groupBy: [finding], groupWait: 0s }',
      '    - { name: serious, match: { minSeverity: high }, groupBy: [groupKey], groupWait: 3s, groupInterval: 1h }',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [cli, '-c', join(dir, 'ripcord.yml'), 'run', '--poll-ms', '50'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-5000)));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await until('ripcord run to start', () => stderr.includes('ripcord running'), 20_000);

  appendFileSync(log, syslogNow('sshd[4411]: Accepted password for deploy from 203.0.113.77 port 41922 ssh2'));
  await until('the login email', () => smtp.mails.length >= 1, 20_000);
  const mail = smtp.mails[0];
  const text = `${mail?.subject ?? ''}\n${mail?.text ?? ''}`;
  assert.match(text, /deploy/);
  assert.match(text, /203\.0\.113\.77/);
  assert.match(text, /ssh/i);
  assert.match(text, /Accepted password for deploy/, 'the evidence line is in the message');
  assert.match(text, /ripcord logs (timeline|who)/, 'the message says how to look further');

  // 3,000 failed passwords from one address: one message about the brute force.
  let storm = '';
  for (let i = 0; i < 3000; i++)
    storm += syslogNow(
      `sshd[${5000 + i}]: Failed password for invalid user u${i % 50} from 198.51.100.9 port ${30000 + i} ssh2`,
    );
  appendFileSync(log, storm);
  await until(
    'the brute-force email',
    () => smtp.mails.some((m) => /198\.51\.100\.9/.test(`${m.subject}\n${m.text}`)),
    30_000,
  );
  await new Promise((r) => setTimeout(r, 4000));
  const about = smtp.mails.filter((m) => /198\.51\.100\.9/.test(`${m.subject}\n${m.text}`));
  assert.ok(about.length >= 1 && about.length <= 3, `one grouped message per brute-force rule, got ${about.length}`);

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('close', r));
  assert.equal(code, 0, `clean shutdown on SIGTERM: ${stderr.slice(-500)}`);
});

// End to end: findings in the traffic store -> startAlerts -> a real SMTP server and a real
// HTTP receiver in this process. A login makes an email with the facts and the next command;
// a storm makes one message; an outage followed by recovery delivers every alert exactly once
// and is itself reported on the other channel.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/app/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import { startAlerts, type AlertsService } from '../../src/app/alerts.ts';
import type { Finding } from '../../src/detect/index.ts';
import { httpReceiver, smtpReceiver, until } from '../helpers/receivers.ts';

const SECRET = 'test-secret';

async function setup(routes?: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-alerts-'));
  const db = new SqliteDb(join(dir, 'ripcord.db'));
  const events = createEventStore(db);
  await events.init();
  const smtp = await smtpReceiver();
  const http = await httpReceiver();
  const config = configSchema.parse({
    site: { name: 'Example Shop' },
    alerts: {
      hostname: 'web1',
      pollMs: 50,
      channels: {
        mail: {
          type: 'email',
          host: '127.0.0.1',
          port: smtp.port,
          tls: 'none',
          from: 'ripcord@shop.test',
          to: ['owner@shop.test'],
          timeoutMs: 5000,
        },
        hook: { type: 'webhook', url: http.url, secret: SECRET, timeoutMs: 5000 },
      },
      ...(routes ? { routes } : {}),
      delivery: { backoff: '50ms', maxBackoff: '200ms' },
      channelFailing: { failures: 2 },
    },
  });
  const alerts: AlertsService = startAlerts({ db, store: events, config, logger: silentLogger });
  await alerts.ready;
  return {
    db,
    events,
    smtp,
    http,
    alerts,
    async close() {
      await alerts.stop();
      await smtp.close();
      await http.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function login(user: string, ip: string, time = Date.now()): Finding {
  return {
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    time,
    ip,
    user,
    service: 'ssh',
    field: 'user',
    match: user,
    message: `ssh login: ${user} from ${ip}`,
    groupKey: `login-success|${user}|${ip}|${time}`,
    evidence: [
      `Nov  2 10:00:01 web1 sshd[4242]: Accepted publickey for ${user} from ${ip} port 50022 ssh2: <script>x</script>`,
    ],
  };
}

test('a login finding becomes an email with user, address, service, evidence and the next command, and a signed webhook', async () => {
  const s = await setup();
  try {
    await s.events.addFindings([login('deploy', '203.0.113.9')]);
    s.alerts.notify();
    await until('email and webhook', () => s.smtp.mails.length === 1 && s.http.accepted.length === 1);
    const mail = s.smtp.mails[0]!;
    assert.match(mail.subject, /\[Example Shop\] ssh login: deploy from 203\.0\.113\.9 \(web1\)/);
    assert.match(mail.text, /From: +203\.0\.113\.9/);
    assert.match(mail.text, /Account: +deploy/);
    assert.match(mail.text, /service ssh/);
    assert.match(mail.text, /Accepted publickey for deploy from 203\.0\.113\.9/);
    assert.match(mail.text, /\$ ripcord logs timeline --ip 203\.0\.113\.9 --from \S+ --to \S+/);
    assert.match(mail.text, /\$ ripcord logs who --user deploy/);
    // Attacker text is escaped in HTML, and the message carries its idempotency key.
    assert.match(mail.html, /&lt;script&gt;x&lt;\/script&gt;/);
    assert.doesNotMatch(mail.html, /<script>/);
    assert.match(mail.headers, /X-Ripcord-Idempotency-Key: [0-9a-f]{32}\.1/i);
    const hook = s.http.accepted[0]!;
    assert.equal(hook.signature, `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`);
    assert.equal(hook.message.user, 'deploy');
    assert.match(mail.headers, new RegExp(`X-Ripcord-Idempotency-Key: ${hook.key.replace('.', '\\.')}`, 'i'));
  } finally {
    await s.close();
  }
});

test('a storm of 10,000 brute-force findings with one group key makes one message per channel', async () => {
  const s = await setup([
    { name: 'logins', match: { category: ['login'] }, groupBy: ['finding'], groupWait: '0s' },
    { name: 'attacks', match: { minSeverity: 'medium' }, groupBy: ['groupKey'], groupWait: '1s', groupInterval: '1h' },
  ]);
  try {
    const now = Date.now();
    const storm: Finding[] = Array.from({ length: 10_000 }, (_, i) => ({
      rule: 'ssh-brute-force',
      category: 'brute-force',
      severity: 'high',
      time: now,
      ip: '198.51.100.7',
      user: `user${i % 50}`,
      service: 'ssh',
      field: 'user',
      match: 'x',
      message: 'failed SSH logins from 198.51.100.7',
      groupKey: 'ssh-brute-force|198.51.100.7',
      evidence: [`Failed password for invalid user user${i % 50} from 198.51.100.7 port ${1000 + i} ssh2`],
    }));
    await s.events.addFindings(storm);
    s.alerts.notify();
    await until('the storm message on both channels', () => s.smtp.mails.length >= 1 && s.http.accepted.length >= 1);
    await until('the cursor at the end', async () => {
      const [r] = await s.db.query<{ after_id: number }>("SELECT after_id FROM alert_cursor WHERE name = 'main'");
      return Number(r?.after_id) === 10_000;
    });
    const rows = await s.db.query<{ channel: string; status: string }>('SELECT channel, status FROM alert_outbox');
    assert.deepEqual(rows.map((r) => r.channel).sort(), ['hook', 'mail']);
    assert.equal(s.smtp.mails.length, 1);
    assert.equal(s.http.accepted.length, 1);
    assert.equal(s.http.accepted[0]!.message.count, 10_000);
    assert.match(s.smtp.mails[0]!.text, /Findings: +10000/);
  } finally {
    await s.close();
  }
});

test('a webhook outage then recovery: every alert arrives exactly once, and the outage is told by email', async () => {
  const s = await setup();
  try {
    s.http.setDown(true);
    const ips = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'];
    for (const ip of ips) await s.events.addFindings([login('root', ip)]);
    s.alerts.notify();
    await until('the failing-channel email', () =>
      s.smtp.mails.some((m) => /Notification channel hook is failing/.test(m.subject)),
    );
    assert.ok(s.http.refused >= 2);
    s.http.setDown(false);
    await until(
      'all five logins at the webhook',
      () => new Set(s.http.accepted.filter((h) => h.message.kind === 'alert').map((h) => h.message.ip)).size === 5,
    );
    await until('outbox settled', async () => {
      const [r] = await s.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM alert_outbox WHERE status <> 'sent'");
      return Number(r?.n) === 0;
    });
    const keys = s.http.accepted.map((h) => h.key);
    assert.equal(new Set(keys).size, keys.length, 'no key delivered twice');
    assert.deepEqual(new Set(s.http.accepted.map((h) => h.message.ip)), new Set(ips));
    const loginMails = s.smtp.mails.filter((m) => /ssh login: root/.test(m.subject));
    assert.equal(loginMails.length, 5);
    await until('the recovery email', () =>
      s.smtp.mails.some((m) => /Notification channel hook works again/.test(m.subject)),
    );
  } finally {
    await s.close();
  }
});

// End to end: findings in the traffic store -> startAlerts -> a real SMTP server and a real
// HTTP receiver in this process. A login makes an email with the facts and the next command;
// a storm makes one message; an outage followed by recovery delivers every alert exactly once
// and is itself reported on the other channel.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { configSchema } from '../../src/core/config/index.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { SqlEventStore } from '../../src/adapters/db/events-store.ts';
import { startAlerts, type AlertsService } from '../../src/app/alerts.ts';
import type { Finding } from '../../src/detect/index.ts';

export interface Mail {
  subject: string;
  headers: string;
  text: string;
  html: string;
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
  );
}

function qp(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Just enough MIME for nodemailer's multipart/alternative: headers, text and HTML parts. */
export function parseMail(raw: string): Mail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = decodeWords(/^subject: (.*)$/im.exec(unfolded)?.[1] ?? '');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  const body = rest.join('\n\n');
  const parts = boundary ? body.split(`--${boundary}`) : [raw];
  let text = '';
  let html = '';
  for (const p of parts) {
    const [ph = '', ...pb] = p.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const content = pb.join('\n\n');
    const decoded = /content-transfer-encoding: base64/i.test(ph) ? Buffer.from(content, 'base64').toString('utf8') : /quoted-printable/i.test(ph) ? qp(content) : content;
    if (/content-type: text\/plain/i.test(ph)) text = decoded;
    if (/content-type: text\/html/i.test(ph)) html = decoded;
  }
  return { subject, headers: unfolded, text, html };
}

export async function smtpReceiver(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8')));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface Hooked {
  key: string;
  body: string;
  signature: string;
  message: { title: string; kind: string; user: string | null; ip: string | null; count: number };
}

export async function httpReceiver(): Promise<{ url: string; accepted: Hooked[]; refused: number; setDown(d: boolean): void; close(): Promise<void> }> {
  const state = { accepted: [] as Hooked[], refused: 0, down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.down) {
        state.refused++;
        res.writeHead(503).end('down');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { message: Hooked['message'] };
      state.accepted.push({ key: String(req.headers['idempotency-key']), body, signature: String(req.headers['x-ripcord-signature']), message: parsed.message });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get accepted() {
      return state.accepted;
    },
    get refused() {
      return state.refused;
    },
    setDown: (d) => (state.down = d),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const SECRET = 'test-secret';

async function setup(routes?: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-alerts-'));
  const db = new SqliteDb(join(dir, 'ripcord.db'));
  const events = new SqlEventStore(db);
  await events.init();
  const smtp = await smtpReceiver();
  const http = await httpReceiver();
  const config = configSchema.parse({
    site: { name: 'Example Shop' },
    alerts: {
      hostname: 'web1',
      pollMs: 50,
      channels: {
        mail: { type: 'email', host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'ripcord@shop.test', to: ['owner@shop.test'], timeoutMs: 5000 },
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
    db, events, smtp, http, alerts,
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
    rule: 'login-success', category: 'login', severity: 'info', time, ip, user, service: 'ssh', field: 'user', match: user,
    message: `ssh login: ${user} from ${ip}`, groupKey: `login-success|${user}|${ip}|${time}`,
    evidence: [`Nov  2 10:00:01 web1 sshd[4242]: Accepted publickey for ${user} from ${ip} port 50022 ssh2: <script>x</script>`],
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
      rule: 'ssh-brute-force', category: 'brute-force', severity: 'high', time: now, ip: '198.51.100.7', user: `user${i % 50}`, service: 'ssh',
      field: 'user', match: 'x', message: 'failed SSH logins from 198.51.100.7', groupKey: 'ssh-brute-force|198.51.100.7',
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
    await until('the failing-channel email', () => s.smtp.mails.some((m) => /Notification channel hook is failing/.test(m.subject)));
    assert.ok(s.http.refused >= 2);
    s.http.setDown(false);
    await until('all five logins at the webhook', () => new Set(s.http.accepted.filter((h) => h.message.kind === 'alert').map((h) => h.message.ip)).size === 5);
    await until('outbox settled', async () => {
      const [r] = await s.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM alert_outbox WHERE status <> 'sent'");
      return Number(r?.n) === 0;
    });
    const keys = s.http.accepted.map((h) => h.key);
    assert.equal(new Set(keys).size, keys.length, 'no key delivered twice');
    assert.deepEqual(new Set(s.http.accepted.map((h) => h.message.ip)), new Set(ips));
    const loginMails = s.smtp.mails.filter((m) => /ssh login: root/.test(m.subject));
    assert.equal(loginMails.length, 5);
    await until('the recovery email', () => s.smtp.mails.some((m) => /Notification channel hook works again/.test(m.subject)));
  } finally {
    await s.close();
  }
});

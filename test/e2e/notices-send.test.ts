// `ripcord notices campaign|test|send|status|resume|export` end to end against a real SMTP
// relay (smtp-server) that counts every message per recipient: one message each, in the variant
// of the recipient's jurisdiction, through 421s, a refused address, connections dropped at MAIL
// FROM and after the message's end (settled from the relay log on resume); DKIM-signed,
// List-Unsubscribe, no header injection from a customer's name; the CSV export is the record.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { smtpRelay } from '../helpers/smtp-relay.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const vars = resolve(import.meta.dirname, '../../templates/notices/example-vars.yml');

function run(dir: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('close', (status) => res({ status, stdout, stderr }));
  });
}

const people = 60;

test('notices: campaign, test, send through faults, resume from the relay log, export', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-send-'));
  const relayLog = join(dir, 'relay.log');
  const relay = await smtpRelay({ log: relayLog, keep: true });
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(
      join(dir, 'ripcord.yml'),
      [
        'stateDir: ./state',
        'site: { name: Harbor & Pine }',
        'notices:',
        `  smtp: { host: 127.0.0.1, port: ${relay.port}, tls: none, timeoutMs: 5000 }`,
        '  from: "Harbor & Pine <privacy@harborandpine.example>"',
        '  unsubscribe: "https://harborandpine.example/unsubscribe"',
        `  values: ${vars}`,
        '  rate: 0',
        '  retryDelayMs: 200',
        '  dkim: { domain: harborandpine.example, selector: rc1, privateKeyFile: ./dkim.pem }',
        '',
      ].join('\n'),
    );
    const places = [
      ['US', 'CA'],
      ['US', 'Massachusetts'],
      ['Germany', ''],
      ['United Kingdom', ''],
    ];
    const rows = ['email,name,country,region'];
    for (let i = 0; i < people; i++) {
      const [country, region] = places[i % places.length] as [string, string];
      const name =
        i === 1
          ? '"Eve\r\nBcc: spy@evil.example"'
          : i === 2
            ? "Siobhán O'Neil"
            : i === 3
              ? '=HYPERLINK("x")'
              : `Person ${i}`;
      rows.push(
        `p${i}@example.com,${name.startsWith('=') ? `"${name.replace(/"/g, '""')}"` : name},${country},${region}`,
      );
    }
    rows.push('P0@Example.com,Repeat,US,CA');
    writeFileSync(join(dir, 'customers.csv'), `${rows.join('\n')}\n`);
    const imp = await run(dir, 'notices', 'audience', 'import', 'all', '--csv', 'customers.csv', '--json');
    assert.equal(imp.status, 0, imp.stderr);
    assert.equal(JSON.parse(imp.stdout).recipients, people);

    const inc = await run(dir, 'incident', 'declare', '--title', 'Skimmer on checkout');
    assert.equal(inc.status, 0, inc.stderr);
    const create = await run(
      dir,
      'notices',
      'campaign',
      'create',
      '--audience',
      'all',
      '--template',
      'auto',
      '--name',
      'n1',
      '--incident',
      'INC-1',
      '--json',
    );
    assert.equal(create.status, 0, create.stderr);
    const view = JSON.parse(create.stdout) as {
      counts: { pending: number };
      variants: { variant: string; count: number }[];
    };
    assert.equal(view.counts.pending, people);
    assert.deepEqual(Object.fromEntries(view.variants.map((v) => [v.variant, v.count])), {
      california: 15,
      'gdpr-art34': 30,
      general: 15,
    });

    // a test message: to the owner, marked, nothing recorded
    const t = await run(dir, 'notices', 'test', 'n1', '--to', 'owner@harborandpine.example', '--json');
    assert.equal(t.status, 0, t.stderr);
    assert.equal(relay.counts.get('owner@harborandpine.example'), 1);
    assert.match(relay.raw[0] ?? '', /^Subject: \[TEST\] Notice of Data Breach/m);

    // the relay is busy (421) for a while, refuses one address, and drops some connections at MAIL FROM
    relay.faults.busyUntil = Date.now() + 1500;
    relay.faults.refuse = new Set(['p9@example.com']);
    relay.faults.dropAtMail = 0.2;
    const send = await run(dir, 'notices', 'send', 'n1', '--concurrency', '4', '--json');
    assert.equal(send.status, 1, 'a failed address makes the exit status 1');
    const result = JSON.parse(send.stdout) as { outcome: string; counts: Record<string, number> };
    assert.equal(result.outcome, 'done');
    assert.deepEqual([result.counts['sent'], result.counts['failed'], result.counts['uncertain']], [people - 1, 1, 0]);
    for (let i = 0; i < people; i++) assert.equal(relay.counts.get(`p${i}@example.com`) ?? 0, i === 9 ? 0 : 1, `p${i}`);

    const mails = relay.raw.slice(1);
    const eve = mails.find((m) => /^To: .*p1@example\.com/m.test(m)) ?? '';
    assert.doesNotMatch(eve, /^Bcc:/im, 'a CR/LF in a name cannot add a header');
    assert.match(
      eve,
      /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;\r\n d=harborandpine\.example; q=dns\/txt; s=rc1;/m,
    );
    assert.match(eve, /^List-Unsubscribe: <https:\/\/harborandpine\.example\/unsubscribe>/m);
    assert.match(eve, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    const de = mails.find((m) => /^To: .*p2@example\.com/m.test(m)) ?? '';
    assert.match(de, /^Subject: .*personal data breach/im, 'p2 lives in Germany: the GDPR Art. 34 notice');

    // the export is the record: one line per recipient, formulas defused
    const exp = await run(dir, 'notices', 'export', 'n1', '--csv');
    assert.equal(exp.status, 0, exp.stderr);
    const lines = exp.stdout.trim().split('\r\n');
    assert.equal(lines.length, people + 1);
    assert.match(
      lines[0] ?? '',
      /^recipient,name,jurisdiction,variant,status,attempts,message_id,smtp_reply,sent_at,last_error$/,
    );
    assert.match(exp.stdout, /p9@example\.com,Person 9,US-MA,general,failed,\d+,,550[^,]*,,refused: SMTP 550/);
    assert.match(exp.stdout, /"'=HYPERLINK\(""x""\)"/);
    const p0 = lines.find((l) => l.startsWith('p0@example.com')) ?? '';
    assert.match(
      p0,
      /,US-CA,california,sent,\d+,<ripcord\.notice\.\d+\.\d+\.[0-9a-f]{12}@harborandpine\.example>,250,/,
    );

    // the incident's timeline and report show the notices
    const tl = await run(dir, 'incident', 'timeline', '--kind', 'notice');
    assert.equal(tl.status, 0, tl.stderr);
    assert.match(tl.stdout, /customer notices "n1" \(california, gdpr-art34, general\): sending began/);
    assert.match(tl.stdout, new RegExp(`customer notices "n1": ${people - 1} sent, 1 failed`));
    const rep = await run(dir, 'incident', 'report');
    assert.match(rep.stdout, /Customer notices sent[\s\S]*"n1": 59 sent/);

    // letters to the authorities, with the notices sent in them
    writeFileSync(
      join(dir, 'facts.yml'),
      'discovered: 2026-11-02T09:00:00-05:00\nelements: [name, card_number, email]\naffected: { US-MA: 15, US-CA: 15, EU-DE: 15, GB: 15 }\n',
    );
    assert.equal((await run(dir, 'incident', 'facts', 'facts.yml')).status, 0);
    const letters = await run(dir, 'incident', 'letters', '--out', 'letters', '--json');
    assert.equal(letters.status, 1, 'some sections are left to fill in');
    const all = letters.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { recipient: string; markdown: string; file: string });
    const ico = all.find((l) => /ICO/.test(l.recipient));
    assert.ok(ico !== undefined, 'the ICO is told');
    assert.match(readFileSync(join(dir, 'letters', ico.file), 'utf8'), /15 in GB; 60 people in all/);

    // the same notices again (same templates and values): nobody is queued twice
    const dup = await run(
      dir,
      'notices',
      'campaign',
      'create',
      '--audience',
      'all',
      '--template',
      'auto',
      '--name',
      'dup',
      '--json',
    );
    assert.equal(dup.status, 0, dup.stderr);
    const dv = JSON.parse(dup.stdout) as { counts: { pending: number }; campaign: { skipped: number } };
    assert.deepEqual([dv.counts.pending, dv.campaign.skipped], [0, people]);

    // a second notice version: the relay now drops some connections after the message's end
    relay.faults.busyUntil = 0;
    relay.faults.dropAtMail = 0;
    relay.faults.dropAfterData = 0.25;
    relay.faults.refuse = new Set();
    const before = new Map(relay.counts);
    const c2 = await run(
      dir,
      'notices',
      'campaign',
      'create',
      '--audience',
      'all',
      '--template',
      'credentials',
      '--name',
      'n2',
    );
    assert.equal(c2.status, 0, c2.stderr);
    const s2 = await run(dir, 'notices', 'send', 'n2', '--json');
    const r2 = JSON.parse(s2.stdout) as { counts: Record<string, number> };
    assert.ok((r2.counts['uncertain'] ?? 0) > 0, 'some messages are in doubt');
    assert.equal(s2.status, 1);
    const st = await run(dir, 'notices', 'status', 'n2');
    assert.match(st.stdout, /paused/);
    assert.match(st.stdout, /in doubt: a sender stopped/);
    // resume settles them from the relay log: the dropped ones were not taken, so they go again
    relay.faults.dropAfterData = 0;
    const res = await run(dir, 'notices', 'resume', 'n2', '--relay-log', relayLog, '--json');
    assert.equal(res.status, 0, res.stderr + res.stdout);
    const rr = JSON.parse(res.stdout) as { counts: Record<string, number>; settled: { resend: number; left: number } };
    assert.deepEqual([rr.counts['sent'], rr.counts['uncertain']], [people, 0]);
    assert.equal(rr.settled.left, 0);
    for (let i = 0; i < people; i++) {
      const a = `p${i}@example.com`;
      assert.equal((relay.counts.get(a) ?? 0) - (before.get(a) ?? 0), 1, `${a}: exactly one credentials notice`);
    }
    assert.ok(readFileSync(relayLog, 'utf8').includes('<ripcord.notice.'));
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

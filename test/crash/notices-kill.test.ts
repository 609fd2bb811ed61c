// kill -9 during a 20,000-recipient send never gives anyone two notices and loses no one: the
// real `ripcord notices send` is killed with SIGKILL three times while the relay (smtp-server,
// counting per recipient, logging Message-IDs like Postfix) takes messages; each time
// `notices resume --relay-log` settles the messages in doubt and goes on. At the end every
// recipient got exactly one message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { smtpRelay } from '../helpers/smtp-relay.ts';
import { until } from '../helpers/receivers.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const vars = resolve(import.meta.dirname, '../../templates/notices/example-vars.yml');
const N = 20_000;

test('notices: SIGKILL three times during a 20,000 recipient send, resumed: exactly one message each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-notice-kill-'));
  const relayLog = join(dir, 'mail.log');
  const relay = await smtpRelay({ log: relayLog });
  const args = (...a: string[]) => [main, '--config', join(dir, 'ripcord.yml'), ...a];
  try {
    writeFileSync(
      join(dir, 'ripcord.yml'),
      [
        'stateDir: ./state',
        'notices:',
        `  smtp: { host: 127.0.0.1, port: ${relay.port}, tls: none }`,
        '  from: "Harbor & Pine <privacy@harborandpine.example>"',
        `  values: ${vars}`,
        '  rate: 0',
        '  concurrency: 8',
        '',
      ].join('\n'),
    );
    const rows = ['email,name,country,region'];
    for (let i = 0; i < N; i++) rows.push(`c${i}@example.com,Customer ${i},US,${i % 2 ? 'CA' : 'NY'}`);
    writeFileSync(join(dir, 'all.csv'), `${rows.join('\n')}\n`);
    const sync = (...a: string[]) => spawnSync(process.execPath, args(...a), { cwd: dir, encoding: 'utf8' });
    assert.equal(sync('notices', 'audience', 'import', 'all', '--csv', 'all.csv').status, 0);
    const created = sync('notices', 'campaign', 'create', '--audience', 'all', '--template', 'auto', '--name', 'big');
    assert.equal(created.status, 0, created.stderr);

    let child: ChildProcess | null = null;
    const kills = [3_000, 8_000, 13_000];
    for (const [i, at] of kills.entries()) {
      child = spawn(
        process.execPath,
        args(...(i === 0 ? ['notices', 'send', 'big'] : ['notices', 'resume', 'big', '--relay-log', relayLog])),
        {
          cwd: dir,
          stdio: 'ignore',
        },
      );
      await until(`the relay took ${at} messages`, () => relay.accepted() >= at, 120_000);
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
    }
    // not spawnSync: the relay lives in this process and must keep answering
    const last = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const p = spawn(process.execPath, args('notices', 'resume', 'big', '--relay-log', relayLog, '--json'), {
        cwd: dir,
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('close', (status) => res({ status, stdout, stderr }));
    });
    assert.equal(last.status, 0, last.stderr + last.stdout);
    const r = JSON.parse(last.stdout) as { counts: Record<string, number> };
    assert.deepEqual([r.counts['sent'], r.counts['uncertain'], r.counts['failed']], [N, 0, 0]);
    let twice = 0;
    let never = 0;
    for (let i = 0; i < N; i++) {
      const n = relay.counts.get(`c${i}@example.com`) ?? 0;
      if (n > 1) twice++;
      if (n === 0) never++;
    }
    assert.deepEqual({ twice, never }, { twice: 0, never: 0 });
    assert.equal(relay.accepted(), N);
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

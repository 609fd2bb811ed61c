// `ripcord hook pam` as pam_exec runs it: a real CLI process with PAM_* variables. An
// open_session records a login-success finding and a detached delivery sends the email;
// anything else, or a broken configuration, still exits 0 (a login must never fail on us).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { smtpReceiver, until } from '../helpers/receivers.ts';

/** Opens the store file, waiting while the detached delivery still holds its lock. */
async function openDb(path: string): Promise<SqliteDb> {
  for (let i = 0; ; i++) {
    try {
      return new SqliteDb(path);
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const cli = resolve(import.meta.dirname, '../../src/cli/main.ts');

function hook(configFile: string, env: Record<string, string>, extra: string[] = []) {
  return spawnSync(process.execPath, [cli, '--config', configFile, 'hook', 'pam', '--json', ...extra], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('hook pam records the login and the detached delivery mails it; other PAM types and broken configs exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-pam-'));
  const smtp = await smtpReceiver();
  try {
    const configFile = join(dir, 'ripcord.yml');
    writeFileSync(
      configFile,
      [
        'stateDir: ./state',
        'site: { name: Pam Shop }',
        'alerts:',
        '  hostname: web9',
        '  channels:',
        `    mail: { type: email, host: 127.0.0.1, port: ${smtp.port}, tls: none, from: r@shop.test, to: [o@shop.test] }`,
        '',
      ].join('\n'),
    );
    const r = hook(configFile, {
      PAM_TYPE: 'open_session',
      PAM_USER: 'deploy',
      PAM_RHOST: '203.0.113.77',
      PAM_SERVICE: 'sshd',
      PAM_TTY: 'ssh',
    });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { recorded: boolean; findingId: number; deliverySpawned: boolean };
    assert.equal(res.recorded, true);
    assert.equal(res.deliverySpawned, true);
    await until('the login email', () => smtp.mails.length === 1);
    const mail = smtp.mails[0]!;
    assert.match(mail.subject, /ssh login: deploy from 203\.0\.113\.77 \(web9\)/);
    assert.match(mail.text, /pam sshd: session opened for deploy from 203\.0\.113\.77/);

    const db = await openDb(join(dir, 'state', 'ripcord.db'));
    try {
      const rows = await db.query<{ rule: string; user: string; ip: string; service: string; field: string }>(
        'SELECT rule, "user", ip, service, field FROM findings',
      );
      assert.deepEqual(
        rows.map((x) => ({ ...x })),
        [{ rule: 'login-success', user: 'deploy', ip: '203.0.113.77', service: 'ssh', field: 'pam' }],
      );
    } finally {
      await db.close();
    }

    // close_session and auth are ignored; a hostile PAM_RHOST is not kept as an address.
    const closed = hook(configFile, { PAM_TYPE: 'close_session', PAM_USER: 'deploy', PAM_SERVICE: 'sshd' }, [
      '--no-deliver',
    ]);
    assert.equal(closed.status, 0);
    assert.equal((JSON.parse(closed.stdout) as { recorded: boolean }).recorded, false);
    const weird = hook(
      configFile,
      { PAM_TYPE: 'open_session', PAM_USER: 'ftpuser', PAM_RHOST: 'x;rm -rf /', PAM_SERVICE: 'vsftpd' },
      ['--no-deliver'],
    );
    assert.equal(weird.status, 0);
    const db2 = await openDb(join(dir, 'state', 'ripcord.db'));
    try {
      const [row] = await db2.query<{ ip: string | null; service: string }>(
        'SELECT ip, service FROM findings WHERE "user" = ?',
        ['ftpuser'],
      );
      assert.deepEqual({ ...row }, { ip: null, service: 'ftp' });
    } finally {
      await db2.close();
    }

    // A broken configuration: still exit 0.
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'alerts: { nonsense: true }\n');
    const broken = hook(bad, { PAM_TYPE: 'open_session', PAM_USER: 'root', PAM_SERVICE: 'sshd' });
    assert.equal(broken.status, 0);
    assert.equal((JSON.parse(broken.stdout) as { recorded: boolean }).recorded, false);
  } finally {
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

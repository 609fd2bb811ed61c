// Login -> SMTP latency of alert delivery. Measures, against a real SMTP server in this
// process and a SQLite store on disk:
//   notify: finding committed by the pipeline, which calls notify()  -> message accepted by SMTP
//   poll:   finding committed without notify (another process wrote it) -> accepted by SMTP
//   pam:    `ripcord hook pam` process started (as pam_exec does)   -> accepted by SMTP
// Prints median and p95 per path. Run: npm run bench -- alerts-latency [count]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { configSchema } from '../src/app/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { SqliteDb } from '../src/adapters/db/sqlite.ts';
import { createEventStore } from '../src/adapters/db/events-store.ts';
import { startAlerts } from '../src/app/alerts.ts';
import type { Finding } from '../src/detect/index.ts';
import { smtpReceiver } from '../test/helpers/receivers.ts';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

function login(i: number): Finding {
  const ip = `192.0.2.${(i % 250) + 1}`;
  return {
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    time: Date.now(),
    ip,
    user: 'deploy',
    service: 'ssh',
    field: 'user',
    match: 'deploy',
    message: `ssh login: deploy from ${ip}`,
    groupKey: `l|${i}`,
    evidence: [`Accepted publickey for deploy from ${ip} port 5000${i % 10} ssh2`],
  };
}

export default async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-alerts-'));
  const smtp = await smtpReceiver();
  const dbPath = join(dir, 'state', 'ripcord.db');
  const db = new SqliteDb(dbPath);
  const events = createEventStore(db);
  await events.init();
  const alertsCfg = {
    hostname: 'bench',
    channels: {
      mail: { type: 'email', host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'r@b.test', to: ['o@b.test'] },
    },
  };
  const config = configSchema.parse({ stateDir: join(dir, 'state'), alerts: alertsCfg });
  const alerts = startAlerts({ db, store: events, config, logger: silentLogger });
  await alerts.ready;
  const waitMail = async (count: number): Promise<number> => {
    while (smtp.mails.length < count) await new Promise((r) => setTimeout(r, 1));
    return performance.now();
  };
  const results: Record<string, number[]> = { notify: [], poll: [], pam: [] };
  try {
    for (const mode of ['notify', 'poll'] as const) {
      for (let i = 0; i < n; i++) {
        const before = smtp.mails.length;
        const t0 = performance.now();
        await events.addFindings([login(i)]);
        if (mode === 'notify') alerts.notify();
        results[mode]!.push((await waitMail(before + 1)) - t0);
        // Let the poll phase start at random points of the poll interval.
        await new Promise((r) => setTimeout(r, Math.random() * 300));
      }
    }
    await alerts.stop();
    // The PAM hook as pam_exec runs it: a fresh process per login, delivery detached.
    const configFile = join(dir, 'ripcord.yml');
    writeFileSync(configFile, JSON.stringify({ stateDir: join(dir, 'state'), alerts: alertsCfg }));
    const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
    const loginReturned: number[] = [];
    for (let i = 0; i < Math.min(n, 10); i++) {
      const before = smtp.mails.length;
      const t0 = performance.now();
      const child = spawn(process.execPath, [cli, '--config', configFile, 'hook', 'pam'], {
        env: {
          PATH: process.env['PATH'] ?? '',
          PAM_TYPE: 'open_session',
          PAM_USER: 'deploy',
          PAM_RHOST: `198.51.100.${i + 1}`,
          PAM_SERVICE: 'sshd',
        },
        stdio: 'ignore',
      });
      await new Promise((r) => child.once('exit', r));
      loginReturned.push(performance.now() - t0);
      results['pam']!.push((await waitMail(before + 1)) - t0);
    }
    console.log(`alerts latency, ${n} logins per path (ms from commit / hook start to SMTP accepted):`);
    for (const [k, xs] of Object.entries(results))
      console.log(
        `  ${k.padEnd(7)} median ${pct(xs, 50).toFixed(1)}  p95 ${pct(xs, 95).toFixed(1)}  max ${Math.max(...xs).toFixed(1)}`,
      );
    console.log(`  pam hook process returned (login unblocked) after: median ${pct(loginReturned, 50).toFixed(1)} ms`);
    console.log(
      `  ratio poll/notify (median): ${(pct(results['poll']!, 50) / pct(results['notify']!, 50)).toFixed(1)}x`,
    );
    console.log('  (no Debian peer tool sends per-login mail from a findings table; the budget is 5000 ms)');
  } finally {
    await smtp.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

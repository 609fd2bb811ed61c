// kill -9 during delivery loses nothing: a real child process runs alert delivery against a
// SQLite file; it is killed while the HTTP receiver holds a delivery open, restarted, and
// then every alert has arrived at least once and the outbox shows each one sent exactly once.
// The file runs itself as the child when RIPCORD_ALERTS_CHILD is set.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { configSchema } from '../../src/app/config.ts';
import { silentLogger } from '../../src/core/log.ts';
import { SqliteDb } from '../../src/adapters/db/sqlite.ts';
import { createEventStore } from '../../src/adapters/db/events-store.ts';
import { startAlerts } from '../../src/app/alerts.ts';
import type { Finding } from '../../src/detect/index.ts';

const childDb = process.env['RIPCORD_ALERTS_CHILD'];

async function runChild(dbPath: string, url: string): Promise<void> {
  const db = new SqliteDb(dbPath);
  const events = createEventStore(db);
  await events.init();
  const config = configSchema.parse({
    alerts: {
      pollMs: 50,
      channels: { hook: { type: 'webhook', url, timeoutMs: 60_000 } },
      delivery: { lease: '1s', backoff: '50ms', maxBackoff: '100ms' },
    },
  });
  const alerts = startAlerts({ db, store: events, config, logger: silentLogger });
  await alerts.ready;
  process.stdout.write('ready\n');
  // Runs until killed.
  await new Promise(() => {});
}

async function until(what: string, cond: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (childDb !== undefined) {
  await runChild(childDb, process.env['RIPCORD_ALERTS_URL'] ?? '');
} else {
  test('kill -9 in the middle of a delivery: after restart every alert arrived, each outbox row sent once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-crash-'));
    const dbPath = join(dir, 'ripcord.db');
    const db = new SqliteDb(dbPath);
    const events = createEventStore(db);
    await events.init();
    const now = Date.now();
    const findings: Finding[] = Array.from({ length: 20 }, (_, i) => ({
      rule: 'login-success',
      category: 'login',
      severity: 'info',
      time: now,
      ip: `192.0.2.${i + 1}`,
      user: 'root',
      service: 'ssh',
      field: 'user',
      match: 'root',
      message: 'ssh login',
      groupKey: `login|${i}`,
      evidence: [`Accepted password for root from 192.0.2.${i + 1}`],
    }));
    await events.addFindings(findings);

    const received: string[] = [];
    let holdAt = 5;
    let held: ServerResponse | null = null;
    let onHeld: (() => void) | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(String(req.headers['idempotency-key']));
        if (received.length === holdAt) {
          // Keep this delivery open: the sender is now between "sent" and "marked sent".
          held = res;
          onHeld?.();
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const start = (): ChildProcess =>
      spawn(process.execPath, [import.meta.filename], {
        env: { ...process.env, RIPCORD_ALERTS_CHILD: dbPath, RIPCORD_ALERTS_URL: url },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    let child = start();
    try {
      await new Promise<void>((resolve) => (onHeld = resolve));
      const heldKey = received[received.length - 1];
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      (held as ServerResponse | null)?.destroy();
      const [mid] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM alert_outbox WHERE status = 'sending'");
      assert.ok(Number(mid?.n) >= 1, 'the killed delivery is still marked sending');

      holdAt = Infinity;
      child = start();
      await until('every outbox row sent', async () => {
        const [r] = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM alert_outbox WHERE status <> 'sent'");
        const [t] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM alert_outbox');
        return Number(t?.n) === 20 && Number(r?.n) === 0;
      });
      const rows = await db.query<{ alert_id: number; idem_key: string; status: string; attempts: number }>(
        'SELECT alert_id, idem_key, status, attempts FROM alert_outbox ORDER BY id',
      );
      assert.equal(rows.length, 20);
      assert.equal(new Set(rows.map((r) => r.alert_id)).size, 20, 'one row per alert');
      for (const r of rows) assert.ok(received.includes(r.idem_key), `alert ${r.alert_id} (${r.idem_key}) arrived`);
      // The delivery cut by the kill was retried: its key arrived twice, the row says sent once.
      assert.equal(received.filter((k) => k === heldKey).length, 2);
      const heldRow = rows.find((r) => r.idem_key === heldKey);
      assert.equal(heldRow?.status, 'sent');
      assert.equal(Number(heldRow?.attempts), 2);
      const [cur] = await db.query<{ after_id: number }>("SELECT after_id FROM alert_cursor WHERE name = 'main'");
      assert.equal(Number(cur?.after_id), 20);
    } finally {
      child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Backup schedules: a slot that passed with no backup is missed (alerted and caught up on start),
// a recent backup is not, a job never backed up starts fresh, and bad cron expressions are
// config errors naming the field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMissed, missedSlot, startSchedule } from '../../../src/backup/index.ts';
import type { BackupJob } from '../../../src/backup/index.ts';
import type { Finding } from '../../../src/core/finding.ts';
import { configSchema } from '../../../src/app/config.ts';

const H = 3_600_000;
const now = Date.UTC(2026, 5, 10, 12, 30);
const job = (name: string, schedule?: string): BackupJob => ({
  name,
  source: { kind: 'files', roots: ['/nonexistent'], exclude: () => false },
  ...(schedule !== undefined ? { schedule } : {}),
});

test('hourly: a backup 3 hours old has missed slots; one 20 minutes old has not', () => {
  assert.ok(missedSlot('0 * * * *', now - 3 * H, now) !== null);
  assert.equal(missedSlot('0 * * * *', now - 20 * 60_000, now), null);
  assert.equal(missedSlot('0 * * * *', null, now), null, 'never backed up: nothing missed yet');
});

test('findMissed names the job, the slot due and the newest backup', async () => {
  const last: Record<string, number> = { late: now - 5 * H, fresh: now - 10 * 60_000 };
  const missed = await findMissed({
    jobs: [job('late', '0 * * * *'), job('fresh', '0 * * * *'), job('manual')],
    clock: { now: () => now },
    lastBackup: async (n) => last[n] ?? null,
  });
  assert.deepEqual(
    missed.map((m) => [m.job, m.last]),
    [['late', new Date(now - 5 * H).toISOString()]],
  );
  assert.ok(Date.parse(missed[0]?.due ?? '') < now);
});

test('on start a missed schedule raises an alert and runs the job once', async () => {
  const alerts: Finding[] = [];
  const ran: string[] = [];
  const s = await startSchedule({
    jobs: [job('late', '0 3 * * *')],
    clock: { now: () => Date.now() },
    alerts: { raise: async (f) => void alerts.push(f) },
    lastBackup: async () => Date.now() - 3 * 24 * H,
    run: async (n) => void ran.push(n),
  });
  await s.stop();
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.rule, 'backup-schedule-missed');
  assert.match(alerts[0]?.message ?? '', /backup late missed its schedule/);
  assert.deepEqual(ran, ['late']);
});

test('a bad cron expression is a config error at backup.jobs[0].schedule', () => {
  const r = configSchema.safeParse({
    backup: { jobs: [{ type: 'sqlite', name: 'db', path: './x.db', schedule: 'every day' }] },
  });
  assert.equal(r.success, false);
  assert.ok(r.error?.issues.some((i) => i.path.join('.') === 'backup.jobs.0.schedule'));
});

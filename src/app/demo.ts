// `ripcord demo` (what `npm start` runs): lays out the demo shop (src/demo) — its files and a
// day of logs with an intrusion — imports the logs, takes the known-good baseline of the files,
// then lets the "attacker" change them, so every step of the README's walk-through has
// something real to find.

import { join } from 'node:path';
import { attackShop, demoAttack, demoShopSql, layOutShop } from '../demo/index.ts';
import { createSqliteFile } from '../adapters/dump/sqlite.ts';
import { startMailSink } from '../adapters/mail/sink.ts';
import { backupDrill, backupRun } from './backup.ts';
import type { Logger } from '../core/log.ts';
import { who } from '../logs/index.ts';
import { loadConfig, type LoadedConfig } from './config.ts';
import { withApp } from './context.ts';
import { integrityAppOptions, integrityBaseline, integrityContextIn } from './integrity.ts';
import { runDaemon } from './run.ts';

export { demoConfigPath, demoDir } from '../demo/index.ts';

export interface DemoSummary {
  config: string;
  site: string;
  lines: number;
  events: number;
  rejected: number;
  findings: { category: string; count: number }[];
  logins: { user: string | null; ip: string | null; service: string; knownIp: boolean | null }[];
  baseline: string;
  attacker: string;
  /** The backup taken before the attack: one snapshot per job. */
  backups: { job: string; kind: string; snapshot: string | null; bytes: number; error: string | null }[];
  /** The restore drill of those backups: time each took. */
  drill: { ok: boolean; jobs: { job: string; ok: boolean; durationMs: number }[] };
}

export async function setupDemo(o: {
  logger: Logger;
  now?: number;
  /** Where to lay the demo out (default: the bundled examples/demo-shop). */
  dir?: string;
}): Promise<{ loaded: LoadedConfig; summary: DemoSummary }> {
  const now = o.now ?? Date.now();
  const { site, config } = layOutShop(now, o.dir);
  createSqliteFile(join(site, '..', 'shop.db'), demoShopSql());

  const loaded = loadConfig({ file: config });
  return withApp(loaded, { logger: o.logger, ...integrityAppOptions }, async (app) => {
    const run = await runDaemon(app, { signal: new AbortController().signal, once: true });

    // The known-good copy is taken before the attacker's file changes land.
    const ctx = integrityContextIn(app);
    const baseline = (await integrityBaseline(ctx, { reason: 'demo: the shop as deployed' })).snapshot;
    // A backup of the files and the database, and a drill proving it restores, before the attack.
    const backups = (await backupRun(app)).map((r) => ({
      job: r.job,
      kind: r.kind,
      snapshot: r.snapshot ?? null,
      bytes: r.summary?.bytes ?? 0,
      error: r.error ?? null,
    }));
    const drilled = await backupDrill(app);
    attackShop(site);

    const events = await app.events();
    const findings = await (await app.findings()).listFindings({ limit: 100_000 });
    const byCat = new Map<string, number>();
    for (const f of findings) byCat.set(f.category, (byCat.get(f.category) ?? 0) + 1);
    const logins = (await who(events, { limit: 20 })).map(({ user, ip, service, knownIp }) => ({
      user,
      ip,
      service,
      knownIp,
    }));
    return {
      loaded,
      summary: {
        config,
        site,
        lines: run.sources.reduce((n, s) => n + s.lines, 0),
        events: run.sources.reduce((n, s) => n + s.events, 0),
        rejected: run.sources.reduce((n, s) => n + s.rejected, 0),
        findings: [...byCat].map(([category, count]) => ({ category, count })).sort((x, y) => y.count - x.count),
        logins,
        baseline,
        attacker: demoAttack.attacker,
        backups,
        drill: {
          ok: drilled.ok,
          jobs: drilled.jobs.map((j) => ({ job: j.job, ok: j.ok, durationMs: j.durationMs })),
        },
      },
    };
  });
}

/**
 * The demo's mail relay: a local sink on the port the demo config names, keeping each message
 * under .demo/mail. Null (with the reason) when the port is taken: the rest of the demo runs.
 */
export async function startDemoMail(loaded: LoadedConfig): Promise<{ dir: string; close(): Promise<void> } | string> {
  const smtp = loaded.config.notices.smtp;
  if (smtp === undefined) return 'no notices.smtp in the demo configuration';
  const dir = join(loaded.baseDir, '.demo', 'mail');
  try {
    const sink = await startMailSink({ port: smtp.port, dir });
    return { dir, close: () => sink.close() };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

// The subsystems that run beside the traffic sources inside `ripcord run` (alert delivery,
// integrity watch, backup schedule, vulnerability check, quiet-host watch). Each starts here
// from the app context and stops on shutdown. With several servers on one store, each agent
// watches its own files; only the leading server delivers alerts and runs the schedules.

import type { App } from './context.ts';
import { startAlertsFor } from './alerts.ts';
import { startIntegrityWatch } from './integrity.ts';
import { startBackupSchedule } from './backup.ts';
import { startVulnsSchedule } from './software.ts';
import { startHostWatch } from './hosts.ts';

export interface Service {
  name: string;
  /** New findings were stored (wakes the alert dispatcher at once). */
  notify?: () => void;
  stop(): Promise<void>;
}

export interface ServiceSet {
  /** Watch this host's site files (every role that reads: all, agent). */
  files: boolean;
  /** Deliver alerts and run the schedules (the leading server: all, server). */
  lead: boolean;
}

export async function startServices(app: App, which: ServiceSet = { files: true, lead: true }): Promise<Service[]> {
  const services: Service[] = [];
  const { config, loaded } = app;
  const log = app.logger;
  const findings = await app.findings();
  if (which.lead && config.alerts.enabled) {
    const alerts = await startAlertsFor(app);
    // A broken template or channel config must stop the start, not fail silently later.
    await alerts.ready;
    services.push({ name: 'alerts', notify: () => alerts.notify(), stop: () => alerts.stop() });
  }
  const hasFiles = config.integrity.paths.length > 0 || config.site.root !== undefined;
  if (which.files && hasFiles) {
    // A changed site file becomes a finding like any attack, so the alert path delivers it.
    // Its traffic lookups read the daemon's open store.
    const watch = startIntegrityWatch({
      loaded,
      traffic: app.traffic,
      onFinding: (f) => {
        findings
          .addFindings([f])
          .then(() => {
            for (const s of services) s.notify?.();
          })
          .catch((e: unknown) =>
            log.error({ err: e instanceof Error ? e.message : String(e) }, 'integrity finding not stored'),
          );
      },
      onError: (e) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'integrity watch'),
      onReady: (watched, unwatched) => log.info({ watched, unwatched }, 'integrity watch started'),
    });
    await watch.ready;
    services.push({ name: 'integrity', stop: () => watch.stop() });
  }
  if (!which.lead) return services;
  // Scheduled backups; a missed schedule (found on start) and a failed run are alerts.
  const backups = await startBackupSchedule(app);
  if (backups !== null) {
    for (const m of backups.missed) log.warn({ job: m.job, due: m.due }, 'backup schedule missed');
    for (const s of services) s.notify?.();
    services.push({ name: 'backup', stop: () => backups.stop() });
  }
  // The daily known-vulnerability check: a hole seen for the first time is an alert.
  const vulns = startVulnsSchedule(app, () => {
    for (const s of services) s.notify?.();
  });
  if (vulns !== null) services.push({ name: 'vulns', stop: () => vulns.stop() });
  // Agents gone quiet (several servers on one store): an alert each.
  const hosts = startHostWatch(app, () => {
    for (const s of services) s.notify?.();
  });
  services.push({ name: 'hosts', stop: () => hosts.stop() });
  return services;
}

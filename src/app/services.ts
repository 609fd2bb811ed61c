// The subsystems that run beside the traffic sources inside `ripcord run` (alert delivery,
// integrity watch, backup schedule). Each starts here and stops on shutdown.

import type { Logger } from '../core/log.ts';
import type { LoadedConfig } from './config.ts';
import type { OpenStore } from './store.ts';
import { startAlerts } from './alerts.ts';

export interface Service {
  name: string;
  /** New findings were stored (wakes the alert dispatcher at once). */
  notify?: () => void;
  stop(): Promise<void>;
}

export async function startServices(loaded: LoadedConfig, store: OpenStore, log: Logger): Promise<Service[]> {
  const services: Service[] = [];
  const { config } = loaded;
  if (config.alerts.enabled) {
    const alerts = startAlerts({ db: store.db, store: store.events, config, logger: log, baseDir: loaded.baseDir });
    // A broken template or channel config must stop the start, not fail silently later.
    await alerts.ready;
    services.push({ name: 'alerts', notify: () => alerts.notify(), stop: () => alerts.stop() });
  }
  return services;
}

// The subsystems that run beside the traffic sources inside `ripcord run` (alert delivery,
// integrity watch, backup schedule). Each starts here and stops on shutdown.

import type { Logger } from '../core/log.ts';
import type { LoadedConfig } from './config.ts';
import type { OpenStore } from './store.ts';

export interface Service {
  name: string;
  /** New findings were stored (wakes the alert dispatcher at once). */
  notify?: () => void;
  stop(): Promise<void>;
}

export async function startServices(_loaded: LoadedConfig, _store: OpenStore, _log: Logger): Promise<Service[]> {
  return [];
}

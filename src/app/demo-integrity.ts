// The demo's known-good baseline of the shop's files (wired to the integrity subsystem).

import type { LoadedConfig } from './config.ts';
import type { Logger } from '../core/log.ts';

/** Takes the integrity baseline of the demo site; returns its snapshot id, or null when unavailable. */
export async function demoBaseline(_loaded: LoadedConfig, _log: Logger): Promise<string | null> {
  return null;
}

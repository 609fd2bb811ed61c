// The demo's known-good baseline of the shop's files, taken through the integrity subsystem.

import type { LoadedConfig } from './config.ts';
import type { Logger } from '../core/log.ts';
import { integrityBaseline, integrityContext } from './integrity.ts';

/** Takes the integrity baseline of the demo site; returns its snapshot id. */
export async function demoBaseline(loaded: LoadedConfig, _log: Logger): Promise<string | null> {
  const r = await integrityBaseline(integrityContext(loaded), { reason: 'demo: the shop as deployed' });
  return r.snapshot;
}

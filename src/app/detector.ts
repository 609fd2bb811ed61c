// Builds the detection engine from the config for the traffic pipeline. Until the detection
// subsystem is wired, no detector runs.

import type { LoadedConfig } from './config.ts';
import type { EventDetector } from '../logs/pipeline.ts';
import type { EventStore } from '../logs/ports.ts';

export async function buildDetector(_loaded: LoadedConfig, _store: EventStore): Promise<EventDetector | undefined> {
  return undefined;
}

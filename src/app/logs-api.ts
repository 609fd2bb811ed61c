// What the CLI and HTTP layers call for the traffic record: a context over a loaded config,
// imports and queries against its traffic record, closed afterwards.

import type { LoadedConfig } from './config.ts';
import { withApp } from './context.ts';
import type { EventStore } from '../logs/index.ts';
import { ingestFiles, type IngestResult } from './logs.ts';
import type { FormatName } from '../core/config/index.ts';
import { buildDetector } from './detector.ts';
import type { Readable } from 'node:stream';

export { formatNames, type FormatName } from '../core/config/index.ts';
export * from './logs.ts';
export type { StoredEvent, StoredFinding, StoredAuth, StoredHttp } from '../logs/ports.ts';

/** Runs `fn` on the traffic record of a fresh context, closed afterwards. */
export async function withEvents<T>(loaded: LoadedConfig, fn: (events: EventStore) => Promise<T>): Promise<T> {
  return withApp(loaded, {}, async (app) => fn(await app.events()));
}

export async function runIngest(
  loaded: LoadedConfig,
  o: {
    files: string[];
    format: FormatName;
    logFormat?: string | undefined;
    timezone?: string | undefined;
    detect: boolean;
    stdin?: Readable;
    onProgress?: (p: { file: string; read: number; total: number; lines: number }) => void;
  },
): Promise<IngestResult[]> {
  return withEvents(loaded, async (events) => {
    const detector = o.detect ? await buildDetector(loaded, events) : undefined;
    return ingestFiles(events, {
      files: o.files,
      format: o.format,
      logFormat: o.logFormat,
      timezone: o.timezone,
      platform: loaded.config.site.platform,
      detector,
      batchLines: loaded.config.logs.batchLines,
      stdin: o.stdin,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
  });
}

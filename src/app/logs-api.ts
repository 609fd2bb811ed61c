// What the CLI and HTTP layers call for the traffic record: opening the store from a loaded
// config and running imports and queries against it, closing it afterwards.

import type { LoadedConfig } from './config.ts';
import { openStore } from './store.ts';
import { ingestFiles, type IngestResult } from './logs.ts';
import type { FormatName } from '../core/config/index.ts';
import { buildDetector } from './detector.ts';
import type { Readable } from 'node:stream';

export { formatNames, type FormatName } from '../core/config/index.ts';
export * from './logs.ts';
export type { StoredEvent, StoredFinding, StoredAuth, StoredHttp } from '../logs/ports.ts';

export async function withStore<T>(
  loaded: LoadedConfig,
  fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>,
): Promise<T> {
  const s = await openStore(loaded.config);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
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
  return withStore(loaded, async (s) => {
    const detector = o.detect ? await buildDetector(loaded, s.events) : undefined;
    return ingestFiles(s.events, {
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

// The traffic record as the CLI uses it: a context over a loaded config, imports (with the file
// and stdin sources from adapters/sources) and the owner's questions (logs/queries.ts) against
// its traffic record, closed afterwards.

import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { FileSource } from '../adapters/sources/file.ts';
import { StreamSource } from '../adapters/sources/stdin.ts';
import { AppError } from '../core/errors.ts';
import type { FormatName } from '../core/config/index.ts';
import {
  fileSourceId,
  ingestFiles,
  type EventStore,
  type FindingStore,
  type IngestResult,
  type LineSource,
} from '../logs/index.ts';
import type { LoadedConfig } from './config.ts';
import { withApp } from './context.ts';
import { startDetection } from './detect-thread.ts';

export { formatNames, type FormatName } from '../core/config/index.ts';
export {
  fileSourceId,
  searchLogs,
  who,
  top,
  timeline,
  type IngestResult,
  type SearchOptions,
  type WhoRow,
  type TimelineItem,
} from '../logs/index.ts';
export type { StoredEvent, StoredFinding, StoredAuth, StoredHttp } from '../logs/index.ts';

/** Runs `fn` on the traffic record of a fresh context, closed afterwards. */
export async function withEvents<T>(loaded: LoadedConfig, fn: (events: EventStore) => Promise<T>): Promise<T> {
  return withApp(loaded, {}, async (app) => fn(await app.events()));
}

/** Runs `fn` over the traffic record and its findings, closing the store after. */
export async function withRecord<T>(
  loaded: LoadedConfig,
  fn: (events: EventStore, findings: FindingStore) => Promise<T>,
): Promise<T> {
  return withApp(loaded, {}, async (app) => fn(await app.events(), await app.findings()));
}

/** The source reading a file once, or standard input for `-`. */
function importSource(file: string, batchLines: number, stdin: Readable | undefined): LineSource {
  if (file === '-') {
    if (!stdin) throw new AppError('usage', 'standard input is not available');
    return new StreamSource('stdin', stdin, batchLines);
  }
  return new FileSource({ id: fileSourceId(file), path: resolve(file), follow: false, batchLines });
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
    // The costly part of detection on a second thread (detect.thread; `auto`: a large import on two cores or more).
    const { detector, gates } = o.detect
      ? await startDetection(loaded, events, wantThread(loaded.config.detect.thread, o.files, o.stdin !== undefined))
      : { detector: undefined, gates: null };
    // With the thread, two batches are in flight at once (one on each thread): smaller ones keep
    // the young generations' survivors, and the peak, down (2M lines: 265 against 310 MB).
    const batchLines = Math.min(loaded.config.logs.batchLines, gates === null ? Infinity : THREAD_BATCH_LINES);
    try {
      return await ingestFiles(events, {
        files: o.files,
        format: o.format,
        logFormat: o.logFormat,
        timezone: o.timezone,
        platform: loaded.config.site.platform,
        detector,
        batchGates: gates ?? undefined,
        batchLines,
        openSource: (file) => importSource(file, batchLines, o.stdin),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
    } finally {
      await gates?.close();
    }
  });
}

/** Most lines per batch while a detection thread works beside (see runIngest). */
const THREAD_BATCH_LINES = 4096;

/** Input of at least this many bytes is worth a detection thread (`detect.thread: auto`). */
const THREAD_BYTES = 32 * 1024 * 1024;

/**
 * `detect.thread` for an import: `auto` starts the thread on two cores or more when the files
 * hold enough to repay starting it (~0.2 s of the other core); standard input is read without.
 */
function wantThread(setting: boolean | 'auto', files: readonly string[], stdin: boolean): boolean {
  if (setting !== 'auto') return setting;
  if (availableParallelism() < 2) return false;
  let bytes = 0;
  for (const f of files) {
    if (f === '-' && stdin) return false;
    try {
      bytes += statSync(f).size;
    } catch {
      // a missing file fails where it is opened, with its name
    }
  }
  return bytes >= THREAD_BYTES;
}

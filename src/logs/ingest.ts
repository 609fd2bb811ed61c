// `ripcord ingest`: importing log files once through the same pipeline as `ripcord run`. Each
// file is its own source with a checkpoint, so importing a file again only adds what was
// appended since, and a crash mid-way resumes instead of doubling.

import { SourceChannel, type BatchGates, type EventDetector, type SourceStats } from './pipeline.ts';
import type { FormatName } from '../core/config/index.ts';
import type { EventStore, SourceOpener } from './ports.ts';

export { fileSourceId } from './ports.ts';

export interface IngestOptions {
  files: string[];
  format: FormatName;
  logFormat?: string | undefined;
  timezone?: string | undefined;
  platform?: string | undefined;
  detector?: EventDetector | undefined;
  /** The detector's gates worked out on another thread (batches are then stored one behind; see SourceChannel). */
  batchGates?: BatchGates | undefined;
  batchLines?: number | undefined;
  /** The source that reads a named file once (`-` for standard input), from its checkpoint. */
  openSource: SourceOpener;
  onProgress?: (p: { file: string; read: number; total: number; lines: number }) => void;
  onFindings?: (ids: number[]) => void;
  signal?: AbortSignal;
}

export interface IngestResult extends SourceStats {
  file: string;
  source: string;
  durationMs: number;
  linesPerSecond: number;
}

/**
 * Imports files once. Each file is its own source with a checkpoint, so importing the same
 * file again only adds what was appended since (and a crash mid-way resumes, not doubles).
 */
export async function ingestFiles(store: EventStore, o: IngestOptions): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const signal = o.signal ?? new AbortController().signal;
  for (const file of o.files) {
    const started = performance.now();
    const source = o.openSource(file);
    const channel = new SourceChannel(
      {
        store,
        detector: o.detector,
        batchGates: o.batchGates,
        platform: o.platform ?? 'custom',
        ...(o.onFindings ? { onFindings: o.onFindings } : {}),
      },
      source.id,
      o.format,
      { logFormat: o.logFormat, timezone: o.timezone ?? 'UTC' },
    );
    const state = source.id === 'stdin' ? null : await store.sourceState(source.id);
    await source.run(
      state?.checkpoint ?? null,
      async (batch) => {
        await channel.handle(batch);
        const p = source.progress?.();
        o.onProgress?.({ file, read: p?.read ?? 0, total: p?.total ?? 0, lines: channel.stats.lines });
      },
      signal,
    );
    await channel.flush();
    const durationMs = performance.now() - started;
    results.push({
      file,
      source: source.id,
      ...channel.stats,
      durationMs,
      linesPerSecond: durationMs > 0 ? Math.round((channel.stats.lines * 1000) / durationMs) : 0,
    });
  }
  return results;
}

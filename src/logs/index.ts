// Public face of the logs subsystem: event types, parsers, the pipeline and the store port.
export type * from './events.ts';
export type * from './ports.ts';
export { batchEvents, emptyBucket } from './ports.ts';
export type * from './sources.ts';
export { getParser, sniffFormat, deriveShopAdminLogin } from './parsers/index.ts';
export {
  SourceChannel,
  withRetry,
  parseLines,
  type BatchGates,
  type BatchVerdicts,
  type DetectJob,
  type EventDetector,
  type PipelineOptions,
  type SourceStats,
} from './pipeline.ts';
export { ingestFiles, fileSourceId, type IngestOptions, type IngestResult } from './ingest.ts';
export { searchLogs, who, top, timeline, type SearchOptions, type WhoRow, type TimelineItem } from './queries.ts';
export { detectLines, type DetectedFinding, type DetectSummary } from './dry-run.ts';

// What integrity needs from outside, declared here and implemented elsewhere:
// - RepositoryAccess: the repository holding the baselines (src/app/integrity.ts: the app
//   context's for a command, one opened per use for the long-running watch).
// - TrafficLookup: the recorded requests around a change (the lead implements it over the
//   traffic store in src/app; `nullTrafficLookup` when there is no store). Read-only,
//   idempotent; a failure is reported with the change, never fails the check.
// - FileWatcher: change notifications for a set of folders (src/adapters/fswatch/chokidar.ts).
//   Best effort: a missed event is caught by the scheduled full check.
// - ShopDbReader (opened by a ShopDbOpener): rows of the shop's own database for `scan-db`
//   (src/adapters/shopdb/).
//   Read-only; identifiers are validated by the caller and quoted by the adapter.
// - SignatureScanner: the owner's YARA rule files matched by Debian's `yara`
//   (src/adapters/yara/); reports only files the scan walked.
// - IntegrityFinding: detect's Finding, raised by the watcher and the scheduled check.

import type { Finding, Severity } from '../detect/index.ts';
import type { Repository } from '../snapshots/index.ts';
import type { CodeFinding } from './scan/scanner.ts';

/**
 * Matches signature rules (YARA) against the scanned folders or files; only findings on files
 * in `walked` (absolute paths) come back. A missing tool or broken rule file is config_invalid.
 */
export type SignatureScanner = (targets: readonly string[], walked: ReadonlySet<string>) => Promise<CodeFinding[]>;

/** The repository holding the baselines; the provider decides how long it stays open. */
export interface RepositoryAccess {
  /** Runs `f` with the repository; with `create`, one is made when there is none. */
  use<T>(create: boolean, f: (repo: Repository) => Promise<T>): Promise<T>;
  /** Starts opening it now, so its key derivation runs while the caller hashes files. */
  prefetch(): void;
}

export interface TrafficRequest {
  time: number;
  ip: string;
  method: string;
  path: string;
  query: string;
  status: number;
  userAgent: string | null;
}

export interface TrafficLookup {
  /** Requests from `timeMs - beforeMs` up to `timeMs` (and a minute after, for clock skew), at most `limit`, newest first. */
  requestsAround(timeMs: number, beforeMs: number, limit: number): Promise<TrafficRequest[]>;
}

export const nullTrafficLookup: TrafficLookup = {
  requestsAround: async () => [],
};

/** Watches nothing (integrity.watch.enabled false): only the scheduled check runs. */
export const noFileWatcher: FileWatcher = {
  watch: async () => ({ add() {}, close: async () => {} }),
};

export type WatchEvent = { type: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir'; path: string };

export interface FileWatcher {
  /** Starts watching `dirs` (absolute), calling `onEvent` for changes; `ignored(abs)` prunes folders and files. */
  watch(
    dirs: readonly string[],
    ignored: (abs: string, isDir: boolean | null) => boolean,
    onEvent: (e: WatchEvent) => void,
    onError: (e: unknown) => void,
  ): Promise<WatchHandle>;
}

export interface WatchHandle {
  /** Watches further folders (each without its subfolders). */
  add(dirs: readonly string[]): void;
  close(): Promise<void>;
}

export interface ShopDbCell {
  table: string;
  column: string;
  key: string;
  value: string;
}

export interface ShopDbReader {
  /** Which of the tables exist (others are skipped with a note). */
  existingTables(tables: readonly string[]): Promise<Set<string>>;
  /** Every non-empty value of the columns, batch by batch, keyed by `key`. */
  cells(table: string, key: string, columns: readonly string[], batchSize: number): AsyncIterable<ShopDbCell>;
  close(): Promise<void>;
}

/** Opens the shop database named by a mysql:// or postgres:// URL (scan-db). */
export type ShopDbOpener = (url: string) => Promise<ShopDbReader>;

/** Findings of integrity are the detection subsystem's Finding (category 'integrity'). */
export type IntegrityFinding = Finding;
export type IntegritySeverity = Severity;

// The incident record's ports. IncidentStore keeps incidents and what people add to them
// (notes, ticked steps, custody records) in the state database; adapters: SQL (SQLite and
// PostgreSQL, adapters/db/incident-store.ts) and memory (memory.ts, for unit tests). The
// timeline's sources are supplied by the app, one per subsystem, so this folder imports none.

import type { Facts } from '../obligations/index.ts';
import type { CustodyEntry, Evidence, Incident, Note, StepTick, TimelineEntry } from './model.ts';

/** What declaring an incident states; the store gives the id, status and (later) the evidence. */
export type NewIncident = Pick<Incident, 'title' | 'severity' | 'discoveredAt' | 'declaredAt' | 'declaredBy' | 'facts'>;

/**
 * Incidents and their entries. Ids are `INC-<n>`, given by the store in declaration order.
 * Writes are single statements or one transaction; `tick` is idempotent (a step ticked twice
 * keeps its first tick). Nothing here is retried: a failure is reported to the owner.
 */
export interface IncidentStore {
  init(): Promise<void>;
  create(i: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | null>;
  /** Newest first. */
  list(): Promise<Incident[]>;
  setFacts(id: string, facts: Facts): Promise<void>;
  setEvidence(id: string, e: Evidence): Promise<void>;
  /** Closes an open incident; AppError 'conflict' when it is closed already. */
  close(id: string, c: { at: number; by: string; lessons: string[]; summary: string | null }): Promise<Incident>;
  addNote(id: string, n: Note): Promise<void>;
  notes(id: string): Promise<Note[]>;
  /** Returns false when the step was ticked already (the first tick stays). */
  tick(id: string, t: StepTick): Promise<boolean>;
  ticks(id: string): Promise<StepTick[]>;
  addCustody(id: string, c: CustodyEntry): Promise<void>;
  custody(id: string): Promise<CustodyEntry[]>;
}

/** One subsystem's part of the timeline, for the window [from, to]. */
export interface TimelineSource {
  name: string;
  entries(from: number, to: number): Promise<TimelineEntry[]>;
}

/**
 * The evidence folder on disk and its archives (adapters/evidence-files.ts). Paths are the
 * app's own (the state folder, the owner's --out), never taken from evidence content.
 */
export interface EvidenceFiles {
  /** Writes a whole file durably (temp + fsync + rename), making its folders. */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** Writes a file line by line as the lines come (JSONL), durably at the end; returns the line count. */
  writeLines(path: string, lines: AsyncIterable<string>): Promise<number>;
  read(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  /** Every regular file under dir: '/'-separated relative name, size and SHA-256, sorted by name. */
  hashTree(dir: string): Promise<EvidenceFileHash[]>;
  /** Copies a folder's tree under another (made fresh). */
  copyTree(from: string, to: string): Promise<void>;
  /** Packs dir as a .tar.gz whose one top folder is dir's base name. */
  pack(dir: string, file: string): Promise<void>;
  /** Unpacks a .tar.gz under dir (entries leaving it or links are refused); returns the top folder. */
  unpack(file: string, dir: string): Promise<string>;
  tempDir(): Promise<{ path: string; remove(): Promise<void> }>;
}

export interface EvidenceFileHash {
  name: string;
  bytes: number;
  sha256: string;
}

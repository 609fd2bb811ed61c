// What the software subsystem needs from the outside, implemented in src/adapters/.

import type { Component } from './component.ts';
import type { OsvRecord } from './osv.ts';

/**
 * The advisory store. `replace` swaps the records of the named ecosystems in one transaction:
 * all of them or, on any failure, none (the previous data stays). Idempotent per input.
 */
export interface AdvisoryStore {
  init(): Promise<void>;
  replace(ecosystems: readonly string[], records: readonly OsvRecord[]): Promise<number>;
  /** Records that name the package (ecosystem without its release suffix, name lower-cased). */
  forPackage(ecosystem: string, name: string): Promise<OsvRecord[]>;
  counts(): Promise<{ ecosystem: string; records: number }[]>;
  /** Marks component+advisory pairs as seen; returns the ones not seen before. */
  markSeen(keys: readonly string[], now: number): Promise<string[]>;
}

/** Installed system packages (dpkg-query) with the OSV ecosystem of this distribution. */
export interface PackageProbe {
  installed(): Promise<Component[]>;
}

/** Versions of local server binaries (nginx, apache2, php). */
export interface BinaryProbe {
  versions(): Promise<Component[]>;
}

/** The shop's own response headers that name software (one HEAD, else GET, of its address). */
export interface HeaderProbe {
  headers(url: string): Promise<{ server: string | null; poweredBy: string | null }>;
}

/** Whether the traffic record has requests matching a path glob, and how many (capped). */
export interface TrafficProbe {
  requests(pathGlob: string, limit: number): Promise<{ count: number; last: number | null }>;
}

/** Reads OSV records from an archive (zip) or a folder of JSON files; refuses the whole input on any bad record. */
export type OsvReader = (path: string) => Promise<{ ecosystems: string[]; records: OsvRecord[] }>;

/**
 * Read-only view of the shop tree, confined to its root: `read` gives a regular file's text up
 * to `limit` bytes (null when absent, not a file, larger than the limit, or a link out of the
 * root — the reason goes to `skipped`), `dirs`/`files` list a folder's entries by name.
 */
export interface ShopFiles {
  read(rel: string, limit: number, skipped: string[]): string | null;
  dirs(rel: string, max: number): string[];
  files(rel: string, suffix: string, max: number): string[];
}

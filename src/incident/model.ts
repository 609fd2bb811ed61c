// The incident record's types: the incident itself (a state machine on `status`), the entries
// people add to it (notes, ticked steps, chain-of-custody records), the frozen evidence, and
// the timeline entries merged from every subsystem. Plain data: stores keep them as JSON.

import type { Facts } from '../obligations/index.ts';

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof severities)[number];

/** One file of the frozen evidence, by its path inside the evidence folder. */
export interface EvidenceFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** What `incident declare` froze, and the hash that seals the list. */
export interface Evidence {
  frozenAt: number;
  /** Start of the traffic window that was frozen (ms). */
  from: number;
  /** The repository snapshot of the site files as found, or null when there was none to take. */
  snapshot: string | null;
  files: EvidenceFile[];
  /** SHA-256 of the manifest (manifest.json) as written. */
  manifestSha256: string;
  counts: { requests: number; logins: number; findings: number; fileChanges: number };
  /** What could not be frozen and why (no baseline, no repository). */
  gaps: string[];
}

interface IncidentBase {
  id: string;
  title: string;
  severity: IncidentSeverity;
  /** When the owner found out (ms); the breach laws' clocks start here. */
  discoveredAt: number;
  declaredAt: number;
  declaredBy: string;
  /** The facts for the obligations engine, once the owner states them (`incident facts`). */
  facts: Facts | null;
  evidence: Evidence | null;
}

export type Incident =
  | (IncidentBase & { status: 'open' })
  | (IncidentBase & {
      status: 'closed';
      closedAt: number;
      closedBy: string;
      lessons: string[];
      summary: string | null;
    });

export interface Note {
  time: number;
  by: string;
  text: string;
}

export interface StepTick {
  /** The step's stable key (goal and a hash of its text): numbers shift, keys do not. */
  key: string;
  time: number;
  by: string;
}

export interface CustodyEntry {
  time: number;
  /** IANA zone of the machine that wrote it, so local times can be read back. */
  zone: string;
  by: string;
  action: 'frozen' | 'exported' | 'verified' | 'verify-failed';
  detail: string;
}

export type TimelineKind =
  | 'incident'
  | 'finding'
  | 'alert'
  | 'login'
  | 'file-change'
  | 'backup'
  | 'drill'
  | 'notice'
  | 'note'
  | 'step'
  | 'evidence';

/** A request recorded just before a file change (attacker-controlled text: escape when shown). */
export interface RequestBefore {
  time: number;
  ip: string;
  method: string;
  path: string;
  status: number;
}

export interface TimelineEntry {
  time: number;
  kind: TimelineKind;
  /** Where it came from: a log source, `integrity`, `alerts`, `backup`, `incident`. */
  source: string;
  /** One line; may hold attacker-controlled text (escape when shown). */
  summary: string;
  severity?: string;
  ip?: string | null;
  user?: string | null;
  /** For a file change: the requests just before it. */
  requests?: RequestBefore[];
}

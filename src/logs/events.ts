// The parsers' side of the traffic record: what a parser makes of a line and what it needs.
// The event types themselves live in core (core/events.ts), shared with detection and the stores.

import type { LogEvent } from '../core/events.ts';

export type * from '../core/events.ts';

/** What a parser makes of one line. */
export type ParseResult =
  | { type: 'event'; event: LogEvent }
  /** Well-formed but not key traffic (a cron line in auth.log, an sshd debug line); counted. */
  | { type: 'skip' }
  /** Malformed or not understood; kept in the store with its reason. */
  | { type: 'reject'; reason: string };

/** What a parser may need beyond the line itself. */
export interface ParseContext {
  /** Year to assume for syslog timestamps that carry none (`Nov  2 10:00:01`). */
  year: number;
  /** Milliseconds since epoch, "now": a year-less time more than a day in the future is taken as last year. */
  now: number;
  /** IANA zone or `+02:00` offset for timestamps without a zone; default UTC. */
  timezone: string;
}

export interface Parser {
  /** Format name as given to `--format` (`nginx`, `sshd`, …). */
  readonly name: string;
  parse(line: string, ctx: ParseContext): ParseResult;
}

/** A line that could not be parsed, as kept in the store. */
export interface Rejection {
  /** Where the line came from (source id) and its position (1-based line number, or byte offset). */
  line: number;
  text: string;
  reason: string;
}

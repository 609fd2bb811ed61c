// `ripcord detect`: every enabled rule over lines (a file or stdin) without storing anything.
// The format is named, or sniffed from the first lines, which are then replayed.

import type { FormatName } from '../core/config/index.ts';
import type { ParseContext, Parser } from './events.ts';
import { getParser, sniffFormat } from './parsers/index.ts';
import type { EventDetector } from './pipeline.ts';

export interface DetectedFinding {
  line: number;
  rule: string;
  category: string;
  severity: string;
  field: string;
  match: string;
}

export interface DetectSummary {
  lines: number;
  events: number;
  skipped: number;
  rejected: number;
  findings: number;
  format: string;
}

/** Runs `detector` over `lines`; `onFinding` gets each finding with its 1-based line number as it is found. */
export async function detectLines(
  lines: AsyncIterable<string>,
  format: string | undefined,
  detector: EventDetector,
  ctx: ParseContext,
  onFinding: (f: DetectedFinding) => void,
): Promise<DetectSummary> {
  const summary: DetectSummary = {
    lines: 0,
    events: 0,
    skipped: 0,
    rejected: 0,
    findings: 0,
    format: format ?? 'auto',
  };
  let parser: Parser | null = format === undefined || format === 'auto' ? null : getParser(format as FormatName);
  const pending: string[] = [];
  const handle = (line: string): void => {
    summary.lines++;
    const p = (parser as Parser).parse(line, ctx);
    if (p.type === 'skip') summary.skipped++;
    else if (p.type === 'reject') summary.rejected++;
    else {
      summary.events++;
      for (const f of detector.process(p.event)) {
        summary.findings++;
        onFinding({
          line: summary.lines,
          rule: f.rule,
          category: f.category,
          severity: f.severity,
          field: f.field,
          match: f.match,
        });
      }
    }
  };
  for await (const line of lines) {
    if (parser === null) {
      // Sniff the format from the first lines, then replay them.
      pending.push(line);
      if (pending.length < 20) continue;
      parser = getParser(sniffFormat(pending));
      summary.format = parser.name;
      for (const l of pending.splice(0)) handle(l);
      continue;
    }
    handle(line);
  }
  if (parser === null && pending.length > 0) {
    parser = getParser(sniffFormat(pending));
    summary.format = parser.name;
    for (const l of pending.splice(0)) handle(l);
  }
  return summary;
}

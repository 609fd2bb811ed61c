// How commands print: human text, or `--json` with one JSON object per line, from the same
// result. Attacker-controlled text is escaped for the terminal in human output; JSON escapes
// by itself.

import { escapeTerminal } from '../core/escape.ts';

export interface Out {
  json: boolean;
  /** Prints one record: as a JSON line, or through `human` as text. */
  record<T>(value: T, human: (v: T) => string): void;
  /** Human-only text (nothing in --json mode). */
  text(line: string): void;
  /** Progress and notes, always on stderr, never in --json stdout. */
  note(line: string): void;
}

export function createOut(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Out {
  return {
    json,
    record(value, human) {
      if (json) stdout.write(`${JSON.stringify(value)}\n`);
      else stdout.write(`${human(value)}\n`);
    },
    text(line) {
      if (!json) stdout.write(`${line}\n`);
    },
    note(line) {
      stderr.write(`${line}\n`);
    },
  };
}

/** Escapes hostile text for display. */
export const safe = (s: string | null | undefined): string => (s === null || s === undefined ? '-' : escapeTerminal(s));

/** Pads/cuts columns into an aligned table. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all)
    r.forEach((c, i) => {
      widths[i] = Math.min(Math.max(widths[i] ?? 0, c.length), 80);
    });
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) =>
        i === r.length - 1
          ? c
          : c.length > (widths[i] ?? 0)
            ? `${c.slice(0, (widths[i] ?? 1) - 1)}…`
            : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return all.map(fmt).join('\n');
}

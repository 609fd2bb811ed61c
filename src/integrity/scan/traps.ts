// Content built to break a scanner: a parser that runs out of stack on it has not said the text is
// malformed, so that failure must not read as "not code" (and pass as clean). It is raised to the
// scanner, which reports the file (see analyseOrReport in scanner.ts).

/** Re-throws a stack overflow; any other parse error is the caller's to treat as unreadable text. */
export function rethrowTrap(err: unknown): void {
  if (err instanceof RangeError && /call stack/i.test(err.message)) throw err;
}

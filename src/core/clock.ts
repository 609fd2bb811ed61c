// Time is injected: code asks a Clock, never `Date.now()` directly, so tests and the
// obligations engine can run at any instant.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until moved; for tests. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: number | Date = 0) {
    this.#t = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.#t;
  }
  set(t: number | Date): void {
    this.#t = typeof t === 'number' ? t : t.getTime();
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

const relative = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w|y)$/i;
const unitMs: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses a duration such as `90s`, `15m`, `2h`, `7d` to milliseconds; undefined if not one. */
export function parseDuration(text: string): number | undefined {
  const m = relative.exec(text.trim());
  if (!m) return undefined;
  const unit = unitMs[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(m[1]) * unit;
}

/**
 * Parses a point in time given on the command line: an ISO date or date-time (with or
 * without zone; without one it is taken as UTC), `now`, or a relative `2h` meaning 2 hours
 * before `now`. Returns undefined when the text is none of these.
 */
export function parseInstant(text: string, now: number): number | undefined {
  const t = text.trim();
  if (t === 'now') return now;
  const d = parseDuration(t);
  if (d !== undefined) return now - d;
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t);
  const iso = t.length === 10 ? `${t}T00:00:00Z` : hasZone ? t : `${t}Z`;
  const ms = Date.parse(iso.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Waits `ms`, or less when `signal` aborts. The abort listener is removed when the wait ends,
 * so a loop that sleeps on one signal many times does not pile listeners up on it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

// What the code analysers report: weak and strong signals about one piece of code, each with a
// weight and a reason, and the verdict their sum gives. One signal alone on a vendor file (an
// `eval` in a template engine, a long base64 string in a font loader) stays below the bar; a
// flow from the request into code execution, or several weak signals together, crosses it.

import type { CodeCategory, CodeSeverity } from './rules.ts';

export interface Signal {
  /** Stable id, e.g. `php-taint-exec`; reported as the finding's rule. */
  id: string;
  category: CodeCategory;
  /** 10 is enough on its own; weaker signals add up. */
  weight: number;
  /** 1-based line of the code that raised it. */
  line: number;
  /** What was seen, for people (attacker-controlled: escape when shown). */
  evidence: string;
  description: string;
}

/** The score at which a file is reported. */
export const reportAt = 10;

export function severityOf(score: number): CodeSeverity {
  if (score >= 20) return 'critical';
  if (score >= 10) return 'high';
  if (score >= 6) return 'medium';
  return 'low';
}

/** Collects signals, keeping the strongest of each id (one reason per kind is enough to show). */
export class SignalSet {
  readonly #byId = new Map<string, Signal>();

  add(s: Signal): void {
    const had = this.#byId.get(s.id);
    if (had === undefined || had.weight < s.weight) this.#byId.set(s.id, s);
  }

  get size(): number {
    return this.#byId.size;
  }

  all(): Signal[] {
    return [...this.#byId.values()].sort((a, b) => b.weight - a.weight || a.line - b.line);
  }

  score(): number {
    let s = 0;
    for (const x of this.#byId.values()) s += x.weight;
    return s;
  }
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A short one-line excerpt of attacker text for a reason. */
export function clip(s: string, max = 100): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

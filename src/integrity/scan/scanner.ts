// Runs code rules over content that is already in memory (a file read once for hashing and
// scanning, or a database cell). Content is decoded as latin1: one char per byte, so any byte
// sequence is scannable and offsets are byte offsets; rules are written in ASCII.

import type { CodeCategory, CodeRule, CodeSeverity } from './rules.ts';
import { languagesOf, type Language } from './languages.ts';

export interface CodeFinding {
  /** File path (as given) or `table.column#key` for database content. */
  path: string;
  rule: string;
  category: CodeCategory;
  severity: CodeSeverity;
  /** 1-based line of the hit; 0 for a rule on the path alone. */
  line: number;
  /** A short excerpt of what matched (attacker-controlled: escape when shown). */
  match: string;
  description: string;
}

export interface ScanTarget {
  /** Shown in findings. */
  path: string;
  /** '/'-separated path relative to the site root, for rules with `paths`. */
  rel: string;
  /** Content kinds; defaults to what the name says. */
  languages?: readonly Language[];
}

export const excerptLength = 120;

export function excerpt(text: string, index: number, length: number): string {
  const raw = text.slice(index, index + Math.min(length, excerptLength));
  const cut = raw.replace(/\s+/g, ' ').trim();
  return length > excerptLength ? `${cut}…` : cut;
}

export function lineAt(text: string, index: number): number {
  let line = 1;
  let i = text.indexOf('\n');
  while (i !== -1 && i < index) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

/** Bytes to text for scanning: latin1, cut to maxBytes. */
export function scanText(content: Uint8Array, maxBytes: number): string {
  const b = Buffer.from(content.buffer, content.byteOffset, Math.min(content.byteLength, maxBytes));
  return b.toString('latin1');
}

/** True when at least one rule could read a file of this name (so reading it for a scan is worthwhile). */
export function isScannable(rel: string, rules: readonly CodeRule[]): boolean {
  const langs = languagesOf(rel);
  if (langs.length === 0) return false;
  return rules.some((r) => langs.some((l) => r.languages.has(l)));
}

export function scanContent(text: string, target: ScanTarget, rules: readonly CodeRule[]): CodeFinding[] {
  const langs = target.languages ?? languagesOf(target.rel);
  if (langs.length === 0) return [];
  const out: CodeFinding[] = [];
  for (const rule of rules) {
    if (!langs.some((l) => rule.languages.has(l))) continue;
    if (rule.pathMatch !== null && !rule.pathMatch(target.rel)) continue;
    let index = 0;
    let length = 0;
    let hit = true;
    for (let i = 0; i < rule.patterns.length && hit; i++) {
      const m = (rule.patterns[i] as RegExp).exec(text);
      if (m === null) hit = false;
      else if (i === 0) {
        index = m.index;
        length = m[0].length;
      }
    }
    if (!hit) continue;
    if (rule.unless?.test(text)) continue;
    const pathOnly = rule.patterns.length === 0;
    out.push({
      path: target.path,
      rule: rule.id,
      category: rule.category,
      severity: rule.severity,
      line: pathOnly ? 0 : lineAt(text, index),
      match: pathOnly ? target.rel.slice(target.rel.lastIndexOf('/') + 1) : excerpt(text, index, length),
      description: rule.description,
    });
  }
  return out;
}

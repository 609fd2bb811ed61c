// Merges the content requirements of several jurisdictions into one list, as the notice linter
// (notices issue) needs: each element once, with every jurisdiction that requires it; the
// strictest font size; every prohibition; and any required titles side by side.

import type { RuleSet } from './engine.ts';
import { resolveCode } from './engine.ts';

export interface MergedElement {
  id: string;
  texts: { jurisdiction: string; text: string; heading: string | null; onlyIf: string | null; citation: string }[];
}

export interface MergedRequirements {
  jurisdictions: string[];
  elements: MergedElement[];
  titles: { jurisdiction: string; title: string }[];
  minFontPt: number | null;
  mustNot: { id: string; jurisdiction: string; text: string }[];
  languages: { jurisdiction: string; languages: string[] }[];
  unknown: { jurisdiction: string; note: string }[];
  missing: string[];
}

export function mergeRequirements(codes: readonly string[], rules: RuleSet): MergedRequirements {
  const out: MergedRequirements = {
    jurisdictions: [],
    elements: [],
    titles: [],
    minFontPt: null,
    mustNot: [],
    languages: [],
    unknown: [],
    missing: [],
  };
  const byId = new Map<string, MergedElement>();
  for (const code of codes) {
    const r = resolveCode(code, rules);
    if (r === null) {
      out.missing.push(code);
      continue;
    }
    out.jurisdictions.push(code);
    const c = r.rule.content;
    if (c.status === 'unknown') {
      out.unknown.push({ jurisdiction: code, note: c.note });
      continue;
    }
    for (const e of c.elements) {
      let m = byId.get(e.id);
      if (m === undefined) {
        m = { id: e.id, texts: [] };
        byId.set(e.id, m);
        out.elements.push(m);
      }
      m.texts.push({
        jurisdiction: code,
        text: e.text,
        heading: e.heading ?? null,
        onlyIf: e.onlyIf ?? null,
        citation: c.citation,
      });
    }
    if (c.title !== null) out.titles.push({ jurisdiction: code, title: c.title });
    if (c.minFontPt !== null) out.minFontPt = Math.max(out.minFontPt ?? 0, c.minFontPt);
    for (const m of c.mustNot) out.mustNot.push({ id: m.id, jurisdiction: code, text: m.text });
    if (c.languages.length > 0) out.languages.push({ jurisdiction: code, languages: c.languages });
  }
  return out;
}

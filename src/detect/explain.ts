// `ripcord rules explain`: for one event, what each text field looks like after decoding
// (and which decoding steps were needed), and which rules match on which field and view.
// Threshold and first-seen rules are reported as "counts towards" when their condition holds.

import type { LogEvent } from '../core/events.ts';
import type { Severity } from '../core/finding.ts';
import { EventContext, fieldDefs, slotOf, viewList, type Slot } from './fields.ts';
import type { CompiledRules } from './compile.ts';

export interface FieldExplanation {
  field: string;
  raw: string;
  /** Views that differ from the raw text, with the steps that made them. */
  views: { view: string; value: string; steps: string[] }[];
}

export interface RuleMatch {
  rule: string;
  kind: string;
  category: string;
  severity: Severity;
  field: string;
  view: string;
  steps: string[];
  match: string;
  /** signature: fires on this event alone; threshold / first-seen: the event counts towards it. */
  effect: 'fires' | 'counts';
}

export interface Explanation {
  fields: FieldExplanation[];
  matches: RuleMatch[];
}

export function explainEvent(compiled: CompiledRules, event: LogEvent): Explanation {
  const ctx = new EventContext(compiled, true);
  ctx.reset(event);
  const fields: FieldExplanation[] = [];
  for (const [field, def] of Object.entries(fieldDefs[event.kind])) {
    if (!def.text) continue;
    const raw = def.get(event);
    if (typeof raw !== 'string' || raw === '') continue;
    const views: FieldExplanation['views'] = [];
    for (const view of viewList) {
      if (view === 'raw') continue;
      const slot = slotOf(event.kind, field, view) as Slot;
      const value = ctx.value(slot);
      const steps = ctx.steps?.get(slot.id) ?? [];
      // Lower-casing alone is not worth showing.
      if (typeof value === 'string' && value !== raw && steps.some((x) => x !== 'lower-case'))
        views.push({ view, value, steps });
    }
    fields.push({ field, raw, views });
  }
  const matches: RuleMatch[] = [];
  for (const r of compiled.rules) {
    if (r.on !== event.kind) continue;
    // First-seen rules look at successful logins only (the detector's own condition).
    if (
      r.kind === 'first-seen' &&
      !(event.kind === 'auth' && event.outcome === 'success' && event.action === 'login' && event.user !== null)
    )
      continue;
    const hit = r.test === null ? { field: '', view: 'raw' as const, match: '', text: false } : r.test(ctx);
    if (hit === null) continue;
    const slot = hit.field === '' ? undefined : slotOf(event.kind, hit.field, hit.view);
    matches.push({
      rule: r.id,
      kind: r.kind,
      category: r.spec.category,
      severity: r.spec.severity,
      field: hit.field,
      view: hit.view,
      steps: slot === undefined ? [] : (ctx.steps?.get(slot.id) ?? []),
      match: hit.match,
      effect: r.kind === 'signature' ? 'fires' : 'counts',
    });
  }
  return { fields, matches };
}

// The incident's checklist: the plan's four goals as steps (each with the command that does
// it), plus the steps this incident's facts call for — revert the files found changed, and one
// step per notification duty with its deadline. Steps are numbered for people and keyed for
// the store: the key (goal + a hash of the text) survives steps being added before it.

import { createHash } from 'node:crypto';
import type { Duty, Obligation } from '../obligations/index.ts';
import type { StepTick } from './model.ts';

export type GoalId = 'find' | 'fix' | 'minimise' | 'repair';

export interface PlanGoal {
  id: GoalId;
  title: string;
  steps: readonly { text: string; command?: string }[];
}

export interface ChecklistStep {
  n: number;
  key: string;
  goal: GoalId;
  /** Markdown (values escaped by whoever wrote the step). */
  text: string;
  command: string | null;
  /** ISO deadline of a notification step. */
  due: string | null;
  done: { time: number; by: string } | null;
}

export interface IncidentSignals {
  /** Site files changed since the known-good copy, and how many carry malicious code. */
  changedFiles: number;
  maliciousFiles: number;
  /** The obligations of the facts (or the provisional ones from the plan). */
  obligations: readonly Obligation[];
}

export function stepKey(goal: GoalId, text: string, command: string | null): string {
  return `${goal}:${createHash('sha256')
    .update(`${text}\u0000${command ?? ''}`)
    .digest('hex')
    .slice(0, 12)}`;
}

const dutyText: Record<Duty, string> = {
  notify_individuals: 'Notify the affected people',
  notify_regulator: 'Notify the regulator',
  notify_cras: 'Notify the consumer reporting agencies',
  notify_acquirer: 'Notify your acquirer (the bank that processes your card payments)',
  notify_card_brand: 'Notify the card brand',
  notify_law_enforcement: 'Notify law enforcement',
  notify_other: 'Notify',
  offer_credit_monitoring: 'Offer credit monitoring to the affected people',
};

/** The steps in goal order, numbered from 1, with the ticks applied. */
export function checklistFor(
  goals: readonly PlanGoal[],
  s: IncidentSignals,
  ticks: readonly StepTick[],
): ChecklistStep[] {
  const byKey = new Map(ticks.map((t) => [t.key, t]));
  const out: ChecklistStep[] = [];
  const add = (goal: GoalId, text: string, command: string | null, due: string | null = null) => {
    const key = stepKey(goal, text, command);
    if (out.some((x) => x.key === key)) return;
    const t = byKey.get(key);
    out.push({
      n: out.length + 1,
      key,
      goal,
      text,
      command,
      due,
      done: t === undefined ? null : { time: t.time, by: t.by },
    });
  };
  for (const g of goals) {
    if (g.id === 'repair' && s.changedFiles > 0)
      add(
        'repair',
        `Put back the ${s.changedFiles} site file(s) changed since the known-good copy${s.maliciousFiles > 0 ? ` (${s.maliciousFiles} with malicious code)` : ''}, after checking none is your own deploy:`,
        'ripcord integrity revert --all',
      );
    if (g.id === 'minimise')
      for (const o of s.obligations) {
        if (o.duty === 'offer_credit_monitoring' && o.dueBy === null) continue;
        const what = dutyText[o.duty];
        const whom = o.duty === 'notify_individuals' || o.duty === 'offer_credit_monitoring' ? '' : ` (${o.recipient})`;
        add(
          'minimise',
          `${what}${whom} — ${o.jurisdiction}, ${o.citation}${o.conditional ? ' (if it applies; see the notes)' : ''}`,
          null,
          o.dueBy,
        );
      }
    for (const st of g.steps) add(g.id, st.text, st.command ?? null);
  }
  return out;
}

// The incident record's public face: the model, the ports, the timeline merge, the checklist,
// evidence sealing and verification, and the report.

export type * from './model.ts';
export type * from './ports.ts';
export { severities } from './model.ts';
export { buildTimeline, recordEntries, type Timeline } from './timeline.ts';
export {
  checklistFor,
  stepKey,
  type ChecklistStep,
  type GoalId,
  type IncidentSignals,
  type PlanGoal,
} from './checklist.ts';
export {
  EXPORT_MANIFEST,
  FROZEN_MANIFEST,
  seal,
  sha256,
  verifyExport,
  verifySealed,
  type Verification,
} from './evidence.ts';
export { reportHtml, reportMarkdown, type ReportInput } from './report.ts';
export { causesFrom, provisionalFacts } from './causes.ts';
export { MemoryIncidentStore } from './memory.ts';

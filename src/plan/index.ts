// Public face of the plan: the shop's particulars (answers, the interview that asks for them),
// the configuration they make, the plan document, and `plan check`. Its one port (ports.ts) is
// the terminal prompter.

export type * from './ports.ts';
export {
  answersSchema,
  contactRoles,
  parseAnswers,
  platformDefaults,
  type Answers,
  type AnswersInput,
  type ContactRole,
} from './answers.ts';
export { cadenceFor, tierOf, type Cadence, type Tier } from './cadence.ts';
export { configDocument, configYaml } from './config-gen.ts';
export { checkPlan, type DrillRecord, type Lack } from './check.ts';
export { defaultAnswers, interview } from './interview.ts';
export { goalsFor, type Goal } from './procedures.ts';
export { lawsFor, placesOf, type LawSummary } from './laws.ts';
export type { NoticeInfo } from './notices.ts';
export { escapeMarkdown } from './markdown.ts';
export {
  renderPlan,
  type Lesson,
  type PatchItem,
  type PatchList,
  type PlanInputs,
  type PlanModel,
  type RenderedPlan,
  type PlanTemplates,
} from './document.ts';

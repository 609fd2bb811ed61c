// Public face of the detection subsystem: rules as data (YAML) -> compiled -> a running
// detector that turns events into findings; the rule test runner and explainer; the login
// history port behind the first-seen rules.
export type { Finding, Severity } from '../core/finding.ts';
export { severities } from '../core/finding.ts';
export type { RuleSpec, CaseSpec, View } from './spec.ts';
export type { CompiledRule, CompiledRules } from './compile.ts';
export type { RuleFile, RuleSet, LoadOptions } from './load.ts';
export { loadRules, shippedRulesDir } from './load.ts';
export type { Detector, DetectorOptions } from './detector.ts';
export { createDetector, evidenceOf } from './detector.ts';
export { gateFingerprint, verdictStride } from './gate-verdicts.ts';
export type { Login, LoginHistory } from './ports.ts';
export { MemoryLoginHistory } from './history.ts';
export type { CaseResult, LineParser } from './testing.ts';
export { runRuleTests, runCase, splitRequest } from './testing.ts';
export type { Explanation, FieldExplanation, RuleMatch } from './explain.ts';
export { explainEvent } from './explain.ts';
export { decode, sqlView, compactView } from './normalise.ts';
export { ruleSetFor, listRules, explainLine, type RuleInfo, type RuleSetOptions } from './ruleset.ts';

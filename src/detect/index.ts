// Public face of the detection subsystem.
export type { Finding, Severity } from './finding.ts';
export { severities } from './finding.ts';

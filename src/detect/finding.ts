// Findings are detection's product; their type lives in core (core/finding.ts) so the traffic
// record can store them without importing detect.
export type { Finding, Severity } from '../core/finding.ts';
export { severities } from '../core/finding.ts';

// Public face of file integrity: baseline, check, diff, accept, revert, watch and the
// malicious-code scanner. The app wires these to the repository, the state dir and the CLI.

export * from './ports.ts';
export * from '../core/presets.ts';
export * from './filter.ts';
export * from './walk.ts';
export * from './hash.ts';
export * from './state.ts';
export * from './statcache.ts';
export * from './baseline.ts';
export * from './table.ts';
export * from './check.ts';
export * from './diff.ts';
export * from './revert.ts';
export * from './scan/languages.ts';
export * from './scan/rules.ts';
export * from './scan/scanner.ts';
export * from './scan/yara-output.ts';
export * from './scandb.ts';
export * from './watch.ts';
export * from './context.ts';
export * from './operations.ts';
export * from './scanning.ts';
export * from './site-watch.ts';

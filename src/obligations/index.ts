// The obligations subsystem's public face: the schema of the data set, facts parsing, the
// pure engine, content-requirement merging, and loading the shipped data set.

export * from './schema.ts';
export * from './facts.ts';
export * from './deadline.ts';
export * from './engine.ts';
export * from './requirements.ts';
export * from './load.ts';
export * from './coverage.ts';

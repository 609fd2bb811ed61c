// Config commands: checking a file (all problems at once) and the annotated sample.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config.ts';

export function checkConfigFile(file: string | undefined): {
  file: string | null;
  ok: true;
  sources: number;
  store: string;
  stateDir: string;
} {
  const l = loadConfig({ file });
  return {
    file: l.file,
    ok: true,
    sources: l.config.sources.length,
    store: l.config.store.startsWith('postgres') ? 'postgres' : l.config.store,
    stateDir: l.config.stateDir,
  };
}

export const samplePath = join(import.meta.dirname, '..', '..', 'templates', 'ripcord.sample.yml');

export function sampleConfig(): string {
  return readFileSync(samplePath, 'utf8');
}

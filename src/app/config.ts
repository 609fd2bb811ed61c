// Reads `ripcord.yml`: YAML syntax errors with line and column, then the pure schema check
// (core/config), then the checks that need the file system (a source path that does not
// exist). Every problem is reported at once; a broken config is refused before anything runs.
// Also `ripcord config check` and the annotated sample (`ripcord config sample`).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../core/errors.ts';
import { checkConfigWith, configError, configSchemaOf, type Config, type ConfigProblem } from '../core/config/index.ts';
import { parseLocation } from '../adapters/blob/index.ts';
import { channels } from '../adapters/channels/index.ts';
import { sources } from '../adapters/sources/index.ts';
import { jobKinds } from '../adapters/dump/index.ts';

/** The whole configuration schema: core's sections with the schemas of the registered components. */
export const configSchema = configSchemaOf({
  source: sources.schema,
  channel: channels.schema,
  location: parseLocation,
  job: jobKinds.schema,
});

/** Pure check of a parsed document: every problem, with its path. */
export function checkConfig(
  doc: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  return checkConfigWith(configSchema, doc, env);
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the built-in defaults. */
  file: string | null;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
}

// Loaded when a file is read: the parser is 72 modules, a tenth of a command's start-up, and
// the zero-config use (no ripcord.yml) never needs it.
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/** Parses YAML text into a plain tree, or problems with line:column. */
export function parseYaml(text: string): { ok: true; doc: unknown } | { ok: false; problems: ConfigProblem[] } {
  const doc = yaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  return { ok: true, doc: doc.toJS({ maxAliasCount: 100 }) };
}

/** Checks that need the file system (each component's own), after the pure schema checks. */
export function checkPaths(config: Config, baseDir: string): ConfigProblem[] {
  return config.sources.flatMap((s, i) =>
    sources.check(s, baseDir).map((p) => ({ path: `sources[${i}].${p.field}`, message: p.message })),
  );
}

export function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export interface LoadOptions {
  /** `--config`; when absent, ./ripcord.yml is used if it exists, else defaults. */
  file?: string | undefined;
  /** `--state-dir` override. */
  stateDir?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  let file: string | null = null;
  if (opts.file !== undefined) file = resolve(cwd, opts.file);
  else if (existsSync(resolve(cwd, 'ripcord.yml'))) file = resolve(cwd, 'ripcord.yml');

  let config: Config;
  let baseDir = cwd;
  if (file === null) {
    config = configSchema.parse({});
  } else {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new AppError('not_found', `cannot read the configuration: ${e instanceof Error ? e.message : String(e)}`, {
        where: file,
      });
    }
    baseDir = dirname(file);
    const y = parseYaml(text);
    if (!y.ok) throw configError(file, y.problems);
    const checked = checkConfig(y.doc, env);
    if (!checked.ok) throw configError(file, checked.problems);
    config = checked.config;
    const pathProblems = checkPaths(config, baseDir);
    if (pathProblems.length > 0) throw configError(file, pathProblems);
  }
  if (opts.stateDir !== undefined) config = { ...config, stateDir: opts.stateDir };
  config = { ...config, stateDir: resolvePath(file === null ? cwd : baseDir, config.stateDir) };
  return { config, file, baseDir };
}

// ---- `ripcord config …` ----------------------------------------------------------------

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

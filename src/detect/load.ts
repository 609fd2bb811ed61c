// Finding, reading and checking rule files: the shipped ones in rules/ and the user's own
// (config `detect.ruleFiles`, files or folders), minus the ids in `detect.disable`. Every
// problem in every file is collected and reported together, naming the file and the rule.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { caseSchema, ruleFileSchema, ruleSchema, testFileSchema, type CaseSpec, type RuleSpec } from './spec.ts';
import { compileRules, type CompiledRules } from './compile.ts';

export interface RuleFile {
  path: string;
  /** File name without extension: `sqli` for rules/sqli.yml. */
  name: string;
  shipped: boolean;
  rules: RuleSpec[];
  /** Its test cases: inline `tests:` plus tests/<name>.yml beside it. */
  tests: { file: string; spec: CaseSpec }[];
}

export interface RuleSet {
  files: RuleFile[];
  compiled: CompiledRules;
  /** Ids switched off by `detect.disable`. */
  disabled: string[];
}

/** The rules/ folder of this installation. */
export function shippedRulesDir(): string {
  return resolve(import.meta.dirname, '..', '..', 'rules');
}

const isYaml = (p: string): boolean => ['.yml', '.yaml'].includes(extname(p));

/** The rule files of a file or folder path (folders: their *.yml, not sub-folders). */
function ruleFilesIn(path: string): string[] {
  if (!existsSync(path)) throw new AppError('not_found', 'rule file or folder not found', { where: path });
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter(isYaml)
      .sort()
      .map((n) => join(path, n))
      .filter((p) => statSync(p).isFile());
  }
  return [path];
}

function issues(where: string, error: z.ZodError): string[] {
  return error.issues.map(
    (i) => `${where}${i.path.length > 0 ? `: ${i.path.map(String).join('.')}` : ''}: ${i.message}`,
  );
}

function parseYamlFile(path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    problems.push(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      problems.push(`${path}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0] ?? e.message}`);
    }
    return undefined;
  }
  return doc.toJS({ maxAliasCount: 100 }) ?? {};
}

function parseCases(list: readonly unknown[], file: string, problems: string[]): { file: string; spec: CaseSpec }[] {
  const out: { file: string; spec: CaseSpec }[] = [];
  list.forEach((c, i) => {
    const name =
      typeof c === 'object' && c !== null && 'name' in c && typeof c.name === 'string' ? c.name : `#${i + 1}`;
    const r = caseSchema.safeParse(c);
    if (!r.success) problems.push(...issues(`${file}: test ${name}`, r.error));
    else out.push({ file, spec: r.data });
  });
  return out;
}

/** Reads and checks one rule file (and its tests/ companion); problems are appended. */
function readRuleFile(path: string, shipped: boolean, problems: string[]): RuleFile | null {
  const doc = parseYamlFile(path, problems);
  if (doc === undefined) return null;
  const top = ruleFileSchema.safeParse(doc);
  if (!top.success) {
    problems.push(...issues(path, top.error));
    return null;
  }
  const rules: RuleSpec[] = [];
  top.data.rules.forEach((r, i) => {
    const id = typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'string' ? r.id : `#${i + 1}`;
    const parsed = ruleSchema.safeParse(r);
    if (!parsed.success) problems.push(...issues(`${path}: rule ${id}`, parsed.error));
    else rules.push(parsed.data);
  });
  const name = basename(path, extname(path));
  const tests = parseCases(top.data.tests, path, problems);
  for (const ext of ['.yml', '.yaml']) {
    const testPath = join(dirname(path), 'tests', `${name}${ext}`);
    if (!existsSync(testPath)) continue;
    const tdoc = parseYamlFile(testPath, problems);
    if (tdoc === undefined) continue;
    const t = testFileSchema.safeParse(tdoc);
    if (!t.success) problems.push(...issues(testPath, t.error));
    else tests.push(...parseCases(t.data.tests, testPath, problems));
  }
  return { path, name, shipped, rules, tests };
}

export interface LoadOptions {
  /** Include the shipped rules (default true). */
  shipped?: boolean;
  /** The user's rule files or folders (absolute, or relative to the working folder). */
  ruleFiles?: readonly string[];
  /** Rule ids to switch off. */
  disable?: readonly string[];
}

/** Loads, checks and compiles the rule set; throws one AppError listing every problem. */
export function loadRules(opts: LoadOptions = {}): RuleSet {
  const problems: string[] = [];
  const paths: { path: string; shipped: boolean }[] = [];
  if (opts.shipped !== false) for (const p of ruleFilesIn(shippedRulesDir())) paths.push({ path: p, shipped: true });
  for (const f of opts.ruleFiles ?? [])
    for (const p of ruleFilesIn(resolve(f))) paths.push({ path: p, shipped: false });

  const files: RuleFile[] = [];
  for (const { path, shipped } of paths) {
    const f = readRuleFile(path, shipped, problems);
    if (f !== null) files.push(f);
  }
  const where = new Map<string, string>();
  for (const f of files) {
    for (const r of f.rules) {
      const other = where.get(r.id);
      if (other !== undefined) problems.push(`${f.path}: rule ${r.id}: the id is already used in ${other}`);
      else where.set(r.id, f.path);
    }
  }
  const disable = new Set(opts.disable ?? []);
  for (const id of disable) if (!where.has(id)) problems.push(`detect.disable: no rule has the id "${id}"`);

  const specs = files.flatMap((f) => f.rules.filter((r) => !disable.has(r.id)).map((spec) => ({ spec, file: f.path })));
  const { compiled, problems: compileProblems } = compileRules(specs);
  problems.push(...compileProblems);
  if (problems.length > 0) {
    throw new AppError(
      'config_invalid',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the detection rules`,
      {
        details: problems,
      },
    );
  }
  return { files, compiled, disabled: [...disable] };
}

// Malicious-code rules as data: the YAML schema of rules/code/*.yml, loading (every problem
// with its file and rule), and compiling to regular expressions. Rules are ours, not the
// attacker's; the content they run on is the attacker's, so patterns stay bounded (no nested
// unbounded repetition) and run on at most `maxBytes` of a file.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { languages, type Language } from './languages.ts';

export const codeCategories = ['skimmer', 'backdoor', 'webshell', 'obfuscation', 'upload', 'injection'] as const;
export type CodeCategory = (typeof codeCategories)[number];
export type CodeSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

const sampleSchema = z.union([
  z.string(),
  z.strictObject({
    path: z.string().describe('File name the sample is scanned as (decides its language and path rules).'),
    content: z.string().default(''),
  }),
]);

export const codeRuleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -')
      .describe('Unique rule id.'),
    category: z.enum(codeCategories).describe('What kind of threat this is.'),
    severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).describe('How bad a hit is.'),
    description: z.string().min(1).describe('One line for people: what a hit means.'),
    languages: z
      .array(z.enum(languages as [Language, ...Language[]]))
      .min(1)
      .describe('Content kinds the rule reads.'),
    pattern: z.string().optional().describe('Regular expression (JavaScript syntax) that must match.'),
    all: z
      .array(z.string())
      .optional()
      .describe('Regular expressions that must all match somewhere in the content; the first one locates the hit.'),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only i, m, s, u')
      .default('')
      .describe('Regular expression flags.'),
    unless: z.string().optional().describe('A regular expression that, when it matches the content, clears the file.'),
    packing: z
      .boolean()
      .default(false)
      .describe(
        'The hit is a packing shape (eval of decoded text): dropped on a line whose eval the PHP analyser unpacked and read to the end, where what the code does decides.',
      ),
    paths: z
      .array(z.string())
      .optional()
      .describe(
        'Globs on the path relative to the site root; the rule reads only files there. Alone (no pattern), any such file is a hit.',
      ),
    tests: z
      .strictObject({
        match: z.array(sampleSchema).min(1).describe('Samples the rule must report.'),
        nomatch: z.array(sampleSchema).min(1).describe('Samples it must not report.'),
      })
      .describe('Test cases, run by the rules test and `ripcord integrity rules-test`.'),
  })
  .refine(
    (r) =>
      r.pattern !== undefined ||
      (r.all !== undefined && r.all.length > 0) ||
      (r.paths !== undefined && r.paths.length > 0),
    {
      message: 'a rule needs a pattern, all or paths',
    },
  );

export const ruleFileSchema = z.strictObject({ rules: z.array(codeRuleSchema).min(1) });

export type CodeRuleSpec = z.infer<typeof codeRuleSchema>;
export type RuleSample = z.infer<typeof sampleSchema>;

export interface CodeRule {
  id: string;
  category: CodeCategory;
  severity: CodeSeverity;
  description: string;
  languages: ReadonlySet<Language>;
  /** All must match; the first locates the hit. Empty for a path-only rule. */
  patterns: readonly RegExp[];
  unless: RegExp | null;
  /** A packing shape: yields to the analyser's reading of the code it unpacks (`packing` in the spec). */
  packing: boolean;
  pathMatch: ((rel: string) => boolean) | null;
  spec: CodeRuleSpec;
  file: string;
}

/** The folder of shipped rules, found from this module so it works from any working directory. */
export const shippedRulesDir = resolve(import.meta.dirname, '../../../rules/code');

function compileRegex(source: string, flags: string, where: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new AppError('parse', `bad regular expression: ${e instanceof Error ? e.message : String(e)}`, { where });
  }
}

export function compileRule(spec: CodeRuleSpec, file: string): CodeRule {
  const where = `${file}: ${spec.id}`;
  const sources = spec.all ?? (spec.pattern !== undefined ? [spec.pattern] : []);
  if (spec.pattern !== undefined && spec.all !== undefined)
    throw new AppError('parse', 'use either pattern or all, not both', { where });
  const globs = spec.paths;
  return {
    id: spec.id,
    category: spec.category,
    severity: spec.severity,
    description: spec.description,
    languages: new Set(spec.languages),
    patterns: sources.map((s) => compileRegex(s, spec.flags, where)),
    unless: spec.unless === undefined ? null : compileRegex(spec.unless, spec.flags, where),
    packing: spec.packing,
    pathMatch: globs === undefined ? null : picomatch(globs, { dot: true, nocase: true }),
    spec,
    file,
  };
}

function ruleFilesIn(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) throw new AppError('not_found', 'no such rule file or folder', { where: path });
  if (st.isFile()) return [path];
  return readdirSync(path)
    .filter((n) => n.endsWith('.yml') || n.endsWith('.yaml'))
    .sort()
    .map((n) => join(path, n));
}

/** Parses one rule file; every problem is reported with its path. */
export function parseRuleFile(text: string, file: string): CodeRule[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AppError('parse', `not valid YAML: ${e instanceof Error ? e.message : String(e)}`, { where: file });
  }
  const parsed = ruleFileSchema.safeParse(doc);
  if (!parsed.success) {
    throw new AppError('parse', 'invalid rule file', {
      where: file,
      details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return parsed.data.rules.map((r) => compileRule(r, file));
}

export interface LoadRulesOptions {
  /** Extra files or folders on top of the shipped ones. */
  extra?: readonly string[];
  /** Rule ids switched off. */
  disable?: readonly string[];
  /** Folder of shipped rules (tests point elsewhere). */
  shippedDir?: string;
}

export function loadCodeRules(opts: LoadRulesOptions = {}): CodeRule[] {
  const files = [...ruleFilesIn(opts.shippedDir ?? shippedRulesDir), ...(opts.extra ?? []).flatMap(ruleFilesIn)];
  const out: CodeRule[] = [];
  const seen = new Map<string, string>();
  const disabled = new Set(opts.disable ?? []);
  for (const f of files) {
    for (const r of parseRuleFile(readFileSync(f, 'utf8'), f)) {
      const before = seen.get(r.id);
      if (before !== undefined)
        throw new AppError('parse', `duplicate rule id ${r.id} (also in ${before})`, { where: f });
      seen.set(r.id, f);
      if (!disabled.has(r.id)) out.push(r);
    }
  }
  return out;
}

/**
 * A test sample as scanned: `{{repeat N TEXT}}` in content stands for TEXT repeated N times
 * (N at most 100000), so rules about long blobs keep short samples.
 */
export function expandSample(sample: RuleSample, rule: CodeRuleSpec): { path: string; content: string } {
  const defaultPath = rule.languages.includes('php')
    ? 'sample.php'
    : rule.languages.includes('js')
      ? 'sample.js'
      : rule.languages.includes('html')
        ? 'sample.html'
        : 'sample.png';
  const s = typeof sample === 'string' ? { path: defaultPath, content: sample } : sample;
  const content = s.content.replace(/\{\{repeat (\d{1,6}) ([^}]*)\}\}/g, (_m, n: string, text: string) =>
    text.repeat(Math.min(Number(n), 100_000)),
  );
  return { path: s.path, content };
}

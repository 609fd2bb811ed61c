// Reads the data set: every data/obligations/<CODE>.yml, parsed and checked against the schema,
// with each problem named by file and field path. A file's name must be its code.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { AppError } from '../core/errors.ts';
import { issuePath } from './facts.ts';
import { jurisdictionSchema, type Jurisdiction } from './schema.ts';

/** The data set shipped with Ripcord. */
export const defaultDataDir = resolve(import.meta.dirname, '../../data/obligations');

/** Parses YAML text to a plain tree; syntax errors become problems with line:column. */
export function parseYamlText(text: string, where: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map(
      (e) =>
        `${e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)'}: ${e.message.split('\n')[0] ?? e.message}`,
    );
    throw new AppError('parse', 'not valid YAML', { where, details });
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Checks one jurisdiction document; the list of problems is empty when it is valid. */
export function checkJurisdiction(doc: unknown): { ok: true; value: Jurisdiction } | { ok: false; problems: string[] } {
  const r = jurisdictionSchema.safeParse(doc);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`) };
}

export function loadJurisdictionFile(file: string): Jurisdiction {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('not_found', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { where: file });
  }
  const checked = checkJurisdiction(parseYamlText(text, file));
  if (!checked.ok)
    throw new AppError('corrupt', 'jurisdiction file does not match the schema', {
      where: file,
      details: checked.problems,
    });
  const expected = basename(file).replace(/\.ya?ml$/, '');
  if (checked.value.code !== expected)
    throw new AppError('corrupt', `file name says ${expected} but code is ${checked.value.code}`, { where: file });
  return checked.value;
}

export function listDataFiles(dir: string = defaultDataDir): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new AppError(
      'not_found',
      `cannot read the obligations data set: ${e instanceof Error ? e.message : String(e)}`,
      { where: dir },
    );
  }
  return names
    .filter((n) => /^[A-Z][A-Z-]*\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Loads every jurisdiction; all broken files are reported together. */
export function loadRules(dir: string = defaultDataDir): Map<string, Jurisdiction> {
  const rules = new Map<string, Jurisdiction>();
  const problems: string[] = [];
  for (const f of listDataFiles(dir)) {
    try {
      const j = loadJurisdictionFile(f);
      rules.set(j.code, j);
    } catch (e) {
      if (e instanceof AppError)
        problems.push(`${e.describe()}${e.details.length > 0 ? `: ${e.details.join('; ')}` : ''}`);
      else throw e;
    }
  }
  if (problems.length > 0)
    throw new AppError('corrupt', 'the obligations data set has invalid files', { where: dir, details: problems });
  return rules;
}

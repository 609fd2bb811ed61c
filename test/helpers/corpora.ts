// Reads the shared real-log corpora (../shared/corpora from the repository root; see its README
// for sources and licences). They are not copied into the repository, so a user's fresh clone
// has none: a test that needs one is skipped with a message naming the missing folder, except
// under CI=true, where it runs and fails on the missing file.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const corporaDir = resolve(import.meta.dirname, '../../../shared/corpora');

/** Test options for a test that reads `folder` of the corpora: skipped when it is missing (not under CI). */
export function corpusOptions(folder: string): { skip?: string } {
  if (existsSync(join(corporaDir, folder)) || process.env['CI'] === 'true') return {};
  return {
    skip: `${join(corporaDir, folder)} is missing (the shared corpora live beside the repository in ../shared/corpora)`,
  };
}

export function readCorpus(rel: string): string {
  const p = join(corporaDir, rel);
  if (!existsSync(p)) {
    throw new Error(
      `corpus file ${p} is missing: the parser tests read the shared corpora from ../shared/corpora (relative to the repository root)`,
    );
  }
  return readFileSync(p, 'utf8');
}

interface FailLabel {
  match: boolean;
  host?: string;
  time?: string;
  user?: string;
  desc?: string;
  constraint?: string;
}

export interface Labelled {
  /** 1-based line number in the corpus file. */
  lineNo: number;
  line: string;
  label: FailLabel;
}

/**
 * fail2ban test logs: a `# failJSON: {...}` comment labels the next log line (is it a
 * failure, from which host, at what time). Source: fail2ban/tests/files/logs (GPL-2.0).
 */
export function failJsonLines(rel: string): Labelled[] {
  const out: Labelled[] = [];
  let pending: FailLabel | null = null;
  const lines = readCorpus(rel).split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('# failJSON:')) {
      pending = JSON.parse(line.slice(11)) as FailLabel;
      return;
    }
    if (line.startsWith('#') || line.trim() === '') return;
    if (pending !== null) out.push({ lineNo: i + 1, line, label: pending });
    pending = null;
  });
  return out;
}

/** Rows of a Loghub `*_structured.csv` (RFC 4180 quoting), keyed by the header's names. */
export function csvRows(rel: string): Record<string, string>[] {
  const text = readCorpus(rel);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...data] = rows;
  if (header === undefined) return [];
  return data
    .filter((r) => r.length === header.length)
    .map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

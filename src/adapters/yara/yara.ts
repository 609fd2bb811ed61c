// Runs Debian's `yara` over the scanned folders with the owner's rule files
// (`integrity.scan.yara.rules`), so community signature sets plug in without code. Spawned with
// an argument array; its output names files chosen by an attacker, so a line counts only when
// its path is one of the files the scan walked (a name holding a newline cannot forge a match
// for another file), and such names are scanned one at a time through a symlink with a plain
// name.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import { type CodeFinding, parseYaraLine, yaraFinding } from '../../integrity/index.ts';

export interface YaraOptions {
  /** Absolute paths of rule files (source, not compiled). */
  rules: readonly string[];
  /** The `yara` command (a name on PATH or a path). */
  binary: string;
  /** Per run: yara gives up on a file after this long (`--timeout`). */
  timeoutSeconds: number;
}

/** Runs yara once; its standard output, or an error naming the rules when it fails. */
function runYara(o: YaraOptions, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.binary, ['--no-warnings', '--print-meta', `--timeout=${o.timeoutSeconds}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new AppError(
          'config_invalid',
          e.code === 'ENOENT'
            ? `the YARA command ${o.binary} is not installed (Debian: apt-get install yara)`
            : `cannot run ${o.binary}: ${e.message}`,
          { where: 'integrity.scan.yara.binary' },
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
        return;
      }
      const why = Buffer.concat(err).toString('utf8').trim().split('\n').slice(0, 5);
      reject(
        new AppError('config_invalid', `yara failed (exit ${code}): ${why[0] ?? 'no message'}`, {
          where: o.rules.join(', '),
          details: why.slice(1),
        }),
      );
    });
  });
}

/**
 * Matches the rule files against `targets` (folders, scanned recursively without following
 * symlinks, or files). Only files in `walked` (absolute paths) are reported.
 */
export async function yaraScan(
  o: YaraOptions,
  targets: readonly string[],
  walked: ReadonlySet<string>,
): Promise<CodeFinding[]> {
  if (o.rules.length === 0) return [];
  for (const r of o.rules)
    if (!existsSync(r))
      throw new AppError('config_invalid', 'no such YARA rule file', { where: `integrity.scan.yara.rules: ${r}` });
  const found = new Map<string, CodeFinding>();
  /** Keeps the matches in yara's output whose path `reportAs` names a file for (the file it reports). */
  const collect = (text: string, reportAs: (printed: string) => string | null): void => {
    for (const line of text.split('\n')) {
      const m = parseYaraLine(line);
      const path = m === null ? null : reportAs(m.path);
      if (m === null || path === null) continue;
      const f = yaraFinding(m, path);
      found.set(`${f.rule}\u0000${path}`, f);
    }
  };
  for (const t of targets)
    collect(await runYara(o, ['--recursive', '--no-follow-symlinks', ...o.rules, t]), (p) =>
      walked.has(p) ? p : null,
    );
  // Names with a line break cannot be read back from the output: each is scanned alone,
  // through a symlink with a plain name, and every match is its own.
  const odd = [...walked].filter((p) => p.includes('\n') || p.includes('\r'));
  if (odd.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-yara-'));
    try {
      for (const [i, p] of odd.entries()) {
        const link = join(dir, `f${i}`);
        symlinkSync(p, link);
        collect(await runYara(o, [...o.rules, link]), (printed) => (printed === link ? p : null));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [...found.values()];
}

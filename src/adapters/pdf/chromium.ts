// HTML -> PDF through Debian's headless Chromium (`--print-to-pdf`), for the incident report.
// The page is written to a private temporary file and printed (the page carries a Content-Security-Policy that allows no script and no fetch); Chromium
// is spawned with an argument array (no shell) and a time limit. Without Chromium installed the
// caller gets AppError 'unavailable' naming the package to install.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../../core/errors.ts';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function chromiumPath(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const own = env.RIPCORD_CHROMIUM;
  if (own !== undefined && own !== '') return existsSync(own) ? own : null;
  return candidates.find((c) => existsSync(c)) ?? null;
}

export async function htmlToPdf(
  html: string,
  out: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const chromium = chromiumPath(env);
  if (chromium === null)
    throw new AppError(
      'unavailable',
      "a PDF needs Chromium: install Debian's chromium package (or write --format html and print it)",
      {
        transient: false,
      },
    );
  const dir = await mkdtemp(join(tmpdir(), 'ripcord-pdf-'));
  try {
    const page = join(dir, 'report.html');
    await writeFile(page, html, { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--no-pdf-header-footer',
          `--user-data-dir=${join(dir, 'profile')}`,
          `--print-to-pdf=${out}`,
          pathToFileURL(page).href,
        ],
        { timeout: 60_000, env: { ...process.env, HOME: dir } },
        (err) => (err === null ? resolve() : reject(err)),
      );
    });
    if (!existsSync(out) || (await stat(out)).size === 0) throw new Error('Chromium wrote no PDF');
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('io', `Chromium could not print the report: ${e instanceof Error ? e.message : String(e)}`, {
      where: out,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

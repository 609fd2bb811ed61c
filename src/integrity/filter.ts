// Decides which paths under a site root the baseline covers: common and preset excludes,
// the user's include/exclude globs (picomatch, relative to the root), and upload folders
// where only files a web server could execute (or that configure it) are covered.

import picomatch from 'picomatch';
import { commonExclude, type Preset } from '../core/presets.ts';
import { executableExtensions, extensionOf } from './scan/languages.ts';

export interface FilterSpec {
  preset: Preset | null;
  include?: readonly string[];
  exclude?: readonly string[];
}

/** `(relPath, isDir) => true` to leave a path out; the shape the snapshot repository takes. */
export type ExcludeFn = (rel: string, isDir: boolean) => boolean;

const serverConfigNames = new Set(['.htaccess', '.user.ini', 'php.ini', 'web.config']);

/** True for a file that matters even inside an upload folder. */
export function isExecutableName(rel: string): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1).toLowerCase();
  if (serverConfigNames.has(base)) return true;
  // Double extensions (`shell.php.jpg`) run as PHP on some misconfigured servers.
  const parts = base.split('.').slice(1);
  return parts.some((p) => executableExtensions.includes(p)) || executableExtensions.includes(extensionOf(base));
}

/** One regular expression for a list of globs: a single test per path instead of one per glob. */
function matcher(globs: readonly string[]): ((p: string) => boolean) | null {
  if (globs.length === 0) return null;
  const re = new RegExp(globs.map((g) => `(?:${picomatch.makeRe(g, { dot: true }).source})`).join('|'));
  return (p) => re.test(p);
}

/**
 * A string naming what `createFilter(spec)` leaves out under `roots`: equal keys, equal
 * filters. It holds the data the filter is made of (globs, executable extensions), so a new
 * version that changes a preset changes the key too.
 */
export function filterKey(roots: readonly string[], spec: FilterSpec): string {
  return JSON.stringify({
    v: 1,
    roots,
    common: commonExclude,
    preset: spec.preset,
    include: spec.include ?? [],
    exclude: spec.exclude ?? [],
    executable: executableExtensions,
    config: [...serverConfigNames],
  });
}

export function createFilter(spec: FilterSpec): ExcludeFn {
  const excluded =
    matcher([...commonExclude, ...(spec.preset?.exclude ?? []), ...(spec.exclude ?? [])]) ?? (() => false);
  const uploads = matcher(spec.preset?.uploads ?? []);
  const include = matcher(spec.include ?? []);
  return (rel, isDir) => {
    if (rel === '') return false;
    if (excluded(rel)) return true;
    if (isDir) return false;
    if (uploads?.(rel) && !isExecutableName(rel)) return true;
    if (include !== null && !include(rel)) return true;
    return false;
  };
}

// Backup job of file trees (the shop's code, media, configuration): the repository walks and
// stores them; the platform preset's caches, sessions and logs (core/presets.ts) and the
// job's own globs are left out. Unlike the integrity baseline, upload folders are kept whole.

import picomatch from 'picomatch';
import { resolve } from 'node:path';
import { z } from 'zod';
import { jobCommonFields } from '../../core/config/backup.ts';
import { integrityPresetSchema } from '../../core/config/integrity.ts';
import { AppError } from '../../core/errors.ts';
import type { JobSource } from '../../backup/ports.ts';
import { commonExclude, resolvePreset } from '../../core/presets.ts';
import type { JobContext } from './context.ts';

export const type = 'files';

export const schema = z.strictObject({
  type: z.literal('files').describe('Folders of files, e.g. the shop tree.'),
  ...jobCommonFields,
  paths: z
    .array(z.string())
    .default([])
    .describe('Folders to back up (relative to the config file); empty means site.root.'),
  preset: integrityPresetSchema
    .default('auto')
    .describe('Platform preset whose caches, sessions and logs are left out; `auto` follows site.platform.'),
  exclude: z
    .array(z.string())
    .default([])
    .describe('Further globs (relative to each folder) left out, e.g. `var/import/**`.'),
});

export type FilesJobSpec = z.infer<typeof schema>;

export function create(spec: FilesJobSpec, ctx: JobContext): JobSource {
  const paths = spec.paths.length > 0 ? spec.paths : ctx.siteRoot !== undefined ? [ctx.siteRoot] : [];
  if (paths.length === 0)
    throw new AppError('config_invalid', `backup job ${spec.name} names no paths and site.root is not set`, {
      where: `backup.jobs.${spec.name}.paths`,
    });
  const preset = resolvePreset(spec.preset, ctx.sitePlatform);
  const globs = [...commonExclude, ...(preset?.exclude ?? []), ...spec.exclude];
  const re = new RegExp(globs.map((g) => `(?:${picomatch.makeRe(g, { dot: true }).source})`).join('|'));
  return {
    kind: 'files',
    roots: paths.map((p) => resolve(ctx.baseDir, p)),
    exclude: (rel, isDir) => rel !== '' && (re.test(rel) || (isDir && re.test(`${rel}/`))),
  };
}

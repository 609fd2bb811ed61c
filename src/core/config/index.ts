// The whole configuration (`ripcord.yml`): schema, `${ENV}` expansion, and checking that
// reports every problem at once with its path. Each section's schema lives in its own module
// beside this one; the schemas of components (traffic sources, alert channels) come from their
// own modules and are passed in (`configSchemaOf`), as core imports nothing from adapters. The
// app composes the full schema (app/config.ts).

import { z } from 'zod';
import { AppError } from '../errors.ts';
import { logsSchema, type SourceSpec } from './sources.ts';
import { storeSchema } from './store.ts';
import { detectSchema } from './detect.ts';
import { alertsSchemaOf, type ChannelSpec } from './alerts.ts';
import { repositorySchemaOf } from './repository.ts';
import type { LocationParser } from './backends.ts';
import { integritySchema } from './integrity.ts';
import { backupSchemaOf, type JobSpecBase } from './backup.ts';
import { vulnsSchema } from './vulns.ts';
import { noticesSchema } from './notices.ts';
import { httpSchema } from './http.ts';
import { hostsSchema } from './hosts.ts';

export * from './sources.ts';

const siteSchema = z
  .strictObject({
    name: z.string().default('shop').describe('Name of the shop, used in messages and reports.'),
    platform: z
      .enum(['magento1', 'magento2', 'woocommerce', 'wordpress', 'prestashop', 'opencart', 'custom'])
      .default('custom')
      .describe('Shop software; chooses presets (which folders are caches, where admin logins are logged).'),
    root: z.string().optional().describe("The shop's document root."),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        "The shop's public address (https://shop.example): the software inventory reads the web server and PHP versions from its response headers.",
      ),
  })
  .prefault({});

/** The schemas of the components the configuration names by `type`. */
export interface ComponentSchemas {
  source: z.ZodType<SourceSpec>;
  channel: z.ZodType<ChannelSpec>;
  /** Reads a repository location (`/srv/repo`, `sftp://…`, `rclone:…`) into a backend spec. */
  location: LocationParser;
  /** Backup jobs (files, postgres, mysql, sqlite); none when not given. */
  job?: z.ZodType<JobSpecBase>;
}

export const configSchemaOf = (c: ComponentSchemas) =>
  z.strictObject({
    version: z.literal(1).default(1).describe('Config format version.'),
    stateDir: z
      .string()
      .default('./.ripcord')
      .describe('Folder for the embedded store, checkpoints and the repository.'),
    store: storeSchema,
    site: siteSchema,
    sources: z.array(c.source).default([]).describe('Where traffic comes from.'),
    logs: logsSchema,
    detect: detectSchema,
    alerts: alertsSchemaOf(c.channel),
    repository: repositorySchemaOf(c.location),
    integrity: integritySchema,
    backup: backupSchemaOf(c.job ?? z.never()),
    vulns: vulnsSchema,
    notices: noticesSchema,
    http: httpSchema,
    hosts: hostsSchema,
  });

export type ConfigSchema = ReturnType<typeof configSchemaOf>;
export type Config = z.infer<ConfigSchema>;

/** One problem found in a config, with the path of the field (`sources[2].path`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top)' : out;
}

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) in string values with environment variables.
 * Done on the parsed tree, not the text, so a value can never inject YAML structure.
 * A variable that is not set is a problem, reported with its path.
 */
export function expandEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_m, name: string, dflt: string | undefined) => {
        const v = env[name];
        if (v !== undefined) return v;
        if (dflt !== undefined) return dflt;
        problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}

/** Pure check of a parsed document against the composed schema: every schema problem, with paths. */
export function checkConfigWith(
  schema: ConfigSchema,
  doc: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const expanded = expandEnv(doc ?? {}, env, problems);
  const parsed = schema.safeParse(expanded);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: formatPath(issue.path), message: issue.message });
  }
  if (parsed.success) {
    const ids = new Set<string>();
    parsed.data.sources.forEach((s, i) => {
      if (s.id !== undefined) {
        if (ids.has(s.id)) problems.push({ path: `sources[${i}].id`, message: `duplicate source id ${s.id}` });
        ids.add(s.id);
      }
    });
    const jobs = new Set<string>();
    parsed.data.backup.jobs.forEach((j, i) => {
      if (jobs.has(j.name)) problems.push({ path: `backup.jobs[${i}].name`, message: `duplicate job name ${j.name}` });
      jobs.add(j.name);
      if (j.offsite !== undefined && parsed.data.repository.offsite[j.offsite] === undefined)
        problems.push({ path: `backup.jobs[${i}].offsite`, message: `no repository.offsite.${j.offsite}` });
    });
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: parsed.data };
}

/** The error thrown for a config that does not pass: every problem is in `details`. */
export function configError(file: string, problems: readonly ConfigProblem[]): AppError {
  return new AppError(
    'config_invalid',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration`,
    {
      where: file,
      details: problems.map((p) => `${p.path}: ${p.message}`),
    },
  );
}

// Config schema of file integrity (`integrity:`): which site files are baselined and watched,
// how often the full check runs, what the malicious-code scanner reads, and which tables of
// the shop's database `integrity scan-db` looks into.

import { z } from 'zod';

export const integrityPresetSchema = z
  .enum(['auto', 'none', 'magento1', 'magento2', 'woocommerce', 'wordpress', 'prestashop', 'opencart'])
  .describe(
    'Platform preset for caches, uploads, sessions and logs; `auto` follows site.platform, `none` uses only your globs.',
  );

const dbTableSchema = z.strictObject({
  table: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only')
    .describe('Table name (the prefix is not added to tables listed here).'),
  key: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only')
    .describe('Primary-key column, reported with each finding.'),
  columns: z
    .array(z.string().regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only'))
    .min(1)
    .describe('Text columns whose content is scanned for injected scripts.'),
});

export const scanDbSchema = z
  .strictObject({
    url: z
      .string()
      .optional()
      .describe('The shop database: mysql://user:pass@host:3306/db or postgres://…; put the password in ${ENV}.'),
    preset: z
      .enum(['auto', 'none', 'magento1', 'magento2', 'woocommerce', 'wordpress', 'prestashop', 'opencart'])
      .default('auto')
      .describe(
        'Tables known to carry injected scripts on this platform (core_config_data, cms_block, wp_options, wp_posts, …).',
      ),
    tablePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_]*$/)
      .default('')
      .describe('Table prefix (`wp_`, `ps_`, `oc_`; empty for Magento unless you set one).'),
    tables: z.array(dbTableSchema).default([]).describe('Further tables and columns to scan.'),
    batchSize: z.number().int().min(10).max(100_000).default(1000).describe('Rows read per query.'),
  })
  .prefault({});

export const integritySchema = z
  .strictObject({
    paths: z.array(z.string()).default([]).describe('Folders to baseline and watch; empty means site.root.'),
    preset: integrityPresetSchema.default('auto'),
    include: z
      .array(z.string())
      .default([])
      .describe('Globs (relative to each path) of files to cover; empty means all files not excluded.'),
    exclude: z
      .array(z.string())
      .default([])
      .describe('Globs (relative to each path) of files and folders left out, on top of the preset.'),
    schedule: z
      .string()
      .default('17 3 * * *')
      .describe('Cron expression of the scheduled full check in `ripcord run` (PCI DSS 11.5.2 asks at least weekly).'),
    watch: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Watch the paths in real time in `ripcord run`.'),
        maxFolders: z
          .number()
          .int()
          .min(1)
          .default(20_000)
          .describe(
            'At most this many folders are watched (inotify watches are a bounded kernel resource); deeper ones rely on the scheduled check.',
          ),
        settleMs: z
          .number()
          .int()
          .min(0)
          .default(500)
          .describe('Wait this long after the last change to a file before checking it.'),
      })
      .prefault({})
      .describe('Real-time watching.'),
    scan: z
      .strictObject({
        rules: z
          .array(z.string())
          .default([])
          .describe('Extra rule files or folders (YAML) on top of the shipped rules/code/.'),
        disable: z.array(z.string()).default([]).describe('Ids of shipped code rules to switch off.'),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(8 * 1024 * 1024)
          .describe('Only the first this many bytes of a file are scanned (all of it is still hashed).'),
        yara: z
          .strictObject({
            rules: z
              .array(z.string())
              .default([])
              .describe('YARA rule files (relative to the config file) run beside the shipped rules; none: off.'),
            binary: z.string().min(1).default('yara').describe('The yara command (Debian: apt-get install yara).'),
            timeoutSeconds: z
              .number()
              .int()
              .min(1)
              .default(60)
              .describe('yara gives up on a single file after this long.'),
          })
          .prefault({})
          .describe('Community or own YARA signatures, matched by the yara command.'),
      })
      .prefault({})
      .describe('The malicious-code scanner.'),
    scanDb: scanDbSchema.describe('Scanning the shop database for injected scripts (`ripcord integrity scan-db`).'),
    traffic: z
      .strictObject({
        beforeMinutes: z
          .number()
          .min(0)
          .default(10)
          .describe('Requests from this many minutes before a change are listed with it.'),
        limit: z.number().int().min(0).max(100).default(8).describe('At most this many requests per change.'),
      })
      .prefault({})
      .describe('Which recorded requests are shown next to a change.'),
  })
  .prefault({})
  .describe('Which site files are watched and how often they are checked.');

export type IntegrityConfig = z.infer<typeof integritySchema>;
export type ScanDbConfig = z.infer<typeof scanDbSchema>;
export type IntegrityPreset = z.infer<typeof integrityPresetSchema>;

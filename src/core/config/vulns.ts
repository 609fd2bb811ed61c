// Config schema of the known-vulnerability check (`vulns:`): when `ripcord run` refreshes the
// advisories and matches the installed software against them, and where advisories come from.

import { z } from 'zod';
import { cronExpr } from './cron.ts';

export const vulnsSchema = z
  .strictObject({
    schedule: cronExpr
      .nullable()
      .default('17 5 * * *')
      .describe(
        'Cron expression for the check in `ripcord run` (daily at 05:17 by default); null switches it off. A component found vulnerable for the first time becomes a finding, so alerts deliver it.',
      ),
    update: z
      .boolean()
      .default(true)
      .describe('Download fresh advisories before each scheduled check (a failed download keeps the stored ones).'),
    ecosystems: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Ecosystems to download (Packagist, npm, WordPress, Debian:12, …); empty means those the inventory finds.',
      ),
    osvUrl: z
      .url()
      .default('https://osv-vulnerabilities.storage.googleapis.com')
      .describe("Base address of OSV's per-ecosystem archives (<base>/<ecosystem>/all.zip), e.g. a mirror."),
    wordfenceUrl: z
      .url()
      .default('https://www.wordfence.com/api/intelligence/v2/vulnerabilities/production')
      .describe(
        'The Wordfence Intelligence feed, for WordPress core, plugins and themes (OSV has no WordPress ecosystem).',
      ),
  })
  .prefault({});

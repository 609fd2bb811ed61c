// Config schema of attack detection (`detect:`): which rules run (shipped ones minus
// `disable`, plus the user's own files) and the bounds of the detector's memory.

import { z } from 'zod';

export const detectSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the detection rules on ingested traffic.'),
    disable: z
      .array(z.string())
      .default([])
      .describe('Ids of rules to switch off (see `ripcord rules list`); an unknown id is an error.'),
    ruleFiles: z
      .array(z.string())
      .default([])
      .describe(
        'Extra rule files or folders of your own (YAML, same format as rules/; relative to this file). Test cases go in tests/<file name> beside them.',
      ),
    thread: z
      .boolean()
      .default(false)
      .describe(
        'Run the rules on a second thread while the main one parses and stores. Faster on two idle cores (about a third on the ingest benchmark), but it spends more CPU in all and about 100 MB more memory, so it is off by default (see bench ingest, which prints both).',
      ),
    maxBuckets: z
      .number()
      .int()
      .min(100)
      .default(100_000)
      .describe(
        'Most groups (addresses, users) each counting rule tracks at once; the least recently active are dropped first.',
      ),
  })
  .prefault({});

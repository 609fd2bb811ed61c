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
      .union([z.boolean(), z.literal('auto')], { error: 'expected true, false or auto' })
      .default('auto')
      .describe(
        "Work out the rules' prefilters (the costly, stateless part of detection) on a second thread while the main one parses, runs the rules and stores. `auto`: for `ripcord ingest` of 32 MB or more on two cores or more (faster by about half on the ingest benchmark, for ~10% more CPU in all and ~50 MB more memory); `ripcord run` follows live traffic on one thread unless this is true.",
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

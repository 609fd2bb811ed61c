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
        "Split detection over two threads: the rules' prefilters and the signature rules (the costly part, which keeps no state) on a second thread, while the main one parses, runs the counting rules and stores. `auto`: for `ripcord ingest` of 32 MB or more on two cores or more (about a fifth faster on two idle cores in the ingest benchmark, for about 5% more CPU in all and 90 MB more memory); `ripcord run` follows live traffic on one thread unless this is true.",
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

// Config schema of attack detection (`detect:`). Filled in by the detection subsystem.

import { z } from 'zod';

export const detectSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the detection rules on ingested traffic.'),
    disable: z.array(z.string()).default([]).describe('Ids of shipped rules to switch off.'),
    ruleFiles: z.array(z.string()).default([]).describe('Extra rule files or folders of your own (YAML).'),
  })
  .prefault({});

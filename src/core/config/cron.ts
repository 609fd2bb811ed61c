// A cron expression as the config takes it (backup jobs, the vulnerability check): checked by
// the same library that runs it (croner), so `config check` refuses what `run` could not use.

import { Cron } from 'croner';
import { z } from 'zod';

/** A cron expression croner reads (5 or 6 fields, `@daily`, ...). */
export const cronExpr = z.string().superRefine((expr, ctx) => {
  try {
    new Cron(expr, { paused: true }).stop();
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a cron expression: ${e instanceof Error ? e.message : String(e)}` });
  }
});

// What building a traffic source may need besides its spec (see core/component.ts).

import type { Readable } from 'node:stream';

export interface SourceContext {
  /** Folder relative paths are resolved against (the config file's). */
  baseDir: string;
  /** Keep following after the end (`ripcord run`) or stop there (`run --once`). */
  follow: boolean;
  batchLines: number;
  pollMs?: number;
  /** Standard input, for `type: stdin`. */
  stdin: Readable;
}

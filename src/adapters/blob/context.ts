// What building a storage backend may need besides its spec: the environment (passwords are
// named by their variable, never written in the config) and retry tuning (tests shorten it).

import type { RetryOptions } from './retry.ts';

export interface BackendContext {
  env: Readonly<Record<string, string | undefined>>;
  retry?: Partial<RetryOptions>;
}

// The storage backends of the snapshot repository, each a component module (type, schema,
// create): chosen by the `type` of a spec that core/config/backends.ts makes from a location.

import type { BackendSpec } from '../../core/config/backends.ts';
import type { Backend } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';
import * as local from './local.ts';
import * as rclone from './rclone.ts';
import * as sftp from './sftp.ts';

export type { BackendContext } from './context.ts';
export { LocalBackend } from './local.ts';

export const backendModules = { local, sftp, rclone } as const;

export function createBackend(spec: BackendSpec, ctx: BackendContext): Backend {
  switch (spec.type) {
    case 'local':
      return local.create(local.schema.parse(spec), ctx);
    case 'sftp':
      return sftp.create(sftp.schema.parse(spec), ctx);
    case 'rclone':
      return rclone.create(rclone.schema.parse(spec), ctx);
  }
}

// The storage backends of the snapshot repository, one component module each (type, schema,
// create): the registry that builds a backend from the spec core/config/backends.ts makes of a
// location. Their schemas live in core because locations are parsed and checked there.

import type { BackendSpec } from '../../core/config/backends.ts';
import { registry } from '../../core/component.ts';
import type { Backend } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';
import * as local from './local.ts';
import * as rclone from './rclone.ts';
import * as sftp from './sftp.ts';

export type { BackendContext } from './context.ts';
export { LocalBackend } from './local.ts';

export const backends = registry<BackendSpec, BackendContext, Backend>('repository backend', [local, sftp, rclone]);

export function createBackend(spec: BackendSpec, ctx: BackendContext): Backend {
  return backends.create(spec, ctx);
}

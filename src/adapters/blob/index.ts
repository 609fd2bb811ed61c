// The storage backends of the snapshot repository, one component module each (type, schema,
// create, and the locations it reads: `fromLocation`, `describe`): the registry that specs are
// built from and locations parsed by. A new backend is its module in this folder plus one line
// here (and one in `locationReaders` when it claims a location syntax).

import { registry, type Component } from '../../core/component.ts';
import type { BackendSpec, LocationOptions, LocationParser, ParsedLocation } from '../../core/config/backends.ts';
import type { Backend } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';
import * as local from './local.ts';
import * as rclone from './rclone.ts';
import * as sftp from './sftp.ts';

export type { BackendContext } from './context.ts';
export { LocalBackend } from './local.ts';

/** What a backend component adds to a component: the location syntax it reads, and how it shows one. */
export interface BackendComponent extends Component<BackendSpec, BackendContext, Backend> {
  /** The spec for a location this backend claims (ok or why not); null when the text is not its kind. */
  fromLocation(text: string, opts: LocationOptions, resolve: (p: string) => string): ParsedLocation | null;
  /** The location for messages: never a secret. */
  describe(spec: BackendSpec): string;
}

export const backends = registry<BackendSpec, BackendContext, Backend, BackendComponent>('backend', [
  local,
  sftp,
  rclone,
]);

/** The order locations are tried in: prefixed syntaxes first, a plain folder last. */
const locationReaders: readonly BackendComponent[] = [sftp, rclone, local];

export const parseLocation: LocationParser = (text, opts, resolve = (p) => p) => {
  if (text === '') return { ok: false, message: 'the location is empty' };
  for (const b of locationReaders) {
    const r = b.fromLocation(text, opts, resolve);
    if (r !== null) return r;
  }
  return { ok: false, message: 'not a location' };
};

/** A location for messages: never a password (there is none in it) and no options. */
export function describeSpec(spec: BackendSpec): string {
  return backends.get(spec.type)?.describe(spec) ?? spec.type;
}

/** The folder of a local repository, null for a remote one. */
export function localFolderOf(spec: BackendSpec): string | null {
  const r = local.schema.safeParse(spec);
  return r.success ? r.data.path : null;
}

/** Builds the backend a spec names (defaults of its schema applied). */
export function createBackend(spec: BackendSpec, ctx: BackendContext): Backend {
  return backends.create(backends.schema.parse(spec), ctx);
}

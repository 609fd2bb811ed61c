// The traffic sources, one component module each (type, schema, create): the registry that
// `sources:` in ripcord.yml is checked with and sources are built from. A new source is its
// module in this folder plus one line here.

import { registry } from '../../core/component.ts';
import type { SourceSpec } from '../../core/config/sources.ts';
import type { LineSource } from '../../logs/index.ts';
import type { SourceContext } from './context.ts';
import * as file from './file.ts';
import * as journald from './journald.ts';
import * as stdin from './stdin.ts';
import * as syslog from './syslog.ts';

export type { SourceContext } from './context.ts';

export const sources = registry<SourceSpec, SourceContext, LineSource>('source', [file, journald, syslog, stdin]);

// Builds the configured traffic sources (file, journald, syslog, stdin) and names them.

import { resolve } from 'node:path';
import type { SourceSpec } from '../core/config/index.ts';
import type { LineSource } from '../logs/sources.ts';
import { FileSource } from '../adapters/sources/file.ts';
import { StreamSource } from '../adapters/sources/stdin.ts';
import { JournaldSource } from '../adapters/sources/journald.ts';
import { SyslogSource } from '../adapters/sources/syslog.ts';
import { fileSourceId } from './logs.ts';

/** The id a configured source is stored under (its checkpoint and counters). */
export function sourceIdOf(spec: SourceSpec, baseDir: string): string {
  if (spec.id !== undefined) return spec.id;
  switch (spec.type) {
    case 'file':
      return fileSourceId(resolve(baseDir, spec.path));
    case 'journald':
      return `journald:${spec.units.join(',') || 'all'}`;
    case 'syslog':
      return `syslog:${spec.listen}`;
    case 'stdin':
      return 'stdin';
  }
}

export function buildSource(
  spec: SourceSpec,
  baseDir: string,
  o: { follow: boolean; batchLines: number; pollMs?: number },
): LineSource {
  const id = sourceIdOf(spec, baseDir);
  switch (spec.type) {
    case 'file':
      return new FileSource({
        id,
        path: resolve(baseDir, spec.path),
        follow: o.follow,
        batchLines: o.batchLines,
        ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      });
    case 'journald':
      return new JournaldSource({ id, units: spec.units, follow: o.follow, batchLines: o.batchLines });
    case 'syslog':
      return new SyslogSource({ id, listen: spec.listen, protocol: spec.protocol });
    case 'stdin':
      return new StreamSource(id, process.stdin, o.batchLines);
  }
}

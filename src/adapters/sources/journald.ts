// The systemd journal through `journalctl -o json` (followed with -f), resumed from the cursor
// of the last stored entry. Entries become syslog-style lines with an ISO timestamp, so the
// syslog parser dispatches them by program like any auth.log line.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BatchSink, LineSource } from '../../logs/index.ts';
import type { Checkpoint } from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import { Batcher } from './batcher.ts';
import { z } from 'zod';
import { sourceFields } from '../../core/config/sources.ts';
import type { SourceContext } from './context.ts';

export interface JournaldOptions {
  id: string;
  units: string[];
  follow: boolean;
  batchLines?: number;
  /** The journalctl program (tests point it at a stand-in). */
  command?: string;
}

/** One journal entry (JSON export) as a syslog-style line; null when it carries no message. */
export function journalEntryToLine(entry: Record<string, unknown>): string | null {
  let msg = entry['MESSAGE'];
  // Messages that are not valid UTF-8 come as arrays of bytes.
  if (Array.isArray(msg)) msg = Buffer.from(msg.filter((b): b is number => typeof b === 'number')).toString('utf8');
  if (typeof msg !== 'string') return null;
  const us = Number(entry['__REALTIME_TIMESTAMP']);
  const time = Number.isFinite(us) ? new Date(Math.floor(us / 1000)).toISOString() : new Date().toISOString();
  const host = typeof entry['_HOSTNAME'] === 'string' ? entry['_HOSTNAME'] : 'localhost';
  const ident =
    typeof entry['SYSLOG_IDENTIFIER'] === 'string'
      ? entry['SYSLOG_IDENTIFIER']
      : typeof entry['_COMM'] === 'string'
        ? entry['_COMM']
        : 'journal';
  const pid =
    typeof entry['_PID'] === 'string' || typeof entry['_PID'] === 'number' ? `[${String(entry['_PID'])}]` : '';
  return `${time} ${host} ${ident}${pid}: ${msg.replace(/\n/g, ' ')}`;
}

export class JournaldSource implements LineSource {
  readonly id: string;
  #o: JournaldOptions;

  constructor(o: JournaldOptions) {
    this.id = o.id;
    this.#o = o;
  }

  async run(from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void> {
    const args = ['-o', 'json', '--no-pager'];
    if (this.#o.follow) args.push('-f');
    for (const u of this.#o.units) args.push('-u', u);
    const cursor = from?.['cursor'];
    if (typeof cursor === 'string') args.push('--after-cursor', cursor);
    else if (this.#o.follow) args.push('--since', '-1d');
    const child = spawn(this.#o.command ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const onAbort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    const batcher = new Batcher(sink, 'journal', this.#o.batchLines ?? 5000);
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    try {
      const lines = (async () => {
        for await (const text of rl) {
          let entry: unknown;
          try {
            entry = JSON.parse(text);
          } catch {
            continue; // journalctl writes only JSON; anything else is noise from a dying process
          }
          if (entry === null || typeof entry !== 'object') continue;
          const e = entry as Record<string, unknown>;
          const line = journalEntryToLine(e);
          const c = typeof e['__CURSOR'] === 'string' ? e['__CURSOR'] : null;
          if (line !== null) batcher.push(line, c === null ? null : { cursor: c });
          // Backpressure: let the store catch up before reading more.
          if (batcher.backlog === 0) await batcher.drain();
        }
      })();
      const r = await Promise.race([lines.then(() => null), spawnError]);
      if (r instanceof Error)
        throw new AppError('unavailable', `cannot run journalctl: ${r.message}`, { where: this.id });
      await batcher.drain();
      const code = await new Promise<number | null>((resolve) =>
        child.exitCode !== null ? resolve(child.exitCode) : child.once('close', resolve),
      );
      if (!signal.aborted && code !== 0 && code !== null)
        throw new AppError('unavailable', `journalctl exited with ${code}: ${stderr.trim()}`, { where: this.id });
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  }
}

// ---- component: `type: journald` in `sources:` -----------------------------------------

export const type = 'journald';

export const schema = z
  .strictObject({
    type: z.literal('journald').describe('The systemd journal.'),
    units: z
      .array(z.string())
      .default([])
      .describe('systemd units to follow (e.g. ssh.service); empty: the whole journal.'),
    ...sourceFields,
  })
  .describe('The systemd journal, through `journalctl -o json -f`.');

export type JournaldSourceSpec = z.infer<typeof schema>;

export function create(spec: JournaldSourceSpec, ctx: SourceContext): JournaldSource {
  return new JournaldSource({
    id: spec.id ?? `journald:${spec.units.join(',') || 'all'}`,
    units: spec.units,
    follow: ctx.follow,
    batchLines: ctx.batchLines,
  });
}

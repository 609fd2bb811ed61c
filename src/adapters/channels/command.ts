// A local program as a channel: run from an argv array (never a shell), the message as JSON on
// standard input, RIPCORD_* variables in its environment. Exit 0 = delivered. Exit codes 64-78
// (sysexits: usage, config, permission …) are permanent except 75 (EX_TEMPFAIL); any other
// failure, a timeout or a crash, is retried.

import { spawn } from 'node:child_process';
import { AppError } from '../../core/errors.ts';
import type { AlertMessage, Channel, Rendered } from '../../alerts/ports.ts';
import { z } from 'zod';
import { channelTimeout } from '../../core/config/alerts.ts';
import type { ChannelContext } from './context.ts';

export interface CommandSpec {
  argv: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

/** Environment for the program: a small safe base (no secrets of ours), the configured extras, and the message's facts. */
function environment(spec: CommandSpec, m: AlertMessage): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ']) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  return {
    ...base,
    ...spec.env,
    RIPCORD_IDEMPOTENCY_KEY: m.key,
    RIPCORD_ALERT_ID: m.alertId === null ? '' : String(m.alertId),
    RIPCORD_KIND: m.kind,
    RIPCORD_SEVERITY: m.severity,
    RIPCORD_RULE: m.rule,
    RIPCORD_CATEGORY: m.category,
    RIPCORD_SITE: m.site,
    RIPCORD_HOST: m.host,
  };
}

export function runCommand(name: string, spec: CommandSpec, input: string, env: Record<string, string>): Promise<void> {
  const [file, ...args] = spec.argv;
  if (file === undefined) return Promise.reject(new AppError('config_invalid', `channel ${name}: empty argv`));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (e: AppError | null): void => {
      if (settled) return;
      settled = true;
      if (e) reject(e);
      else resolve();
    };
    const child = spawn(file, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      env,
      timeout: spec.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 2000) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const permanent = e.code === 'ENOENT' || e.code === 'EACCES';
      done(
        new AppError(
          permanent ? 'config_invalid' : 'unavailable',
          `channel ${name}: cannot run ${file}: ${e.code ?? e.message}`,
          { transient: !permanent, cause: e },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return done(null);
      const why =
        signal !== null
          ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${spec.timeoutMs} ms?)` : ''}`
          : `exit ${code}`;
      const permanent = code !== null && code >= 64 && code <= 78 && code !== 75;
      const tail = stderr.trim().split('\n').slice(-1)[0] ?? '';
      done(
        new AppError(
          permanent ? 'refused' : 'unavailable',
          `channel ${name}: ${file} ${why}${tail ? `: ${tail.slice(0, 200)}` : ''}`,
          { transient: !permanent },
        ),
      );
    });
    // A program that does not read its input must not fail the delivery with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export function commandChannel(name: string, spec: CommandSpec): Channel {
  return {
    name,
    type: 'command',
    send(m: AlertMessage, r: Rendered) {
      const input = JSON.stringify({ type: 'ripcord.alert', version: 1, message: m, subject: r.subject, text: r.text });
      return runCommand(name, spec, `${input}\n`, environment(spec, m));
    },
  };
}

// ---- component: `type: command` in `alerts.channels` ------------------------------------

export const type = 'command';

export const schema = z
  .strictObject({
    type: z.literal('command').describe('A local program.'),
    argv: z
      .array(z.string().min(1))
      .min(1)
      .describe('Program and arguments, run without a shell; the message is JSON on its standard input.'),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Extra environment variables for the program (RIPCORD_* ones are set too).'),
    timeoutMs: channelTimeout,
  })
  .describe(
    'A local program (argv array, no shell). Exit 0 = delivered; 75 (EX_TEMPFAIL) or any other failure is retried, except sysexits 64-78 which are permanent.',
  );

export function create(spec: z.infer<typeof schema>, ctx: ChannelContext): Channel {
  return commandChannel(ctx.name, spec);
}

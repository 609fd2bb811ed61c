// What every command needs from the global flags: the loaded config, and helpers to read
// times and numbers from options with messages that name the flag.

import type { Command } from 'commander';
import { AppError } from '../core/errors.ts';
import { parseInstant } from '../core/clock.ts';
import { loadConfig, type LoadedConfig } from '../app/config.ts';
import { withApp, type App, type AppOptions } from '../app/context.ts';

export interface GlobalOpts {
  config?: string;
  stateDir?: string;
}

export function globals(cmd: Command): GlobalOpts {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOpts>();
}

export function configFor(cmd: Command): LoadedConfig {
  const g = globals(cmd);
  return loadConfig({ file: g.config, stateDir: g.stateDir });
}

/** Runs a command's work with the app context of its config; the context is closed afterwards. */
export function withAppFor<T>(cmd: Command, fn: (app: App) => Promise<T>, opts: AppOptions = {}): Promise<T> {
  return withApp(configFor(cmd), opts, fn);
}

export function instant(flag: string, text: string | undefined, now = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  const t = parseInstant(text, now);
  if (t === undefined)
    throw new AppError(
      'usage',
      `${flag}: "${text}" is not a time (use ISO like 2026-11-02T10:00:00Z, or relative like 2h, 30m, 7d)`,
    );
  return t;
}

export function positiveInt(flag: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new AppError('usage', `${flag}: "${text}" is not a positive whole number`);
  return n;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Drops the keys whose value is undefined, so optional flags can be passed straight into
 * query objects whose properties are optional (exactOptionalPropertyTypes forbids undefined).
 */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `--since` and `--until` of a command's options, parsed, as optional query fields. */
export function sinceUntil(o: Record<string, unknown>): { since?: number; until?: number } {
  const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  return defined({ since: instant('--since', text('since')), until: instant('--until', text('until')) });
}

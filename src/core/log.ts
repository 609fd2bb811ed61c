// Structured logging for Ripcord's own messages (not the shop's logs). The interface lives
// here; the app builds it over pino. Secrets and customer addresses never reach a logger:
// keys that can hold them are redacted by name, whatever their depth.

export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Field names whose values are never logged. */
const redactedKeys = [
  'password',
  'passphrase',
  'pass',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'key',
  'email',
  'to',
  'recipient',
  'address',
] as const;

/** Paths for pino's `redact` option covering the keys at the top and one or two levels down. */
export function redactPaths(): string[] {
  const out: string[] = [];
  for (const k of redactedKeys) out.push(k, `*.${k}`, `*.*.${k}`);
  return out;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

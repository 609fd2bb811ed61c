// Ripcord's own log (not the shop's): pino, JSON lines on stderr for machines, or short
// readable lines when stderr is a terminal. Secrets and customer addresses are redacted by
// field name (core/log.ts lists them); values are escaped, as they may carry hostile text.

import pino from 'pino';
import { escapeTerminal } from '../core/escape.ts';
import { redactPaths, type Logger } from '../core/log.ts';

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const hidden = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One JSON log record as a terminal line: `09:12:01 info source started source=auth-log`. */
export function humanLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof rec['time'] === 'number' ? new Date(rec['time']).toISOString().slice(11, 19) : '';
  const level = levelNames[Number(rec['level'])] ?? String(rec['level']);
  const fields = Object.entries(rec)
    .filter(([k]) => !hidden.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return escapeTerminal(`${time} ${level} ${String(rec['msg'] ?? '')}${fields ? `  ${fields}` : ''}`);
}

export function createLogger(
  level: string = process.env['RIPCORD_LOG_LEVEL'] ?? 'info',
  pretty: boolean = process.stderr.isTTY === true,
): Logger {
  const options = { level, redact: { paths: redactPaths(), censor: '[redacted]' }, base: { pid: process.pid } };
  const p = pretty
    ? pino(options, { write: (s: string) => void process.stderr.write(`${humanLine(s)}\n`) })
    : pino(options, pino.destination(2));
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (o, m) => p.debug(o, m),
    info: (o, m) => p.info(o, m),
    warn: (o, m) => p.warn(o, m),
    error: (o, m) => p.error(o, m),
    child: (b) => wrap(p.child(b)),
  };
}

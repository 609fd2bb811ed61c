// Ripcord's own log (not the shop's): pino, JSON lines on stderr, with secrets and customer
// addresses redacted by field name (core/log.ts lists them).

import pino from 'pino';
import { redactPaths, type Logger } from '../core/log.ts';

export function createLogger(level: string = process.env['RIPCORD_LOG_LEVEL'] ?? 'info'): Logger {
  const p = pino({ level, redact: { paths: redactPaths(), censor: '[redacted]' }, base: { pid: process.pid } }, pino.destination(2));
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

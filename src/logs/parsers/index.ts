// The log parsers of the traffic record: pure functions from one line to a ParseResult (an
// event, a counted skip, or a reject with its reason). This module owns the public API —
// `getParser(name, {logFormat})`, `sniffFormat`, `createAutoParser`, `deriveShopAdminLogin`
// — and the guard every parser runs behind: a trailing CR is dropped, blank lines are skips,
// and no input can make a parser throw (a bug becomes a reject with its reason).

import { AppError } from '../../core/errors.ts';
import type { FormatName } from '../../core/config/sources.ts';
import type { ParseContext, ParseResult, Parser } from '../events.ts';
import { parseAccessLine } from './access.ts';
import { parseApacheErrorLine, parseNginxErrorLine } from './errorlog.ts';
import { vsftpdOwnLine } from './ftp.ts';
import { parseJsonAccessLine } from './json-access.ts';
import { compileLogFormat } from './logformat.ts';
import { parseShopAdminLine } from './shop-admin.ts';
import { sniffFormat, sniffLine, type ConcreteFormat } from './sniff.ts';
import { daemonParser, handlerFor, handlers, parseHeader, parseSyslogLine } from './syslog.ts';
import { SKIP, reject } from './util.ts';

export { deriveShopAdminLogin } from './shop-login.ts';
export { sniffFormat } from './sniff.ts';
export { isValidTimezone } from './time.ts';

type LineFn = (line: string, ctx: ParseContext) => ParseResult;

function guarded(name: string, fn: LineFn): Parser {
  return {
    name,
    parse(line, ctx) {
      let l = line;
      if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
      if (l.length === 0 || l.trim() === '') return SKIP;
      try {
        return fn(l, ctx);
      } catch (e) {
        return reject(`internal parser error: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/**
 * Web server lines: access lines, plus error-log lines when they share the file, bare
 * (`[Wed Jul 17 …] [error] …`, `2012/04/09 11:53:29 [error] …`) or through syslog/journald.
 */
function webLine(access: LineFn): LineFn {
  return (line, ctx) => {
    const c = line.charCodeAt(0);
    if (c === 91 /* [ */) return parseApacheErrorLine(line, ctx);
    if (c >= 48 && c <= 57 && line.charCodeAt(4) === 47 && line.charCodeAt(7) === 47) {
      const r = parseNginxErrorLine(line, ctx);
      if (r.type !== 'reject') return r;
    }
    const r = access(line, ctx);
    if (r.type !== 'reject') return r;
    // Not an access line: an error log given through syslog (`… httpd[22034]: [error] …`)?
    const h = parseHeader(line, ctx);
    if (h === null || typeof h === 'string') return r;
    const handler = handlerFor(h.program);
    return handler === 'apache' || handler === 'nginx' ? handlers[handler](h.message, h, ctx) : r;
  };
}

const vsftpdDaemon = daemonParser(['vsftpd']);

const lineFns: Record<Exclude<ConcreteFormat, 'nginx' | 'apache'>, LineFn> = {
  json: parseJsonAccessLine,
  'shop-admin': parseShopAdminLine,
  syslog: parseSyslogLine,
  sshd: daemonParser(['sshd']),
  vsftpd: (line, ctx) => vsftpdOwnLine(line, ctx) ?? vsftpdDaemon(line, ctx),
  proftpd: daemonParser(['proftpd']),
  pureftpd: daemonParser(['pureftpd']),
  sudo: daemonParser(['sudo', 'su']),
};

/**
 * The parser for a format. `logFormat` (nginx `log_format` or Apache `LogFormat` string) is
 * compiled once, for nginx/apache; throws AppError('config_invalid') naming its bad part.
 */
export function getParser(name: FormatName, opts: { logFormat?: string | undefined } = {}): Parser {
  if (name === 'auto') return createAutoParser();
  if (name === 'nginx' || name === 'apache') {
    const access: LineFn =
      opts.logFormat === undefined || opts.logFormat.trim() === '' ? parseAccessLine : compileLogFormat(opts.logFormat);
    return guarded(name, webLine(access));
  }
  const fn = lineFns[name];
  if (fn === undefined)
    throw new AppError('config_invalid', `unknown log format ${JSON.stringify(name)}`, { where: 'format' });
  if (opts.logFormat !== undefined) {
    throw new AppError('config_invalid', `logFormat applies to the nginx and apache formats, not ${name}`, {
      where: 'logFormat',
    });
  }
  return guarded(name, fn);
}

/**
 * `format: auto` for a stream: keeps using the format that worked last, and when a line is
 * rejected by it, sniffs that line and tries the format it looks like.
 */
export function createAutoParser(): Parser {
  const cache = new Map<ConcreteFormat, Parser>();
  const parserFor = (f: ConcreteFormat): Parser => {
    let p = cache.get(f);
    if (p === undefined) {
      p = getParser(f);
      cache.set(f, p);
    }
    return p;
  };
  let current: Parser | null = null;
  return {
    name: 'auto',
    parse(line, ctx) {
      if (current !== null) {
        const r = current.parse(line, ctx);
        if (r.type !== 'reject') return r;
        const f = sniffLine(line);
        if (f === null || parserFor(f) === current) return r;
        current = parserFor(f);
        return current.parse(line, ctx);
      }
      if (line.trim() === '') return SKIP;
      current = parserFor(sniffLine(line) ?? sniffFormat([line]));
      return current.parse(line, ctx);
    },
  };
}

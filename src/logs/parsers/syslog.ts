// Syslog-style lines: the header (RFC 3164 `<PRI>Mmm dd hh:mm:ss host prog[pid]: msg`, with
// rsyslog's ISO timestamps, RFC 5424 `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`, and the
// time-less `host prog[pid]: msg` of journal exports), and the dispatch of the message to the
// program's parser (sshd, FTP daemons, sudo, su, web servers). Unknown programs are skips.
// Year-less times take their year and zone from the ParseContext.

import type { ParseContext, ParseResult } from '../events.ts';
import { apacheErrorMessage, nginxErrorMessage } from './errorlog.ts';
import { ftpdMessage, proftpdMessage, pureftpdMessage, vsftpdMessage } from './ftp.ts';
import { sshdMessage } from './sshd.ts';
import { suMessage, sudoMessage } from './sudo.ts';
import { isoTimeEnd, monthAt, parseIsoTime, parseSyslogTime, syslogTimeEnd, zoneFn } from './time.ts';
import { SKIP, reject, type LineInfo } from './util.ts';

export type MessageParser = (msg: string, info: LineInfo, ctx: ParseContext) => ParseResult;

/** Which parser handles which program (the part of the tag before `[pid]`, `(pam_unix)`, `/`). */
export type Handler = 'sshd' | 'vsftpd' | 'proftpd' | 'pureftpd' | 'ftpd' | 'sudo' | 'su' | 'apache' | 'nginx';

export const handlers: Record<Handler, MessageParser> = {
  sshd: sshdMessage,
  vsftpd: vsftpdMessage,
  proftpd: proftpdMessage,
  pureftpd: pureftpdMessage,
  ftpd: ftpdMessage,
  sudo: sudoMessage,
  su: suMessage,
  apache: apacheErrorMessage,
  nginx: nginxErrorMessage,
};

const programs: Record<string, Handler> = {
  sshd: 'sshd',
  'sshd-session': 'sshd',
  'sshd-auth': 'sshd',
  vsftpd: 'vsftpd',
  proftpd: 'proftpd',
  'pure-ftpd': 'pureftpd',
  'pure-ftpd-mysql': 'pureftpd',
  'pure-ftpd-ldap': 'pureftpd',
  'pure-ftpd-postgresql': 'pureftpd',
  ftpd: 'ftpd',
  'in.ftpd': 'ftpd',
  'wu-ftpd': 'ftpd',
  sudo: 'sudo',
  su: 'su',
  httpd: 'apache',
  apache: 'apache',
  apache2: 'apache',
  nginx: 'nginx',
};

/** The handler for a program name, or null when it is not key traffic. */
export function handlerFor(program: string | null): Handler | null {
  if (program === null) return null;
  return programs[program] ?? null;
}

export interface Header extends LineInfo {
  message: string;
}

/** `prog[pid]:`, `prog:`, `[prog]:`, `prog(pam_unix)[pid]:`, `httpd/vhost[pid]:` -> program; null if not a tag. */
function tagProgram(tok: string, needPid: boolean): string | null {
  let t = tok.endsWith(':') ? tok.slice(0, -1) : tok;
  const colon = t !== tok;
  let pid = false;
  if (t.startsWith('[') && t.endsWith(']')) {
    t = t.slice(1, -1);
    pid = true; // `[sshd]` is only ever a tag
  } else if (t.endsWith(']')) {
    const lb = t.lastIndexOf('[');
    if (lb <= 0) return null;
    t = t.slice(0, lb);
    pid = true;
  }
  if (!pid && !colon) return null;
  const paren = t.indexOf('(');
  if (paren > 0) t = t.slice(0, paren);
  const slash = t.indexOf('/');
  if (slash > 0) t = t.slice(0, slash);
  if (t === '' || t.length > 64) return null;
  if (needPid && !pid && !(t in programs)) return null;
  return t;
}

/** Skips an RFC 5424 STRUCTURED-DATA element list (`-` or `[id k="v"]...`); returns the index after it. */
function skipStructuredData(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) return i + 1;
  let p = i;
  while (s.charCodeAt(p) === 91) {
    p++;
    let inQuote = false;
    for (; p < s.length; p++) {
      const c = s.charCodeAt(p);
      if (c === 92) p++;
      else if (c === 34) inQuote = !inQuote;
      else if (c === 93 && !inQuote) break;
    }
    p++;
  }
  return p;
}

function rfc5424(line: string, start: number, ctx: ParseContext): Header | string {
  // TIMESTAMP HOST APP PROCID MSGID SD [MSG]
  let p = start;
  const next = (): string => {
    let sp = line.indexOf(' ', p);
    if (sp === -1) sp = line.length;
    const tok = line.slice(p, sp);
    p = sp + 1;
    return tok;
  };
  const ts = next();
  let time = ctx.now;
  if (ts !== '-') {
    time = parseIsoTime(ts, 0, ctx);
    if (Number.isNaN(time)) return `bad RFC 5424 timestamp ${ts.slice(0, 40)}`;
  }
  const host = next();
  const app = next();
  next(); // PROCID
  next(); // MSGID
  if (p > line.length) return 'truncated RFC 5424 header';
  p = skipStructuredData(line, p);
  let message = p < line.length ? line.slice(p + (line.charCodeAt(p) === 32 ? 1 : 0)) : '';
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
  return { time, host: host === '-' ? null : host, program: app === '-' ? null : app, message };
}

/**
 * Reads the syslog header of a line. Returns the header, a reject reason (a header whose
 * time is malformed), or null when the line has no header (a bare message).
 */
export function parseHeader(line: string, ctx: ParseContext): Header | string | null {
  let p = 0;
  if (line.charCodeAt(0) === 60 /* < */) {
    const gt = line.indexOf('>');
    if (gt > 1 && gt <= 4 && /^\d+$/.test(line.slice(1, gt))) {
      p = gt + 1;
      if (line.startsWith('1 ', p)) return rfc5424(line, p + 2, ctx);
    }
  }
  let time = Number.NaN;
  const c = line.charCodeAt(p);
  if (c >= 48 && c <= 57 && line.charCodeAt(p + 4) === 45) {
    time = parseIsoTime(line, p, ctx);
    if (Number.isNaN(time)) return `bad timestamp ${line.slice(p, p + 32)}`;
    p = isoTimeEnd;
  } else if (monthAt(line, p) >= 0 && line.charCodeAt(p + 3) === 32) {
    time = parseSyslogTime(line, p, ctx);
    if (Number.isNaN(time)) {
      if (zoneFn(ctx.timezone) === null)
        return `unknown timezone ${JSON.stringify(ctx.timezone)} in the source's config`;
      return `bad timestamp ${line.slice(p, p + 20)}`;
    }
    p = syslogTimeEnd;
  }
  const timed = !Number.isNaN(time);
  if (timed) {
    if (line.charCodeAt(p) !== 32) return 'no space after the timestamp';
    p++;
  }
  // [host ]tag msg
  const sp1 = line.indexOf(' ', p);
  const tok1 = line.slice(p, sp1 === -1 ? line.length : sp1);
  const prog1 = tagProgram(tok1, !timed);
  if (prog1 !== null) {
    return { time: timed ? time : ctx.now, host: null, program: prog1, message: sp1 === -1 ? '' : line.slice(sp1 + 1) };
  }
  if (sp1 === -1) return timed ? { time, host: tok1 === '' ? null : tok1, program: null, message: '' } : null;
  const sp2 = line.indexOf(' ', sp1 + 1);
  const tok2 = line.slice(sp1 + 1, sp2 === -1 ? line.length : sp2);
  const prog2 = tagProgram(tok2, !timed);
  if (prog2 !== null) {
    return { time: timed ? time : ctx.now, host: tok1, program: prog2, message: sp2 === -1 ? '' : line.slice(sp2 + 1) };
  }
  if (!timed) return null;
  // A header whose tag we cannot read: keep the host, no program.
  return { time, host: tok1, program: null, message: line.slice(sp1 + 1) };
}

/** The `syslog` format: any program, dispatched by name; others skipped. */
export function parseSyslogLine(line: string, ctx: ParseContext): ParseResult {
  const h = parseHeader(line, ctx);
  if (h === null) return reject('not a syslog line: no timestamp or program tag');
  if (typeof h === 'string') return reject(h);
  const handler = handlerFor(h.program);
  if (handler === null) return SKIP;
  return handlers[handler](h.message, h, ctx);
}

/**
 * A parser for one daemon's lines (`sshd`, `vsftpd`, `sudo`, …): takes syslog-prefixed lines
 * and bare messages (journald MESSAGE, time = ctx.now). Lines of other known programs in the
 * same file (sudo lines in auth.log given to the sshd parser) are skips.
 */
export function daemonParser(own: readonly Handler[]): (line: string, ctx: ParseContext) => ParseResult {
  const first = own[0] ?? 'sshd';
  return (line, ctx) => {
    const h = parseHeader(line, ctx);
    if (typeof h === 'string') return reject(h);
    if (h === null) return handlers[first](line, { time: ctx.now, host: null, program: null }, ctx);
    const handler = handlerFor(h.program);
    if (handler === null) {
      // Unknown tag: when the header had no program, read the message as ours.
      return h.program === null ? handlers[first](h.message, h, ctx) : SKIP;
    }
    return own.includes(handler) ? handlers[handler](h.message, h, ctx) : SKIP;
  };
}

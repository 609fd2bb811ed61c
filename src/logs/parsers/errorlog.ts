// Web server error-log lines that record HTTP authentication failures (basic/digest auth on
// an admin area, nginx auth_basic / auth_pam): Apache `[client 1.2.3.4] user x not found` and
// nginx `user "x": password mismatch, client: 1.2.3.4`. They become AuthEvents of service
// `web`; every other error-log line is a counted skip. These lines can reach the nginx and
// apache parsers when error and access logs share a file, and the syslog parser (ErrorLog
// syslog, journald).

import type { ParseContext, ParseResult } from '../events.ts';
import { d2, d4, parseCtime, zoneFn } from './time.ts';
import { SKIP, authResult, looksLikeIp, reject, type LineInfo } from './util.ts';

/** Reads the `[client 1.2.3.4:5678]` / `[remote [2001:db8::1]:5678]` address; null when absent. */
function apacheClient(msg: string): { ip: string; end: number } | null {
  let i = msg.indexOf('[client ');
  if (i === -1) {
    i = msg.indexOf('[remote ');
    if (i === -1) return null;
  }
  const p = i + 8; // both prefixes are 8 characters
  let ip: string;
  let end: number;
  if (msg.charCodeAt(p) === 91) {
    const rb = msg.indexOf(']', p);
    if (rb === -1) return null;
    ip = msg.slice(p + 1, rb);
    end = msg.indexOf(']', rb + 1);
  } else {
    end = msg.indexOf(']', p);
    if (end === -1) return null;
    ip = msg.slice(p, end);
    // IPv4 with port: 1.2.3.4:5678 (an IPv6 without brackets has several colons: keep it)
    const c = ip.indexOf(':');
    if (c !== -1 && ip.indexOf(':', c + 1) === -1) ip = ip.slice(0, c);
  }
  if (end === -1) return null;
  return { ip, end: end + 1 };
}

/** The message of an Apache error line after its bracketed groups and `AH01234:` code. */
function apacheText(msg: string, from: number): string {
  let t = msg.slice(from).trimStart();
  if (t.startsWith('AH') && t.charCodeAt(7) === 58) t = t.slice(8).trimStart();
  if (t.startsWith('Digest: ')) t = t.slice(8);
  return t;
}

/** Classifies the message part of an Apache error line (also given through syslog). */
export function apacheErrorMessage(msg: string, info: LineInfo): ParseResult {
  const client = apacheClient(msg);
  if (client === null) return SKIP;
  const text = apacheText(msg, client.end);
  const method = msg.includes('digest') || msg.includes('Digest') ? 'digest' : 'basic';
  const fail = (user: string | null, invalidUser: boolean): ParseResult =>
    authResult(info, text, {
      service: 'web',
      action: 'login',
      outcome: 'failure',
      user,
      ip: client.ip,
      method,
      invalidUser,
    });
  if (text.startsWith('user ')) {
    // user x not found: /path | user `x' in realm `r' not found | user x: authentication failure for "/p": Password Mismatch
    const rest = text.slice(5);
    if (rest.startsWith('`')) {
      const q = rest.indexOf("'");
      return fail(q > 1 ? rest.slice(1, q) : null, rest.includes(' not found'));
    }
    const nf = rest.indexOf(' not found');
    const colon = rest.indexOf(': ');
    if (nf !== -1 && (colon === -1 || nf < colon)) return fail(rest.slice(0, nf) || null, true);
    if (colon !== -1) {
      const why = rest.slice(colon + 2);
      if (
        why.startsWith('authentication failure') ||
        why.startsWith('password mismatch') ||
        why.startsWith('authorization failure')
      ) {
        return fail(rest.slice(0, colon) || null, false);
      }
    }
    return SKIP;
  }
  if (text.startsWith('Authorization of user ')) {
    const to = text.indexOf(' to access ');
    return fail(to > 22 ? text.slice(22, to) : null, false);
  }
  if (
    text.startsWith('client used wrong authentication scheme') ||
    text.startsWith('realm mismatch') ||
    text.startsWith('invalid nonce') ||
    text.startsWith('unknown algorithm') ||
    text.startsWith('invalid qop')
  ) {
    return fail(null, false);
  }
  if (text.startsWith('client denied by server configuration')) {
    return authResult(info, text, { service: 'web', action: 'connect', outcome: 'failure', ip: client.ip });
  }
  return SKIP;
}

/** Parses a whole Apache error-log line: `[Wed Jul 17 22:39:55.123 2013] [level] ...`. */
export function parseApacheErrorLine(line: string, ctx: ParseContext): ParseResult {
  const rb = line.indexOf(']');
  if (line.charCodeAt(0) !== 91 || rb === -1) return reject('not an Apache error log line');
  const time = parseCtime(line, 1, ctx);
  if (Number.isNaN(time)) return reject('not an Apache error log line: bad [time]');
  return apacheErrorMessage(line.slice(rb + 1), { time, host: null, program: null });
}

/** `2012/04/09 11:53:29` at `i` (nginx error log), read in ctx.timezone; NaN if not one. */
export function parseNginxErrorTime(s: string, i: number, ctx: ParseContext): number {
  const y = d4(s, i);
  const mo = d2(s, i + 5);
  const d = d2(s, i + 8);
  const h = d2(s, i + 11);
  const m = d2(s, i + 14);
  const sec = d2(s, i + 17);
  if (
    y < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    h < 0 ||
    m < 0 ||
    sec < 0 ||
    s.charCodeAt(i + 4) !== 47 ||
    s.charCodeAt(i + 7) !== 47 ||
    s.charCodeAt(i + 13) !== 58
  ) {
    return Number.NaN;
  }
  const zone = zoneFn(ctx.timezone);
  return zone === null ? Number.NaN : zone(Date.UTC(y, mo - 1, d, h, m, sec));
}

/** The client of an nginx error line: the last `, client: ADDR` whose ADDR is an address. */
function nginxClient(msg: string): string | null {
  let to = msg.length;
  for (;;) {
    const i = msg.lastIndexOf(', client: ', to);
    if (i === -1) return null;
    let end = msg.indexOf(',', i + 10);
    if (end === -1) end = msg.length;
    const ip = msg.slice(i + 10, end);
    if (looksLikeIp(ip)) return ip;
    to = i - 1;
    if (to < 0) return null;
  }
}

/** Classifies an nginx error line (from `YYYY/MM/DD` on, or anywhere inside a syslog message). */
export function nginxErrorMessage(msg: string, info: LineInfo, ctx: ParseContext): ParseResult {
  let time = info.time;
  const lvl = msg.indexOf(' [');
  if (lvl >= 19) {
    const t = parseNginxErrorTime(msg, lvl - 19, ctx);
    if (!Number.isNaN(t)) time = t;
  }
  const star = msg.indexOf(': *');
  const textFrom = star === -1 ? 0 : msg.indexOf(' ', star + 3) + 1;
  const text = msg.slice(textFrom);
  const li: LineInfo = { time, host: info.host, program: info.program };
  let user: string | null = null;
  let invalidUser = false;
  let method = 'basic';
  if (text.startsWith('user "')) {
    // user "x" was not found in "...": the name can hold quotes (attacker-chosen), so take the
    // text up to the last `" was not found` / `": password mismatch`.
    const nf = text.lastIndexOf('" was not found in ');
    const pm = text.lastIndexOf('": password mismatch');
    if (nf === -1 && pm === -1) return SKIP;
    invalidUser = nf > pm;
    user = text.slice(6, invalidUser ? nf : pm);
  } else if (text.startsWith("PAM: user '")) {
    const q = text.indexOf("' - not authenticated");
    if (q === -1) return SKIP;
    user = text.slice(11, q);
    method = 'pam';
  } else return SKIP;
  const ip = nginxClient(text);
  if (ip === null) return SKIP;
  const cut = text.indexOf(', client: ');
  return authResult(li, cut === -1 ? text : text.slice(0, cut), {
    service: 'web',
    action: 'login',
    outcome: 'failure',
    user,
    ip,
    method,
    invalidUser,
  });
}

/** Parses a whole nginx error-log line. */
export function parseNginxErrorLine(line: string, ctx: ParseContext): ParseResult {
  const time = parseNginxErrorTime(line, 0, ctx);
  if (Number.isNaN(time)) return reject('not an nginx error log line');
  return nginxErrorMessage(line, { time, host: null, program: null }, ctx);
}

// FTP server messages -> AuthEvents of service `ftp`: vsftpd (its own log and syslog),
// ProFTPD, Pure-FTPd and the classic BSD/Linux ftpd. Inputs are messages (after the syslog
// header) except `vsftpdOwnLine`, which reads vsftpd's own `vsftpd.log` lines.

import type { AuthAction, AuthOutcome, ParseContext, ParseResult } from '../events.ts';
import { pamSplit } from './sshd.ts';
import { parseCtime, ctimeEnd } from './time.ts';
import { SKIP, authResult, kv, reject, type LineInfo } from './util.ts';

function ftp(
  info: LineInfo,
  msg: string,
  action: AuthAction,
  outcome: AuthOutcome,
  user: string | null,
  ip: string | null,
  invalidUser = false,
): ParseResult {
  return authResult(info, msg, { service: 'ftp', action, outcome, user, ip, invalidUser });
}

/** PAM lines any FTP daemon may log: `[pam_unix(vsftpd:auth): | (pam_unix) ]authentication failure; ...`. */
function ftpPam(msg: string, info: LineInfo): ParseResult | null {
  let m = msg;
  if (m.startsWith('(pam_unix) ')) m = m.slice(11);
  const p = pamSplit(m);
  if (!p.text.startsWith('authentication failure;')) return null;
  return ftp(info, msg, 'login', 'failure', kv(p.text, 'user=') ?? kv(p.text, 'ruser='), kv(p.text, 'rhost='));
}

/**
 * vsftpd: `[pid 123] [user] OK LOGIN: Client "1.2.3.4"`, `FAIL LOGIN`, `CONNECT: Client "…"`
 * (the `[pid]` part is absent in some syslog setups). Transfers (OK UPLOAD, …) are skips.
 */
export function vsftpdMessage(raw: string, info: LineInfo): ParseResult {
  let msg = raw.trim();
  const pam = ftpPam(msg, info);
  if (pam !== null) return pam;
  if (msg.startsWith('[pid ')) {
    const rb = msg.indexOf('] ');
    if (rb === -1) return SKIP;
    msg = msg.slice(rb + 2);
  }
  let user: string | null = null;
  if (msg.startsWith('[')) {
    // the user name is between the first `[` and the `] ` before the verb
    const verb = Math.max(msg.indexOf('] OK '), msg.indexOf('] FAIL '));
    const rb = verb !== -1 ? verb : msg.indexOf('] ');
    if (rb === -1) return SKIP;
    user = msg.slice(1, rb);
    msg = msg.slice(rb + 2);
  }
  const cl = msg.indexOf('Client "');
  const ip = cl === -1 ? null : msg.slice(cl + 8, Math.max(cl + 8, msg.indexOf('"', cl + 8)));
  if (msg.startsWith('OK LOGIN:')) return ftp(info, raw, 'login', 'success', user, ip);
  if (msg.startsWith('FAIL LOGIN:')) return ftp(info, raw, 'login', 'failure', user, ip);
  if (msg.startsWith('CONNECT:')) return ftp(info, raw, 'connect', 'info', null, ip);
  return SKIP;
}

/** vsftpd's own log: `Tue Nov  3 10:00:00 2026 [pid 123] [user] OK LOGIN: Client "1.2.3.4"`. */
export function vsftpdOwnLine(line: string, ctx: ParseContext): ParseResult | null {
  if (line.charCodeAt(3) !== 32) return null;
  const time = parseCtime(line, 0, ctx);
  if (Number.isNaN(time)) return null;
  const rest = line.slice(ctimeEnd).trimStart();
  if (!rest.startsWith('[pid ')) return reject('not a vsftpd log line: no [pid N] after the time');
  return vsftpdMessage(rest, { time, host: null, program: 'vsftpd' });
}

/**
 * ProFTPD: `server (name[ADDR]) - USER u: Login successful.`, `USER u (Login failed): …`,
 * `USER u: no such user found from …`, `SECURITY VIOLATION: root login attempted`,
 * `Maximum login attempts (3) exceeded`, `FTP session opened.` / `closed.`. The address is
 * the one in the first `(name[ADDR])`, before any attacker-controlled text.
 */
export function proftpdMessage(raw: string, info: LineInfo): ParseResult {
  const msg = raw.trim();
  const pam = ftpPam(msg, info);
  if (pam !== null) return pam;
  const lp = msg.indexOf(' (');
  const close = lp === -1 ? -1 : msg.indexOf('])', lp);
  if (close === -1) return SKIP;
  const lb = msg.lastIndexOf('[', close);
  const ip = lb > lp ? msg.slice(lb + 1, close) : null;
  let p = close + 2;
  if (msg.startsWith(' - ', p)) p += 3;
  else if (msg.startsWith(': ', p)) p += 2;
  else return SKIP;
  const text = msg.slice(p);
  if (text.startsWith('USER ') || text.startsWith('ANON ')) {
    const rest = text.slice(5);
    const ok = rest.indexOf(': Login successful');
    if (ok !== -1) return ftp(info, text, 'login', 'success', rest.slice(0, ok), ip);
    const nsu = rest.indexOf(': no such user');
    const lf = rest.indexOf(' (Login failed)');
    if (nsu !== -1 && (lf === -1 || nsu < lf)) return ftp(info, text, 'login', 'failure', rest.slice(0, nsu), ip, true);
    if (lf !== -1) return ftp(info, text, 'login', 'failure', rest.slice(0, lf), ip);
    return SKIP;
  }
  if (text.startsWith('SECURITY VIOLATION: ')) {
    const m = /^SECURITY VIOLATION: (\S+) login attempted/i.exec(text);
    return ftp(info, text, 'login', 'failure', m?.[1] ?? null, ip);
  }
  if (text.startsWith('Maximum login attempts')) return ftp(info, text, 'login', 'failure', null, ip);
  if (text.startsWith('FTP session opened')) return ftp(info, text, 'connect', 'info', null, ip);
  if (text.startsWith('FTP session closed')) return ftp(info, text, 'disconnect', 'info', null, ip);
  return SKIP;
}

/**
 * Pure-FTPd: `(?@1.2.3.4) [WARNING] Authentication failed for user [x]`,
 * `(?@1.2.3.4) [INFO] New connection from 1.2.3.4`, `(?@1.2.3.4) [INFO] x is now logged in`,
 * `(x@1.2.3.4) [INFO] Logout.`
 */
export function pureftpdMessage(raw: string, info: LineInfo): ParseResult {
  const msg = raw.trim();
  if (!msg.startsWith('(')) return SKIP;
  const rp = msg.indexOf(') [');
  if (rp === -1) return SKIP;
  const who = msg.slice(1, rp);
  const at = who.lastIndexOf('@');
  const whoUser = at <= 0 || who.slice(0, at) === '?' ? null : who.slice(0, at);
  const ip = at === -1 ? null : who.slice(at + 1);
  const lvl = msg.indexOf('] ', rp + 3);
  if (lvl === -1) return SKIP;
  const text = msg.slice(lvl + 2);
  if (text.startsWith('Authentication failed for user [')) {
    const end = text.lastIndexOf(']');
    return ftp(info, text, 'login', 'failure', end > 32 ? text.slice(32, end) : null, ip);
  }
  if (text.endsWith(' is now logged in')) return ftp(info, text, 'login', 'success', text.slice(0, -17), ip);
  if (text.startsWith('New connection from ')) return ftp(info, text, 'connect', 'info', null, ip);
  if (text.startsWith('Logout')) return ftp(info, text, 'logout', 'info', whoUser, ip);
  return SKIP;
}

/**
 * Classic ftpd (BSD, linux-ftpd, wu-ftpd): `connection from ADDR (name) at …`,
 * `ANONYMOUS FTP LOGIN FROM ADDR, (anonymous)`, `FTP LOGIN FROM ADDR as user`,
 * `FAILED FTP LOGIN FROM ADDR, user`, `repeated login failures from ADDR`.
 */
export function ftpdMessage(raw: string, info: LineInfo): ParseResult {
  const msg = raw.trim();
  const pam = ftpPam(msg, info);
  if (pam !== null) return pam;
  const addrAfter = (prefix: string): string | null => {
    const i = msg.indexOf(prefix);
    if (i === -1) return null;
    const m = /^([^\s,[]+)(?: \[([^\]]+)\])?/.exec(msg.slice(i + prefix.length));
    return m?.[2] ?? m?.[1] ?? null;
  };
  if (msg.startsWith('connection from ')) return ftp(info, msg, 'connect', 'info', null, addrAfter('connection from '));
  if (msg.startsWith('ANONYMOUS FTP LOGIN FROM '))
    return ftp(info, msg, 'login', 'success', 'anonymous', addrAfter('FROM '));
  if (msg.startsWith('FTP LOGIN FROM ')) {
    const as = msg.lastIndexOf(' as ');
    const comma = msg.lastIndexOf(', ');
    const user = as !== -1 ? msg.slice(as + 4) : comma !== -1 ? msg.slice(comma + 2) : null;
    return ftp(info, msg, 'login', 'success', user, addrAfter('FROM '));
  }
  if (msg.startsWith('FAILED FTP LOGIN FROM ') || msg.startsWith('FTP LOGIN FAILED FROM ')) {
    const comma = msg.lastIndexOf(', ');
    return ftp(info, msg, 'login', 'failure', comma !== -1 ? msg.slice(comma + 2) : null, addrAfter('FROM '));
  }
  if (msg.startsWith('repeated login failures from '))
    return ftp(info, msg, 'login', 'failure', null, addrAfter('from '));
  return SKIP;
}

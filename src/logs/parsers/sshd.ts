// OpenSSH server messages -> AuthEvents of service `ssh`. Input is the message only (after
// the syslog header, or journald's MESSAGE). Logins: Accepted / Failed <method> for
// [invalid user] U from ADDR port N, Invalid user, not-allowed users, PAM failures.
// Connections: Connection from, Did not receive identification string, Unable to negotiate,
// timeouts. Disconnects: Connection closed/reset by, Disconnected from, Received disconnect.
// A disconnect or connect before authentication (`[preauth]`, "authenticating user") is a
// failure; after a login it is info. Messages that name no client and add nothing to the
// record (debug, kex chatter, duplicates such as input_userauth_request) are skips.
//
// User names are attacker-chosen and may contain " from 1.2.3.4 port 22": addresses are
// read from the end of the message, or from the first " from ADDR port N sshN" that OpenSSH's
// own layout allows (see `userFromAddr`). A name built to mimic that layout exactly can still
// mislead, as it does fail2ban.

import type { AuthAction, AuthOutcome, ParseResult } from '../events.ts';
import { SKIP, authResult, kv, toPort, type LineInfo } from './util.ts';

const SERVICE = 'ssh' as const;

/** Drops the prefixes daemons and journald put before the real message. */
function stripPrefixes(m: string): string {
  let msg = m;
  for (let k = 0; k < 4; k++) {
    if (msg.startsWith('error: ')) msg = msg.slice(7);
    else if (msg.startsWith('fatal: ')) msg = msg.slice(7);
    else if (msg.startsWith('[ID ')) {
      // Solaris: [ID 800047 auth.info]
      const rb = msg.indexOf('] ');
      if (rb === -1) break;
      msg = msg.slice(rb + 2);
    } else if (msg.startsWith('kernel:')) {
      // journal: `kernel:[  970.699396]: ` or `kernel: [  970.699397] `
      let p = 7;
      if (msg.charCodeAt(p) === 32) p++;
      if (msg.charCodeAt(p) === 91) {
        const rb = msg.indexOf(']', p);
        if (rb === -1) break;
        p = rb + 1;
      }
      if (msg.charCodeAt(p) === 58) p++;
      if (msg.charCodeAt(p) === 32) p++;
      msg = msg.slice(p);
    } else break;
  }
  return msg;
}

interface Who {
  user: string | null;
  ip: string | null;
  port: number | null;
  /** What came before the address: 'authenticating user', 'invalid user', 'user' or ''. */
  kind: string;
}

/** Reads `[authenticating user U |invalid user U |user U ]ADDR[ port N]` from the end. */
function whoFromEnd(rest: string): Who {
  const toks = rest.split(' ');
  let n = toks.length;
  let port: number | null = null;
  if (n >= 2 && toks[n - 2] === 'port') {
    port = toPort(toks[n - 1]);
    n -= 2;
  }
  const ip = n >= 1 ? (toks[n - 1] ?? null) : null;
  const before = toks.slice(0, Math.max(0, n - 1)).join(' ');
  for (const kind of ['authenticating user ', 'invalid user ', 'user ']) {
    if (before.startsWith(kind)) return { user: before.slice(kind.length), ip, port, kind: kind.trim() };
    if (`${before} ` === kind) return { user: '', ip, port, kind: kind.trim() };
  }
  return { user: null, ip, port, kind: '' };
}

/** True when `s[at..]` is `ADDR[ port N[ sshN]]` followed by the end or `: ` (auth info). */
function addrTail(s: string, at: number): { ip: string; port: number | null } | null {
  let sp = s.indexOf(' ', at);
  const ipEnd = sp === -1 ? s.length : sp;
  const ip = s.slice(at, ipEnd);
  if (ip === '' || ip.endsWith(':')) {
    return null;
  }
  if (sp === -1) return { ip, port: null };
  let port: number | null = null;
  if (s.startsWith(' port ', ipEnd)) {
    const p0 = ipEnd + 6;
    sp = s.indexOf(' ', p0);
    port = toPort(s.slice(p0, sp === -1 ? s.length : sp));
    if (port === null) return null;
    if (sp === -1) return { ip, port };
  } else return null;
  // after the port: " sshN" then the end or ": auth info"
  if (s.startsWith(' ssh', sp)) {
    const after = s.indexOf(' ', sp + 1);
    const tok = s.slice(sp + 1, after === -1 ? s.length : after);
    if (after === -1) return /^ssh\d?:?$/.test(tok) ? { ip, port } : null;
    if (/^ssh\d?:$/.test(tok)) return { ip, port };
    return null;
  }
  return null;
}

/** For "Failed/Accepted M for U from ADDR ...": U and the address, robust to names with " from ". */
function userFromAddr(s: string): { user: string; ip: string | null; port: number | null } {
  let i = 0;
  for (;;) {
    const f = s.indexOf(' from ', i);
    if (f === -1) break;
    const t = addrTail(s, f + 6);
    if (t !== null) return { user: s.slice(0, f), ip: t.ip, port: t.port };
    i = f + 1;
  }
  // Nothing fits OpenSSH's layout: take the last " from ".
  const f = s.lastIndexOf(' from ');
  if (f === -1) return { user: s, ip: null, port: null };
  const w = whoFromEnd(s.slice(f + 6).split(':')[0] ?? '');
  return { user: s.slice(0, f), ip: w.ip, port: w.port };
}

/** `pam_unix(svc:kind): text` -> text (and the kind); other messages unchanged. */
export function pamSplit(msg: string): { kind: string | null; text: string } {
  if (!msg.startsWith('pam_unix(')) return { kind: null, text: msg };
  const close = msg.indexOf('): ');
  if (close === -1) return { kind: null, text: msg };
  const inner = msg.slice(9, close);
  const colon = inner.indexOf(':');
  return { kind: colon === -1 ? null : inner.slice(colon + 1), text: msg.slice(close + 3) };
}

/** `session opened for user U(uid=0) by V(uid=1000)` -> [U, V]. */
export function sessionUsers(text: string): { target: string | null; by: string | null } {
  const m = /^session (?:opened|closed) for user (\S+?)(?:\(uid=\d+\))?(?: by (\S*?)(?:\(uid=\d+\))?)?\s*$/.exec(text);
  if (m === null) return { target: null, by: null };
  const by = m[2] === undefined || m[2] === '' ? null : m[2];
  return { target: m[1] ?? null, by };
}

function ev(
  info: LineInfo,
  msg: string,
  action: AuthAction,
  outcome: AuthOutcome,
  w: Partial<Who> & { method?: string | null; invalidUser?: boolean },
): ParseResult {
  return authResult(info, msg, {
    service: SERVICE,
    action,
    outcome,
    user: w.user ?? null,
    ip: w.ip ?? null,
    port: w.port ?? null,
    method: w.method ?? null,
    invalidUser: w.invalidUser ?? false,
  });
}

/** Classifies one sshd message. */
export function sshdMessage(raw: string, info: LineInfo): ParseResult {
  let msg = stripPrefixes(raw.trim());
  if (msg.startsWith('message repeated ')) {
    // rsyslog: `message repeated 2 times: [ Failed password for root from 1.2.3.4 port 22]`
    const lb = msg.indexOf(': [ ');
    if (lb === -1 || !msg.endsWith(']')) return SKIP;
    msg = stripPrefixes(msg.slice(lb + 4, -1).trim());
  }
  const full = msg;
  const preauth = msg.endsWith(' [preauth]');
  if (preauth) msg = msg.slice(0, -10);

  const c0 = msg.charCodeAt(0);
  // A (65) / F (70): the login lines, most frequent first.
  if ((c0 === 70 && msg.startsWith('Failed ')) || (c0 === 65 && msg.startsWith('Accepted '))) {
    const ok = c0 === 65;
    const sp = msg.indexOf(' ', ok ? 9 : 7);
    if (sp === -1 || !msg.startsWith(' for ', sp)) return SKIP;
    const method = msg.slice(ok ? 9 : 7, sp);
    let rest = msg.slice(sp + 5);
    let invalidUser = false;
    if (rest.startsWith('invalid user ')) {
      invalidUser = true;
      rest = rest.slice(12);
    }
    const u = userFromAddr(rest);
    let user: string | null = invalidUser ? u.user.replace(/^ /, '') : u.user;
    if (user === '<invalid username>') {
      user = null;
      invalidUser = true;
    }
    return ev(info, full, 'login', ok ? 'success' : 'failure', { user, ip: u.ip, port: u.port, method, invalidUser });
  }
  if (msg.startsWith('Invalid user ')) {
    const rest = msg.slice(13);
    const f = rest.lastIndexOf(' from ');
    if (f === -1) return ev(info, full, 'login', 'failure', { user: rest, invalidUser: true });
    const w = whoFromEnd(rest.slice(f + 6));
    return ev(info, full, 'login', 'failure', { user: rest.slice(0, f), ip: w.ip, port: w.port, invalidUser: true });
  }
  if (msg.startsWith('Connection closed by ') || msg.startsWith('Connection reset by ')) {
    const w = whoFromEnd(msg.slice(msg.indexOf(' by ') + 4));
    const before = preauth || w.kind === 'authenticating user' || w.kind === 'invalid user';
    return ev(info, full, 'disconnect', before ? 'failure' : 'info', { ...w, invalidUser: w.kind === 'invalid user' });
  }
  if (msg.startsWith('Disconnected from ')) {
    const w = whoFromEnd(msg.slice(18));
    if (w.kind === 'user') return ev(info, full, 'logout', 'info', w);
    const before = preauth || w.kind !== '';
    return ev(info, full, 'disconnect', before ? 'failure' : 'info', { ...w, invalidUser: w.kind === 'invalid user' });
  }
  if (msg.startsWith('Received disconnect from ')) {
    // Received disconnect from ADDR[ port N]:CODE: reason
    const rest = msg.slice(25);
    // IPv6 addresses hold colons, so the address ends where `[ port N]: CODE: ` begins.
    const m = /^(.*?)(?: port (\d+))?: ?(\d+): (.*)$/.exec(rest);
    const ip = m?.[1] ?? rest.split(' ')[0] ?? null;
    const port = toPort(m?.[2]);
    const code = Number(m?.[3] ?? '0');
    const reason = m?.[4] ?? '';
    const failed = preauth || code === 14 || /auth(?:entication)? fail/i.test(reason);
    return ev(info, full, 'disconnect', failed ? 'failure' : 'info', { ip, port });
  }
  if (msg.startsWith('Did not receive identification string from ')) {
    const w = whoFromEnd(msg.slice(43));
    return ev(info, full, 'connect', 'failure', w);
  }
  if (msg.startsWith('Connection from ')) {
    // Connection from ADDR port N on ADDR port 22[ rdomain ""]
    const m = /^Connection from (\S+) port (\d+)/.exec(msg);
    if (m === null) return SKIP;
    return ev(info, full, 'connect', 'info', { ip: m[1] ?? null, port: toPort(m[2]) });
  }
  if (msg.startsWith('User ')) {
    const na = msg.indexOf(' not allowed because ');
    if (na === -1) return SKIP;
    const head = msg.slice(5, na);
    const f = head.lastIndexOf(' from ');
    if (f === -1) return ev(info, full, 'login', 'failure', { user: head });
    return ev(info, full, 'login', 'failure', { user: head.slice(0, f), ip: head.slice(f + 6) });
  }
  if (msg.startsWith('ROOT LOGIN REFUSED FROM ')) {
    const w = whoFromEnd(msg.slice(24));
    return ev(info, full, 'login', 'failure', { user: 'root', ip: w.ip, port: w.port });
  }
  if (msg.startsWith('refused connect from ')) {
    // tcp wrappers: refused connect from NAME (ADDR)
    const lp = msg.lastIndexOf('(');
    const rp = msg.lastIndexOf(')');
    const ip = lp !== -1 && rp > lp ? msg.slice(lp + 1, rp) : (msg.slice(21).split(' ')[0] ?? null);
    return ev(info, full, 'connect', 'failure', { ip });
  }
  if (msg.startsWith('PAM: ')) {
    // PAM: Authentication failure for U from HOST | authentication error for U from HOST via X
    // PAM: User not known to the underlying authentication module for illegal user U from HOST
    const m =
      /^PAM: (?:[Aa]uthentication (?:failure|error)|User not known to the underlying authentication module) for (illegal user )?(.*) from (\S+?)(?: via \S+)?\s*$/.exec(
        msg,
      );
    if (m === null) return SKIP;
    return ev(info, full, 'login', 'failure', {
      user: m[2] ?? null,
      ip: m[3] ?? null,
      invalidUser: m[1] !== undefined,
      method: 'pam',
    });
  }
  if (
    msg.startsWith('pam_unix(') ||
    msg.startsWith('authentication failure;') ||
    msg.startsWith('session opened') ||
    msg.startsWith('session closed')
  ) {
    const p = pamSplit(msg);
    if (p.text.startsWith('authentication failure;')) {
      const user = kv(p.text, 'user=') ?? kv(p.text, 'ruser=');
      return ev(info, full, 'login', 'failure', { user, ip: kv(p.text, 'rhost='), method: 'password' });
    }
    if (p.text.startsWith('session opened'))
      return ev(info, full, 'session', 'success', { user: sessionUsers(p.text).target });
    if (p.text.startsWith('session closed'))
      return ev(info, full, 'logout', 'info', { user: sessionUsers(p.text).target });
    return SKIP;
  }
  if (msg.startsWith('Disconnecting')) {
    // Disconnecting: Too many authentication failures[ for U]
    // Disconnecting (invalid|authenticating) user U ADDR port N: reason
    if (msg.startsWith('Disconnecting: Too many authentication failures')) {
      const f = msg.indexOf(' for ', 47);
      return ev(info, full, 'login', 'failure', { user: f === -1 ? null : msg.slice(f + 5) });
    }
    const m = /^Disconnecting (invalid|authenticating) user (.*) (\S+) port (\d+): /.exec(msg);
    if (m === null) return SKIP;
    return ev(info, full, 'login', 'failure', {
      user: m[2] ?? null,
      ip: m[3] ?? null,
      port: toPort(m[4]),
      invalidUser: m[1] === 'invalid',
    });
  }
  if (msg.startsWith('maximum authentication attempts exceeded for ')) {
    let rest = msg.slice(45);
    let invalidUser = false;
    if (rest.startsWith('invalid user ')) {
      invalidUser = true;
      rest = rest.slice(13);
    }
    const u = userFromAddr(rest);
    return ev(info, full, 'login', 'failure', { user: u.user, ip: u.ip, port: u.port, invalidUser });
  }
  if (msg.startsWith('Unable to negotiate with ')) {
    const m = /^Unable to negotiate with (\S+) port (\d+)/.exec(msg);
    return ev(info, full, 'connect', 'failure', { ip: m?.[1] ?? null, port: toPort(m?.[2]) });
  }
  if (msg.startsWith('Bad protocol version identification ')) {
    const f = msg.lastIndexOf(' from ');
    if (f === -1) return SKIP;
    return ev(info, full, 'connect', 'failure', whoFromEnd(msg.slice(f + 6)));
  }
  if (
    msg.startsWith('banner exchange: Connection from ') ||
    msg.startsWith('ssh_dispatch_run_fatal: Connection from ')
  ) {
    const at = msg.indexOf('Connection from ') + 16;
    const colon = msg.indexOf(': ', at);
    const w = whoFromEnd(msg.slice(at, colon === -1 ? msg.length : colon));
    return ev(info, full, 'connect', 'failure', { ...w, invalidUser: w.kind === 'invalid user' });
  }
  if (msg.startsWith('Timeout before authentication for ')) {
    const rest = msg.slice(34);
    if (rest.startsWith('connection from ')) {
      const m = /^connection from (\S+)/.exec(rest);
      return ev(info, full, 'connect', 'failure', { ip: m?.[1] ?? null });
    }
    return ev(info, full, 'connect', 'failure', whoFromEnd(rest));
  }
  return SKIP;
}

// sudo and su messages -> AuthEvents of services `sudo` and `su`. `user` is the person who
// ran sudo/su, `targetUser` the account they became, `command` the command line (sudo).
//
//   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -la     -> command success
//   alice : 3 incorrect password attempts ; TTY=pts/0 ; ... ; COMMAND=/bin/sh  -> login failure
//   alice : user NOT in sudoers ; TTY=pts/0 ; ... ; COMMAND=/bin/sh            -> command failure
//   pam_unix(sudo:auth): authentication failure; ... ruser=alice ... user=alice -> login failure
//   Successful su for root by alice / FAILED su for root by alice / + pts/0 alice:root
//   pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)

import type { AuthAction, AuthOutcome, ParseResult } from '../events.ts';
import { pamSplit, sessionUsers } from './sshd.ts';
import { SKIP, authResult, kv, type LineInfo } from './util.ts';

const KEYS = ['TTY', 'PWD', 'USER', 'GROUP', 'ENV', 'TSID', 'CHROOT', 'CWD', 'COMMAND'];

/** Classifies one sudo message. */
export function sudoMessage(raw: string, info: LineInfo): ParseResult {
  const msg = raw.trim();
  if (msg.startsWith('pam_unix(')) {
    const p = pamSplit(msg);
    if (p.text.startsWith('authentication failure;')) {
      const user = kv(p.text, 'ruser=') ?? kv(p.text, 'logname=') ?? kv(p.text, 'user=');
      return authResult(info, msg, { service: 'sudo', action: 'login', outcome: 'failure', user, method: 'password' });
    }
    return SKIP;
  }
  const sep = msg.indexOf(' : ');
  if (sep <= 0) return SKIP;
  const user = msg.slice(0, sep);
  let rest = msg.slice(sep + 3);
  const flags: string[] = [];
  const fields: Record<string, string> = {};
  while (rest.length > 0) {
    const eq = rest.indexOf('=');
    const key = eq > 0 ? rest.slice(0, eq) : '';
    if (key === 'COMMAND') {
      // The command line is the rest of the message, ` ; ` and all.
      fields['COMMAND'] = rest.slice(eq + 1);
      break;
    }
    const next = rest.indexOf(' ; ');
    const part = next === -1 ? rest : rest.slice(0, next);
    if (KEYS.includes(key)) fields[key] = part.slice(eq + 1);
    else flags.push(part);
    rest = next === -1 ? '' : rest.slice(next + 3);
  }
  const command = fields['COMMAND'] ?? null;
  const targetUser = fields['USER'] ?? 'root';
  let action: AuthAction = 'command';
  let outcome: AuthOutcome = 'success';
  for (const f of flags) {
    if (/incorrect password attempt|authentication failure|password is required/.test(f)) {
      action = 'login';
      outcome = 'failure';
    } else if (/NOT in sudoers|not allowed|NOT allowed|not in sudoers/.test(f)) {
      outcome = 'failure';
    }
  }
  if (command === null && outcome === 'success') return SKIP;
  return authResult(info, msg, { service: 'sudo', action, outcome, user, targetUser, command });
}

/** Classifies one su message. */
export function suMessage(raw: string, info: LineInfo): ParseResult {
  const msg = raw.trim();
  const su = (action: AuthAction, outcome: AuthOutcome, user: string | null, targetUser: string | null): ParseResult =>
    authResult(info, msg, { service: 'su', action, outcome, user, targetUser });
  const p = pamSplit(msg);
  const text = p.text;
  if (text.startsWith('session opened for user ')) {
    const s = sessionUsers(text);
    return su('session', 'success', s.by, s.target);
  }
  if (text.startsWith('session closed for user ')) return su('logout', 'info', null, sessionUsers(text).target);
  if (text.startsWith('authentication failure;')) {
    return su('login', 'failure', kv(text, 'ruser=') ?? kv(text, 'logname='), kv(text, 'user='));
  }
  let m = /^(Successful|FAILED) su for (\S+) by (\S+)/.exec(text);
  if (m !== null) return su('login', m[1] === 'FAILED' ? 'failure' : 'success', m[3] ?? null, m[2] ?? null);
  // shadow-utils: `+ pts/0 alice:root` (success) / `- pts/0 alice:root` (failure)
  m = /^([+-]) \S+ ([^:\s]+):(\S+)$/.exec(text);
  if (m !== null) return su('login', m[1] === '+' ? 'success' : 'failure', m[2] ?? null, m[3] ?? null);
  // util-linux: `(to root) alice on pts/1` / `FAILED SU (to root) alice on pts/1`
  m = /^(FAILED SU )?\(to (\S+)\) (\S+) on /.exec(text);
  if (m !== null) return su('login', m[1] === undefined ? 'success' : 'failure', m[3] ?? null, m[2] ?? null);
  return SKIP;
}

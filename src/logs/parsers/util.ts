// Small shared pieces of the log parsers: result constructors, address normalisation, the
// unescaping of logged fields, and the AuthEvent builder. Everything here is pure and never
// throws on any input string.

import type { AuthAction, AuthEvent, AuthOutcome, AuthService, ParseResult } from '../events.ts';

/** One shared skip result: parsers return it for well-formed lines that are not key traffic. */
export const SKIP: ParseResult = Object.freeze({ type: 'skip' }) as ParseResult;

export function reject(reason: string): ParseResult {
  return { type: 'reject', reason };
}

/** Longest message kept on an AuthEvent (evidence, not an archive of the raw log). */
const MAX_MESSAGE = 500;

export function shortMessage(s: string): string {
  return s.length <= MAX_MESSAGE ? s : `${s.slice(0, MAX_MESSAGE - 1)}…`;
}

/**
 * One address as the rest of Ripcord compares it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes
 * plain IPv4 and brackets around IPv6 (`[2001:db8::1]`) are dropped, so the same client is one
 * key whichever way a daemon wrote it. Anything else is kept as logged (host names included).
 */
export function normIp(s: string): string {
  if (s.length === 0) return s;
  const c0 = s.charCodeAt(0);
  if (c0 === 58 /* : */ || c0 === 70 || c0 === 102 /* F f */) {
    if (
      s.length > 7 &&
      s.charCodeAt(s.length - 1) !== 58 &&
      (s.startsWith('::ffff:') || s.startsWith('::FFFF:')) &&
      s.indexOf('.', 7) !== -1
    ) {
      return s.slice(7);
    }
    return s;
  }
  if (c0 === 91 /* [ */ && s.charCodeAt(s.length - 1) === 93) return normIp(s.slice(1, -1));
  return s;
}

/** True for something shaped like an IPv4 or IPv6 address (hex digits, dots, colons only). */
export function looksLikeIp(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let dots = 0;
  let colons = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return (dots === 3 && colons === 0) || colons >= 2;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Undoes the escaping web servers apply to logged fields: Apache writes `\"`, `\\`, `\n`,
 * `\t`, `\r`, `\b`, `\v` and `\xHH`; nginx writes `\xHH` for `"`, `\` and non-printable bytes.
 * `\xHH` above 0x7f stays as text: one byte of a multi-byte character cannot be made a
 * character on its own, and keeping the escape keeps the evidence exact.
 */
export function unescapeLogged(s: string): string {
  let i = s.indexOf('\\');
  if (i === -1) return s;
  let out = s.slice(0, i);
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 92 || i + 1 >= n) {
      out += s[i];
      i++;
      continue;
    }
    const d = s.charCodeAt(i + 1);
    switch (d) {
      case 34:
        out += '"';
        i += 2;
        continue;
      case 92:
        out += '\\';
        i += 2;
        continue;
      case 110:
        out += '\n';
        i += 2;
        continue;
      case 116:
        out += '\t';
        i += 2;
        continue;
      case 114:
        out += '\r';
        i += 2;
        continue;
      case 98:
        out += '\b';
        i += 2;
        continue;
      case 118:
        out += '\v';
        i += 2;
        continue;
      case 120: {
        const h1 = i + 2 < n ? hexVal(s.charCodeAt(i + 2)) : -1;
        const h2 = i + 3 < n ? hexVal(s.charCodeAt(i + 3)) : -1;
        if (h1 >= 0 && h2 >= 0 && h1 < 8) {
          out += String.fromCharCode(h1 * 16 + h2);
          i += 4;
          continue;
        }
        break;
      }
      default:
        break;
    }
    out += '\\';
    i++;
  }
  return out;
}

/** `-` and '' mean "not logged". */
export function dashNull(s: string): string | null {
  return s === '-' || s === '' ? null : s;
}

/** Where a line came from, as far as its header says. */
export interface LineInfo {
  time: number;
  host: string | null;
  program: string | null;
}

export interface AuthFields {
  service: AuthService;
  action: AuthAction;
  outcome: AuthOutcome;
  user?: string | null;
  ip?: string | null;
  port?: number | null;
  method?: string | null;
  invalidUser?: boolean;
  targetUser?: string | null;
  command?: string | null;
}

/** Builds an AuthEvent result with every field present (one object shape for all parsers). */
export function authResult(info: LineInfo, message: string, f: AuthFields): ParseResult {
  const ip = f.ip ?? null;
  const event: AuthEvent = {
    kind: 'auth',
    time: info.time,
    service: f.service,
    action: f.action,
    outcome: f.outcome,
    user: f.user ?? null,
    ip: ip === null || ip === '' ? null : normIp(ip),
    port: f.port ?? null,
    method: f.method ?? null,
    invalidUser: f.invalidUser ?? false,
    targetUser: f.targetUser ?? null,
    command: f.command ?? null,
    host: info.host,
    program: info.program,
    message: shortMessage(message),
  };
  return { type: 'event', event };
}

/** Parses a decimal port; null when absent or not a port. */
export function toPort(s: string | undefined): number | null {
  if (s === undefined || s.length === 0 || s.length > 5) return null;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v <= 65535 ? v : null;
}

/** Reads `key=value` (value up to the next space) from a PAM-style message; null when absent or empty. */
export function kv(msg: string, key: string): string | null {
  let from = 0;
  for (;;) {
    const i = msg.indexOf(key, from);
    if (i === -1) return null;
    if (i === 0 || msg.charCodeAt(i - 1) === 32 || msg.charCodeAt(i - 1) === 59) {
      const start = i + key.length;
      let end = msg.indexOf(' ', start);
      if (end === -1) end = msg.length;
      const v = msg.slice(start, end);
      return v === '' ? null : v;
    }
    from = i + key.length;
  }
}

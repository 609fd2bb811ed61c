// The `shop-admin` format: JSON lines a shop extension (Magento module, WordPress plugin, …)
// writes for every admin-area login, so Ripcord records who logged in with certainty rather
// than by guessing from the access log. One object per line:
//
//   {"time": "2026-10-10T13:55:36Z", "user": "admin", "ip": "203.0.113.9", "success": true}
//
//   time       required: ISO 8601, epoch seconds or milliseconds
//   user       required: the admin account name tried
//   ip         required: client address (`::ffff:` prefixes are dropped)
//   success    required: true for a login that worked, false for a failed one
//   event      optional: "login" (default), "logout", "2fa" (a second-factor check, as a
//              login) or "session"
//   platform   optional: magento2, wordpress, … (kept as the event's program)
//   method     optional: password, sso, api-token, …
//   host       optional: the shop's host name
//   message    optional: free text for the evidence (cut to 500 characters)

import type { AuthAction, ParseContext, ParseResult } from '../events.ts';
import { parseAnyTime } from './time.ts';
import { authResult, reject } from './util.ts';

const ACTIONS: Record<string, AuthAction> = { login: 'login', '2fa': 'login', logout: 'logout', session: 'session' };

export function parseShopAdminLine(line: string, ctx: ParseContext): ParseResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return reject('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject('JSON value is not an object');
  const o = v as Record<string, unknown>;
  const s = (k: string): string | null => (typeof o[k] === 'string' ? (o[k] as string) : null);
  const time = parseAnyTime(o['time'], ctx);
  if (Number.isNaN(time)) return reject('missing or bad "time"');
  const user = s('user');
  if (user === null) return reject('missing "user"');
  const ip = s('ip');
  if (ip === null) return reject('missing "ip"');
  if (typeof o['success'] !== 'boolean') return reject('missing "success" (true or false)');
  const event = s('event') ?? 'login';
  const action = ACTIONS[event];
  if (action === undefined)
    return reject(`unknown "event" ${JSON.stringify(event.slice(0, 20))} (login, logout, 2fa, session)`);
  const success = o['success'];
  const message = s('message') ?? `${event} ${success ? 'succeeded' : 'failed'}`;
  return authResult({ time, host: s('host'), program: s('platform') ?? 'shop-admin' }, message, {
    service: 'shop-admin',
    action,
    outcome: action === 'logout' ? 'info' : success ? 'success' : 'failure',
    user,
    ip,
    method: s('method'),
  });
}

// API tokens: created (shown once), listed, revoked, and checked for the HTTP API. Composition
// over the token store; the token itself is never stored or logged, only its SHA-256.

import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { SqlTokenStore, type TokenInfo, type TokenScope } from '../adapters/db/tokens-store.ts';
import { AppError } from '../core/errors.ts';
import type { App } from './context.ts';

export type { TokenInfo, TokenScope };

async function store(app: App): Promise<SqlTokenStore> {
  const s = new SqlTokenStore(await app.db());
  await s.init();
  return s;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createToken(
  app: App,
  name: string,
  scope: TokenScope,
): Promise<{ name: string; scope: TokenScope; token: string }> {
  if (!/^[A-Za-z0-9][\w.-]{0,63}$/.test(name))
    throw new AppError('usage', 'a token name is 1-64 letters, digits, dots, dashes or underscores', {
      where: 'tokens',
    });
  const token = `rc_${randomBytes(32).toString('base64url')}`;
  await (await store(app)).add(name, hashOf(token), scope, app.clock.now());
  return { name, scope, token };
}

export async function listTokens(app: App): Promise<TokenInfo[]> {
  return (await store(app)).list();
}

export async function revokeToken(app: App, name: string): Promise<TokenInfo> {
  const s = await store(app);
  if (!(await s.revoke(name, app.clock.now()))) {
    const t = (await s.list()).find((x) => x.name === name);
    if (t === undefined) throw new AppError('not_found', `no token "${name}"`, { where: 'tokens' });
    return t;
  }
  return (await s.list()).find((x) => x.name === name) as TokenInfo;
}

/** The live token a request presents, or null. */
export async function checkToken(app: App, token: string): Promise<TokenInfo | null> {
  if (!/^rc_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return (await store(app)).use(hashOf(token), app.clock.now());
}

// ---- dashboard sign-in: a one-time link printed on the server opens a session --------------

const LINK_MS = 15 * 60_000;
const SESSION_MS = 12 * 3_600_000;

/** A one-time sign-in link, valid 15 minutes (`ripcord dashboard link`). */
export async function createLoginLink(app: App): Promise<{ url: string; expiresAt: number }> {
  const listen = app.config.http.listen;
  if (listen === null)
    throw new AppError('config_invalid', 'the dashboard needs http.listen (e.g. 127.0.0.1:8484)', {
      where: 'http.listen',
    });
  const token = randomBytes(32).toString('base64url');
  const expiresAt = app.clock.now() + LINK_MS;
  await (await store(app)).addLink(hashOf(token), expiresAt);
  return { url: `${app.config.http.tls === null ? 'http' : 'https'}://${listen}/login?t=${token}`, expiresAt };
}

/** Redeems a link (once) for a session id and its CSRF token; null when used, expired or unknown. */
async function openSession(s: SqlTokenStore, now: number): Promise<{ session: string; csrf: string; maxAgeS: number }> {
  const session = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  await s.addSession(hashOf(session), csrf, now, now + SESSION_MS);
  return { session, csrf, maxAgeS: SESSION_MS / 1000 };
}

// ---- dashboard passwords: scrypt (N=2^15, r=8, p=1, 64 MiB), salted, parameters kept with it --

const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 96 * 1024 * 1024 } as const;

function scryptHash(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { ...o, maxmem: SCRYPT.maxmem }, (e, key) =>
      e === null ? resolve(key) : reject(e),
    ),
  );
}

/** A stored password: `scrypt$N$r$p$salt$hash` (base64url). */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptHash(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scryptHash(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

export const userNamePattern = /^[A-Za-z0-9][\w.@-]{0,63}$/;

/** Sets a dashboard user's password (`ripcord dashboard password`). */
export async function setDashboardPassword(app: App, user: string, password: string): Promise<{ user: string }> {
  if (!userNamePattern.test(user))
    throw new AppError('usage', 'a user name is 1-64 letters, digits, dots, @, dashes or underscores', {
      where: 'dashboard password',
    });
  if (password.length < 12)
    throw new AppError('usage', 'a dashboard password has at least 12 characters', { where: 'dashboard password' });
  await (await store(app)).setUser(user, await hashPassword(password), app.clock.now());
  return { user };
}

/** Whether anyone can sign in with a password (the sign-in page shows the form then). */
export async function hasDashboardUsers(app: App): Promise<boolean> {
  return (await store(app)).hasUsers();
}

// An unknown user costs the same scrypt as a known one (no timing oracle for user names).
let dummyHash: Promise<string> | null = null;

/** Signs in with a password: a session, or null when the user or password is wrong. */
export async function passwordLogin(
  app: App,
  user: string,
  password: string,
): Promise<{ session: string; csrf: string; maxAgeS: number } | null> {
  const s = await store(app);
  const stored = userNamePattern.test(user) && password.length <= 1024 ? await s.userHash(user) : null;
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const ok = await verifyPassword(password.slice(0, 1024), stored ?? (await dummyHash));
  return ok && stored !== null ? openSession(s, app.clock.now()) : null;
}

export async function redeemLoginLink(
  app: App,
  token: string,
): Promise<{ session: string; csrf: string; maxAgeS: number } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const s = await store(app);
  const now = app.clock.now();
  if (!(await s.useLink(hashOf(token), now))) return null;
  return openSession(s, now);
}

export async function checkSession(app: App, session: string): Promise<{ csrf: string } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(session)) return null;
  return (await store(app)).session(hashOf(session), app.clock.now());
}

/** How a session is named in the audit log: a prefix of its hash, never of the secret itself. */
export function sessionLabel(session: string): string {
  return `dashboard session ${hashOf(session).slice(0, 8)}`;
}

export async function endSession(app: App, session: string): Promise<void> {
  await (await store(app)).endSession(hashOf(session));
}

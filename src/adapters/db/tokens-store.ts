// API tokens on the SQL interface (SQLite and PostgreSQL): only a SHA-256 of each token is
// kept (tokens are 256 random bits, so a fast hash is enough and a stolen database holds no
// usable token); a revoked token stays listed with when it was revoked.

import { AppError } from '../../core/errors.ts';
import { numOrNull, type Db, type Migration } from './db.ts';

export type TokenScope = 'read' | 'write';

export interface TokenInfo {
  name: string;
  scope: TokenScope;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const tables = (id: string, int: string): string => `
CREATE TABLE api_tokens (id ${id}, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
  created_at ${int} NOT NULL, last_used_at ${int}, revoked_at ${int});
`;

// dashboard sign-in: one-time links and the sessions they open (hashes only, with expiry)
const sessions = (int: string): string => `
CREATE TABLE dash_links (hash TEXT PRIMARY KEY, expires_at ${int} NOT NULL, used_at ${int});
CREATE TABLE dash_sessions (hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created_at ${int} NOT NULL,
  expires_at ${int} NOT NULL);
`;

// dashboard users who sign in with a password (scrypt hash with its parameters and salt)
const users = (int: string): string => `
CREATE TABLE dash_users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, created_at ${int} NOT NULL,
  updated_at ${int} NOT NULL);
`;

const migrations: Migration[] = [
  { version: 1, sqlite: tables('INTEGER PRIMARY KEY', 'INTEGER'), postgres: tables('BIGSERIAL PRIMARY KEY', 'BIGINT') },
  { version: 2, sqlite: sessions('INTEGER'), postgres: sessions('BIGINT') },
  { version: 3, sqlite: users('INTEGER'), postgres: users('BIGINT') },
];

const info = (r: Record<string, unknown>): TokenInfo => ({
  name: String(r['name']),
  scope: String(r['scope']) === 'write' ? 'write' : 'read',
  createdAt: Number(r['created_at']),
  lastUsedAt: numOrNull(r['last_used_at']),
  revokedAt: numOrNull(r['revoked_at']),
});

export class SqlTokenStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  async init(): Promise<void> {
    await this.#db.migrate('tokens', migrations);
  }

  async add(name: string, hash: string, scope: TokenScope, at: number): Promise<void> {
    const r = await this.#db.run(
      'INSERT INTO api_tokens (name, hash, scope, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [name, hash, scope, at],
    );
    if (r.changes === 0) throw new AppError('conflict', `a token named "${name}" exists already`, { where: 'tokens' });
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.#db.query('SELECT * FROM api_tokens ORDER BY id')).map(info);
  }

  async revoke(name: string, at: number): Promise<boolean> {
    const r = await this.#db.run('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL', [
      at,
      name,
    ]);
    return r.changes > 0;
  }

  /** The live token with this hash, marking its use (at most once a minute, to spare writes). */
  async use(hash: string, at: number): Promise<TokenInfo | null> {
    const [r] = await this.#db.query('SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL', [hash]);
    if (r === undefined) return null;
    const t = info(r);
    if (t.lastUsedAt === null || at - t.lastUsedAt > 60_000)
      await this.#db.run('UPDATE api_tokens SET last_used_at = ? WHERE hash = ?', [at, hash]);
    return t;
  }

  async addLink(hash: string, expiresAt: number): Promise<void> {
    await this.#db.run('INSERT INTO dash_links (hash, expires_at) VALUES (?, ?)', [hash, expiresAt]);
  }

  /** Uses a link once: true only for the first use before it expires. */
  async useLink(hash: string, at: number): Promise<boolean> {
    const r = await this.#db.run(
      'UPDATE dash_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?',
      [at, hash, at],
    );
    return r.changes > 0;
  }

  async addSession(hash: string, csrf: string, at: number, expiresAt: number): Promise<void> {
    await this.#db.run('INSERT INTO dash_sessions (hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)', [
      hash,
      csrf,
      at,
      expiresAt,
    ]);
  }

  async session(hash: string, at: number): Promise<{ csrf: string } | null> {
    const [r] = await this.#db.query('SELECT csrf FROM dash_sessions WHERE hash = ? AND expires_at > ?', [hash, at]);
    return r === undefined ? null : { csrf: String(r['csrf']) };
  }

  async endSession(hash: string): Promise<void> {
    await this.#db.run('DELETE FROM dash_sessions WHERE hash = ?', [hash]);
  }

  /** Sets (or replaces) a dashboard user's password hash. */
  async setUser(name: string, hash: string, at: number): Promise<void> {
    await this.#db.run(
      'INSERT INTO dash_users (name, hash, created_at, updated_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at',
      [name, hash, at, at],
    );
  }

  async userHash(name: string): Promise<string | null> {
    const [r] = await this.#db.query('SELECT hash FROM dash_users WHERE name = ?', [name]);
    return r === undefined ? null : String(r['hash']);
  }

  async hasUsers(): Promise<boolean> {
    return (await this.#db.query('SELECT 1 AS one FROM dash_users LIMIT 1')).length > 0;
  }
}

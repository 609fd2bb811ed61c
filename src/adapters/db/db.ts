// The small SQL interface that every store adapter is written against, implemented for
// SQLite (node:sqlite) and PostgreSQL (pg). SQL uses `?` placeholders in both; the PostgreSQL
// side rewrites them to `$n`. Each subsystem keeps its own migrations, per dialect.

type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;
export type Row = Record<string, unknown>;

/** A nullable integer column as a number (PostgreSQL's BIGINT may arrive as a string), or null. */
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export interface RunResult {
  changes: number;
}

export interface Queryable {
  readonly dialect: Dialect;
  /** Rows of a SELECT (or a statement with RETURNING). */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** A statement without rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * PostgreSQL inside a transaction: `COPY … FROM STDIN` fed with rows already in COPY's text
   * format, each ending in a newline (the fastest bulk load); absent elsewhere.
   */
  copyFrom?(sql: string, rows: readonly string[]): Promise<void>;
}

export interface Db extends Queryable {
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Transactions are serialised within the process; `fn` must use the handle it is given.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Applies the named migrations not yet applied, in order, each in its own transaction. */
  migrate(scope: string, migrations: readonly Migration[]): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  /** Increasing version within the scope. */
  version: number;
  sqlite: string;
  postgres: string;
}

export const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
  scope TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (scope, version))`;

/** Rewrites `?` placeholders to `$1, $2, …`, leaving quoted strings and identifiers alone. */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (quote !== null) {
      out += c;
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += `$${++n}`;
    } else out += c;
  }
  return out;
}

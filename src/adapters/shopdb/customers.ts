// CustomerReader (src/notices/ports.ts) over the shop's own database: PostgreSQL, MySQL/MariaDB
// or SQLite, chosen by the URL. The session is read-only (the database refuses writes, so a
// custom query cannot change the shop); rows come a page at a time by id (keyset paging).

import { AppError } from '../../core/errors.ts';
import { toPgPlaceholders } from '../db/db.ts';
import { pageSql, presetSql, type CustomerQuery, type CustomerReader, type CustomerRow } from '../../notices/index.ts';

type Page = (sql: string, params: readonly (string | number)[]) => Promise<Record<string, unknown>[]>;

const text = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return s.trim() === '' ? null : s;
};

class PagedReader implements CustomerReader {
  readonly #page: Page;
  readonly #close: () => Promise<void>;
  readonly #pg: boolean;

  constructor(page: Page, close: () => Promise<void>, pg: boolean) {
    this.#page = page;
    this.#close = close;
    this.#pg = pg;
  }

  async *customers(query: CustomerQuery, batchSize: number): AsyncIterable<CustomerRow> {
    const inner = presetSql(query);
    let after: string | number | null = null;
    for (;;) {
      const p = pageSql(inner, after, batchSize);
      let rows: Record<string, unknown>[];
      try {
        rows = await this.#page(this.#pg ? toPgPlaceholders(p.sql) : p.sql, p.params);
      } catch (e) {
        throw new AppError(
          'unavailable',
          `the shop database refused the customer query: ${e instanceof Error ? e.message : String(e)}`,
          {
            where: `preset ${query.preset}`,
            transient: false,
          },
        );
      }
      for (const r of rows)
        yield {
          id: String(r['id']),
          email: text(r['email']),
          firstName: text(r['first_name']),
          lastName: text(r['last_name']),
          country: text(r['country']),
          region: text(r['region']),
        };
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1]?.['id'];
      if (typeof last !== 'number' && typeof last !== 'string') return;
      after = last;
    }
  }

  close(): Promise<void> {
    return this.#close();
  }
}

const unavailable = (e: unknown): AppError =>
  new AppError('unavailable', `cannot connect to the shop database: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });

/** Opens `postgres://…`, `mysql://…`/`mariadb://…` or `sqlite:PATH`, read-only. */
export async function openCustomerReader(url: string): Promise<CustomerReader> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    } catch (e) {
      await client.end().catch(() => {});
      throw unavailable(e);
    }
    return new PagedReader(
      async (sql, params) => (await client.query(sql, [...params])).rows as Record<string, unknown>[],
      async () => client.end().catch(() => {}),
      true,
    );
  }
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    const { default: mysql } = await import('mysql2/promise');
    let conn: Awaited<ReturnType<typeof mysql.createConnection>>;
    try {
      conn = await mysql.createConnection({
        uri: url.replace(/^mariadb:/, 'mysql:'),
        connectTimeout: 10_000,
        dateStrings: true,
        supportBigNumbers: true,
        charset: 'utf8mb4',
      });
      await conn.query('SET SESSION TRANSACTION READ ONLY');
    } catch (e) {
      throw unavailable(e);
    }
    return new PagedReader(
      async (sql, params) => (await conn.query(sql, [...params]))[0] as Record<string, unknown>[],
      async () => conn.end().catch(() => {}),
      false,
    );
  }
  if (url.startsWith('sqlite:')) {
    const { DatabaseSync } = await import('node:sqlite');
    let db: InstanceType<typeof DatabaseSync>;
    try {
      db = new DatabaseSync(url.slice('sqlite:'.length), { readOnly: true });
    } catch (e) {
      throw unavailable(e);
    }
    return new PagedReader(
      async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
      async () => db.close(),
      false,
    );
  }
  throw new AppError('usage', 'the shop database URL must start with postgres://, mysql://, mariadb:// or sqlite:', {
    where: '--shop-db',
  });
}

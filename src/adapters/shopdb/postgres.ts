// Reads a shop database on PostgreSQL for `integrity scan-db` (ShopDbReader port of
// src/integrity/ports.ts). Read-only; identifiers are checked and quoted, values are
// parameters; keyset paging in key order.

import pg from 'pg';
import { AppError } from '../../core/errors.ts';
import type { ShopDbCell, ShopDbReader } from '../../integrity/index.ts';

const IDENT = /^[A-Za-z0-9_]+$/;

export function quotePg(name: string): string {
  if (!IDENT.test(name))
    throw new AppError('usage', 'table and column names may only have letters, digits and _', { where: name });
  return `"${name}"`;
}

export class PostgresShopDb implements ShopDbReader {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async open(url: string): Promise<PostgresShopDb> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
    } catch (e) {
      throw new AppError(
        'unavailable',
        `cannot connect to the shop database: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    return new PostgresShopDb(client);
  }

  async existingTables(tables: readonly string[]): Promise<Set<string>> {
    const r = await this.#client.query<{ t: string }>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1)',
      [tables],
    );
    return new Set(r.rows.map((x) => x.t));
  }

  async *cells(table: string, key: string, columns: readonly string[], batchSize: number): AsyncIterable<ShopDbCell> {
    const cols = columns.map((c) => `${quotePg(c)}::text AS ${quotePg(c)}`).join(', ');
    const k = quotePg(key);
    let last: string | null = null;
    for (;;) {
      const where: string = last === null ? '' : `WHERE ${k} > $1`;
      const sql: string = `SELECT ${k} AS __k, ${cols} FROM ${quotePg(table)} ${where} ORDER BY ${k} LIMIT ${Math.floor(batchSize)}`;
      const r: pg.QueryResult<Record<string, unknown>> = await this.#client.query<Record<string, unknown>>(
        sql,
        last === null ? [] : [last],
      );
      for (const row of r.rows) {
        for (const c of columns) {
          const v = row[c];
          if (typeof v === 'string' && v !== '') yield { table, column: c, key: String(row['__k']), value: v };
        }
      }
      if (r.rows.length < batchSize) return;
      const lk: unknown = r.rows[r.rows.length - 1]?.['__k'];
      if (lk === undefined || lk === null) return;
      last = String(lk);
    }
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => {});
  }
}

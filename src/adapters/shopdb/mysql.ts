// Reads the shop's MySQL/MariaDB database for `integrity scan-db` (ShopDbReader port of
// src/integrity/ports.ts). Read-only; identifiers are checked against [A-Za-z0-9_] and quoted,
// values travel as parameters. Rows are read in key order, a batch at a time (keyset paging).

import mysql from 'mysql2/promise';
import { AppError } from '../../core/errors.ts';
import type { ShopDbCell, ShopDbReader } from '../../integrity/index.ts';

const IDENT = /^[A-Za-z0-9_]+$/;

export function quoteMysql(name: string): string {
  if (!IDENT.test(name))
    throw new AppError('usage', 'table and column names may only have letters, digits and _', { where: name });
  return `\`${name}\``;
}

export class MysqlShopDb implements ShopDbReader {
  readonly #conn: mysql.Connection;

  private constructor(conn: mysql.Connection) {
    this.#conn = conn;
  }

  static async open(url: string): Promise<MysqlShopDb> {
    try {
      const conn = await mysql.createConnection({
        uri: url,
        connectTimeout: 10_000,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
      });
      return new MysqlShopDb(conn);
    } catch (e) {
      throw new AppError(
        'unavailable',
        `cannot connect to the shop database: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }

  async existingTables(tables: readonly string[]): Promise<Set<string>> {
    if (tables.length === 0) return new Set();
    const [rows] = await this.#conn.query(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)',
      [tables],
    );
    return new Set((rows as { t: string }[]).map((r) => r.t));
  }

  async *cells(table: string, key: string, columns: readonly string[], batchSize: number): AsyncIterable<ShopDbCell> {
    const cols = columns.map(quoteMysql).join(', ');
    const k = quoteMysql(key);
    let last: string | number | null = null;
    for (;;) {
      const where = last === null ? '' : `WHERE ${k} > ?`;
      const sql = `SELECT ${k} AS __k, ${cols} FROM ${quoteMysql(table)} ${where} ORDER BY ${k} LIMIT ${Math.floor(batchSize)}`;
      const [rows] = await this.#conn.query(sql, last === null ? [] : [last]);
      const list = rows as Record<string, unknown>[];
      for (const r of list) {
        for (const c of columns) {
          const v = r[c];
          const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('latin1') : null;
          if (text !== null && text !== '') yield { table, column: c, key: String(r['__k']), value: text };
        }
      }
      if (list.length < batchSize) return;
      last = (list[list.length - 1]?.['__k'] as string | number | undefined) ?? null;
      if (last === null) return;
    }
  }

  async close(): Promise<void> {
    await this.#conn.end().catch(() => {});
  }
}

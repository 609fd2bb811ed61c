// CustomerReader on real shop databases: Magento 2, WooCommerce and PrestaShop customer tables
// seeded on MariaDB and on PostgreSQL (unique database names), a custom query on SQLite. Checks
// the preset's columns and address joins, each scope (created/active range, stored card,
// account password), paging across pages, and that the session cannot write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openCustomerReader } from '../../src/adapters/shopdb/customers.ts';
import type { CustomerQuery, CustomerRow } from '../../src/notices/index.ts';
import { pgAdminUrl, pgSkip, mysqlAdminUrl, mysqlSkip } from '../helpers/db.ts';

const mysqlUrl = mysqlAdminUrl;

/** Schema and rows per platform; `ts` is the dialect's date-time type. */
const seeds: Record<'magento2' | 'woocommerce' | 'prestashop', (ts: string) => string[]> = {
  magento2: (ts) => [
    `CREATE TABLE customer_entity (entity_id INT PRIMARY KEY, email VARCHAR(255), firstname VARCHAR(255), lastname VARCHAR(255),
      password_hash VARCHAR(128), default_billing INT, created_at ${ts}, updated_at ${ts})`,
    'CREATE TABLE customer_address_entity (entity_id INT PRIMARY KEY, parent_id INT, country_id VARCHAR(2), region VARCHAR(255), region_id INT)',
    'CREATE TABLE directory_country_region (region_id INT PRIMARY KEY, country_id VARCHAR(4), code VARCHAR(32))',
    'CREATE TABLE vault_payment_token (entity_id INT PRIMARY KEY, customer_id INT, is_active INT)',
    "INSERT INTO directory_country_region VALUES (12, 'US', 'CA'), (32, 'US', 'MA')",
    "INSERT INTO customer_address_entity VALUES (100, 1, 'US', 'California', 12), (101, 2, 'US', 'Mass.', NULL), (102, 3, 'DE', 'Berlin', NULL)",
    `INSERT INTO customer_entity VALUES
      (1, 'ann@example.com', 'Ann', 'Lee', 'hash1', 100, '2024-01-05 10:00:00', '2026-10-01 00:00:00'),
      (2, 'bob@example.com', 'Bob', 'Ray', '', 101, '2025-06-01 10:00:00', '2025-06-01 10:00:00'),
      (3, 'cem@example.de', 'Cem', 'Yıldız', 'hash3', 102, '2026-02-01 10:00:00', '2026-11-01 00:00:00'),
      (4, 'dee@example.com', 'Dee', 'Noaddr', 'hash4', NULL, '2026-03-01 10:00:00', '2026-03-01 00:00:00')`,
    'INSERT INTO vault_payment_token VALUES (1, 1, 1), (2, 3, 0)',
  ],
  woocommerce: (ts) => [
    `CREATE TABLE wp_users (ID INT PRIMARY KEY, user_email VARCHAR(100), user_pass VARCHAR(255), user_registered ${ts})`,
    'CREATE TABLE wp_usermeta (umeta_id INT PRIMARY KEY, user_id INT, meta_key VARCHAR(255), meta_value TEXT)',
    `CREATE TABLE wp_wc_customer_lookup (customer_id INT PRIMARY KEY, user_id INT, email VARCHAR(100), first_name VARCHAR(255),
      last_name VARCHAR(255), date_last_active ${ts}, date_registered ${ts}, country VARCHAR(2), state VARCHAR(100))`,
    'CREATE TABLE wp_woocommerce_payment_tokens (token_id INT PRIMARY KEY, user_id INT)',
    "INSERT INTO wp_users VALUES (10, 'ann@example.com', '$P$hash', '2024-01-05 10:00:00'), (11, 'bob@example.com', '$P$hash', '2025-01-05 10:00:00')",
    `INSERT INTO wp_usermeta VALUES (1, 11, 'billing_country', 'US'), (2, 11, 'billing_state', 'NY'),
      (3, 11, 'billing_first_name', 'Bob')`,
    `INSERT INTO wp_wc_customer_lookup VALUES
      (1, 10, 'ann@example.com', 'Ann', 'Lee', '2026-10-30 00:00:00', '2024-01-05 10:00:00', 'US', 'CA'),
      (2, 11, '', '', 'Ray', '2025-02-01 00:00:00', '2025-01-05 10:00:00', '', ''),
      (3, NULL, 'guest@example.co.uk', 'Gus', 'Tee', '2026-10-31 00:00:00', NULL, 'GB', '')`,
    'INSERT INTO wp_woocommerce_payment_tokens VALUES (1, 10)',
  ],
  prestashop: (ts) => [
    `CREATE TABLE ps_customer (id_customer INT PRIMARY KEY, email VARCHAR(255), firstname VARCHAR(255), lastname VARCHAR(255),
      passwd VARCHAR(255), is_guest INT, deleted INT, date_add ${ts}, date_upd ${ts})`,
    'CREATE TABLE ps_address (id_address INT PRIMARY KEY, id_customer INT, id_country INT, id_state INT, deleted INT)',
    'CREATE TABLE ps_country (id_country INT PRIMARY KEY, iso_code VARCHAR(3))',
    'CREATE TABLE ps_state (id_state INT PRIMARY KEY, iso_code VARCHAR(7))',
    "INSERT INTO ps_country VALUES (8, 'FR'), (21, 'US')",
    "INSERT INTO ps_state VALUES (5, 'CA'), (6, 'TX')",
    'INSERT INTO ps_address VALUES (1, 1, 8, 0, 0), (2, 2, 21, 6, 1), (3, 2, 21, 5, 0), (4, 3, 21, 6, 0)',
    `INSERT INTO ps_customer VALUES
      (1, 'amelie@example.fr', 'Amélie', 'Roux', 'x', 0, 0, '2025-01-01 00:00:00', '2026-01-01 00:00:00'),
      (2, 'bo@example.com', 'Bo', 'Ng', '', 1, 0, '2026-05-01 00:00:00', '2026-05-01 00:00:00'),
      (3, 'gone@example.com', 'Gone', 'Away', 'x', 0, 1, '2026-05-01 00:00:00', '2026-05-01 00:00:00')`,
  ],
};

async function all(url: string, q: CustomerQuery, batch = 2): Promise<CustomerRow[]> {
  const r = await openCustomerReader(url);
  try {
    const out: CustomerRow[] = [];
    for await (const c of r.customers(q, batch)) out.push(c);
    return out;
  } finally {
    await r.close();
  }
}

const brief = (rows: CustomerRow[]) => rows.map((r) => `${r.id} ${r.email} ${r.country ?? '-'}/${r.region ?? '-'}`);

/** The preset checks, the same on every database. */
async function checkPresets(url: string): Promise<void> {
  // Magento 2: default billing address, region code from directory_country_region, else the name
  assert.deepEqual(brief(await all(url, { preset: 'magento2', scope: {} })), [
    '1 ann@example.com US/CA',
    '2 bob@example.com US/Mass.',
    '3 cem@example.de DE/Berlin',
    '4 dee@example.com -/-',
  ]);
  assert.deepEqual(
    (await all(url, { preset: 'magento2', scope: { hasCard: true } })).map((r) => r.id),
    ['1'],
    'only active vault tokens count',
  );
  assert.deepEqual(
    (await all(url, { preset: 'magento2', scope: { hasPassword: false } })).map((r) => r.id),
    ['2'],
  );
  assert.deepEqual(
    (await all(url, { preset: 'magento2', scope: { createdFrom: '2025-01-01', createdTo: '2026-03-01' } })).map(
      (r) => r.id,
    ),
    ['2', '3'],
  );
  assert.deepEqual(
    (await all(url, { preset: 'magento2', scope: { activeFrom: '2026-10-01T00:00:00Z' } })).map((r) => r.id),
    ['1', '3'],
  );
  // WooCommerce: lookup table incl. guests, falling back to the billing fields in usermeta
  const woo = await all(url, { preset: 'woocommerce', scope: {} });
  assert.deepEqual(brief(woo), ['1 ann@example.com US/CA', '2 bob@example.com US/NY', '3 guest@example.co.uk GB/-']);
  assert.equal(woo[1]?.firstName, 'Bob');
  assert.deepEqual(
    (await all(url, { preset: 'woocommerce', scope: { hasCard: true } })).map((r) => r.id),
    ['1'],
  );
  assert.deepEqual(
    (await all(url, { preset: 'woocommerce', scope: { hasPassword: true } })).map((r) => r.id),
    ['1', '2'],
  );
  assert.deepEqual(
    (await all(url, { preset: 'woocommerce', scope: { activeFrom: '2026-10-01' } })).map((r) => r.id),
    ['1', '3'],
  );
  // PrestaShop: newest address not deleted, ISO codes, deleted customers left out
  const ps = await all(url, { preset: 'prestashop', scope: {} });
  assert.deepEqual(brief(ps), ['1 amelie@example.fr FR/-', '2 bo@example.com US/CA']);
  assert.equal(ps[0]?.firstName, 'Amélie');
  assert.deepEqual(
    (await all(url, { preset: 'prestashop', scope: { hasPassword: true } })).map((r) => r.id),
    ['1'],
  );
  await assert.rejects(all(url, { preset: 'prestashop', scope: { hasCard: true } }), /keeps no stored cards/);
  // custom, and the session refuses writes
  assert.deepEqual(
    (
      await all(url, {
        preset: 'custom',
        scope: {},
        sql: 'SELECT entity_id AS id, email FROM customer_entity WHERE entity_id > 2',
      })
    ).map((r) => r.email),
    ['cem@example.de', 'dee@example.com'],
  );
  await assert.rejects(all(url, { preset: 'custom', scope: {}, sql: 'DELETE FROM customer_entity' }), /one SELECT/);
  await assert.rejects(
    all(url, {
      preset: 'custom',
      scope: {},
      sql: 'WITH d AS (DELETE FROM customer_entity RETURNING entity_id) SELECT entity_id AS id, NULL AS email FROM d',
    }),
    /refused/,
  );
}

test('customer presets on MariaDB', await mysqlSkip(), async () => {
  const name = `ripcord_cust_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: mysqlUrl });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  try {
    await admin.query(`USE ${name}`);
    for (const s of Object.values(seeds)) for (const sql of s('DATETIME')) await admin.query(sql);
    const u = new URL(mysqlUrl);
    u.pathname = `/${name}`;
    await checkPresets(u.toString());
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM customer_entity');
    assert.equal(Number((rows as { n: number }[])[0]?.n), 4, 'nothing was deleted');
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
});

test('customer presets on PostgreSQL', await pgSkip(), async () => {
  const name = `ripcord_cust_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(pgAdminUrl);
  u.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    for (const s of Object.values(seeds)) for (const sql of s('TIMESTAMP')) await c.query(sql);
    await checkPresets(u.toString());
    const r = await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM customer_entity');
    assert.equal(Number(r.rows[0]?.n), 4, 'nothing was deleted');
  } finally {
    await c.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

test('customer presets on SQLite, opened read-only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-shop-'));
  try {
    const file = join(dir, 'shop.db');
    const db = new DatabaseSync(file);
    for (const s of Object.values(seeds)) for (const sql of s('TEXT')) db.exec(sql);
    db.close();
    const url = `sqlite:${file}`;
    assert.deepEqual(brief(await all(url, { preset: 'magento2', scope: {} }, 3)).length, 4);
    assert.deepEqual(
      (await all(url, { preset: 'magento2', scope: { hasCard: true } })).map((r) => r.id),
      ['1'],
    );
    await assert.rejects(
      all(url, {
        preset: 'custom',
        scope: {},
        sql: 'SELECT entity_id AS id, email FROM customer_entity; DELETE FROM customer_entity',
      }),
      /single statement/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

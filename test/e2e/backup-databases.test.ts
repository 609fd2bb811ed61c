// Backups of a seeded shop database (customers, orders, a CMS table) on the machine's real
// PostgreSQL and MariaDB and a real SQLite file: back up, damage, restore into a scratch
// database and compare row by row, then restore in place (after a safety snapshot) and compare
// again; a drill passes. A dump tool that dies half-way leaves no snapshot and raises an alert.
// Servers missing are skipped with a note outside CI (see test/helpers/db.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { loadConfig } from '../../src/app/config.ts';
import { createApp, type App } from '../../src/app/context.ts';
import { backupDrill, backupList, backupRestoreDatabase, backupRestoreFiles, backupRun } from '../../src/app/backup.ts';
import { pgAdminUrl, pgSkip, mysqlAdminUrl, mysqlSkip } from '../helpers/db.ts';
import { LocalBackend } from '../../src/adapters/blob/local.ts';
import { openRepository } from '../../src/snapshots/index.ts';
import { sealJson } from '../../src/snapshots/files.ts';

const mysqlUrl = mysqlAdminUrl;
const env = { ...process.env, RIPCORD_PASSPHRASE: 'backup test', RIPCORD_TEST_SCRYPT_N: '1024' };

/** Skips (outside CI) when a Debian client tool the test drives is not installed. */
function toolsProblem(tools: string[]): string | null {
  const missing = tools.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0 || process.env['CI'] === 'true') return null;
  return `${missing.join(', ')} not installed (Debian: postgresql-client, mariadb-client)`;
}

async function pgToolsSkip(): Promise<{ skip?: string }> {
  const s = await pgSkip();
  if (s.skip !== undefined) return s;
  const t = toolsProblem(['pg_dump', 'pg_restore']);
  return t === null ? {} : { skip: t };
}

async function mysqlToolsSkip(): Promise<{ skip?: string }> {
  const t = toolsProblem(['mysqldump', 'mysql']);
  return t !== null ? { skip: t } : mysqlSkip();
}

/** A folder with ripcord.yml holding these jobs, and an app over it. */
function appWith(jobsYaml: string, extraEnv: Record<string, string> = {}): { app: App; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-backup-e2e-'));
  writeFileSync(join(dir, 'ripcord.yml'), `stateDir: ./state\nbackup:\n  jobs:\n${jobsYaml}`);
  const e = { ...env, ...extraEnv };
  const loaded = loadConfig({ file: join(dir, 'ripcord.yml'), env: e });
  return { app: createApp(loaded, { env: e }), dir };
}

const customers = Array.from({ length: 40 }, (_, i) => [i + 1, `customer${i + 1}@example.test`, `Name ${i + 1} ü`]);
const orders = Array.from({ length: 120 }, (_, i) => [i + 1, (i % 40) + 1, ((i * 37) % 1000) + 0.5]);
const blocks = [
  [1, 'footer', '<p>Harbor &amp; Pine</p>'],
  [2, 'promo', '<div class="promo">Sale</div>'],
];

type Rows = Record<string, unknown[]>;

test(
  'PostgreSQL: backup, damage, restore to scratch and in place, compare row by row; drill',
  await pgToolsSkip(),
  async () => {
    const name = `ripcord_bk_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgAdminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(pgAdminUrl);
    url.pathname = `/${name}`;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    const rows = async (db: pg.Client): Promise<Rows> => ({
      customers: (await db.query('SELECT * FROM customers ORDER BY id')).rows,
      orders: (await db.query('SELECT * FROM orders ORDER BY id')).rows,
      cms_block: (await db.query('SELECT * FROM cms_block ORDER BY id')).rows,
    });
    const { app, dir } = appWith(
      `    - {type: postgres, name: shop, database: ${name}, host: ${url.hostname}, port: ${url.port || 5432}}\n`,
    );
    const scratch: string[] = [];
    try {
      await c.query(`CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, name text);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric(10,2));
      CREATE TABLE cms_block (id int PRIMARY KEY, identifier text, content text)`);
      for (const r of customers) await c.query('INSERT INTO customers VALUES ($1, $2, $3)', r);
      for (const r of orders) await c.query('INSERT INTO orders VALUES ($1, $2, $3)', r);
      for (const r of blocks) await c.query('INSERT INTO cms_block VALUES ($1, $2, $3)', r);
      const before = await rows(c);

      const [res] = await backupRun(app);
      assert.equal(res?.ok, true, res?.error);
      assert.deepEqual(res?.rowCounts, { customers: 40, orders: 120, cms_block: 2 });
      const [listed] = await backupList(app, 'shop');
      assert.ok(listed?.tags.includes('job:shop') && listed.tags.includes('kind:postgres'));

      // Damage: rows gone, a skimmer injected.
      await c.query('DELETE FROM orders WHERE id > 60');
      await c.query(`UPDATE cms_block SET content = content || '<script src="https://evil.example/s.js"></script>'`);
      assert.notDeepEqual(await rows(c), before);

      const r1 = await backupRestoreDatabase(app, 'latest', 'shop', {});
      assert.match(r1.into, /ripcord_restore_shop_/);
      scratch.push(new URL(r1.into).pathname.slice(1));
      const s = new pg.Client({ connectionString: `${pgAdminUrl.replace(/\/[^/]*$/, '')}/${scratch[0]}` });
      await s.connect();
      assert.deepEqual(await rows(s), before);
      await s.end();

      const r2 = await backupRestoreDatabase(app, 'latest', 'shop', { inPlace: true });
      assert.equal(r2.inPlace, true);
      assert.ok(r2.safetySnapshot !== undefined);
      assert.deepEqual(await rows(c), before);
      // The safety snapshot holds the damaged state.
      const all = await backupList(app, 'shop');
      const safety = all.find((x) => x.id === r2.safetySnapshot);
      assert.ok(safety?.tags.includes('safety'));
      assert.equal(safety?.rowCounts?.['orders'], 60);

      const drill = await backupDrill(app);
      assert.equal(drill.ok, true, JSON.stringify(drill.jobs));
      assert.equal(drill.jobs[0]?.rows, 162);
      assert.ok(existsSync(join(dir, 'state', 'backup', 'drills.jsonl')));
      const left = await admin.query(
        "SELECT 1 FROM pg_database WHERE datname LIKE 'ripcord_restore_shop_%' AND datname <> $1",
        [scratch[0]],
      );
      assert.equal(left.rowCount, 0, 'the drill dropped its scratch database');
    } finally {
      await app.close();
      await c.end();
      for (const n of [name, ...scratch]) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'MariaDB: backup, damage, restore to scratch and in place, compare row by row; drill',
  await mysqlToolsSkip(),
  async () => {
    const name = `ripcord_bk_${randomBytes(5).toString('hex')}`;
    const u = new URL(mysqlUrl);
    const admin = await mysql.createConnection({ uri: mysqlUrl, multipleStatements: true });
    await admin.query(`CREATE DATABASE ${name}`);
    const rows = async (db: string): Promise<Rows> => {
      const out: Rows = {};
      for (const t of ['customers', 'orders', 'cms_block'])
        out[t] = (await admin.query(`SELECT * FROM ${db}.${t} ORDER BY id`))[0] as unknown[];
      return out;
    };
    const { app, dir } = appWith(
      `    - {type: mysql, name: shop, database: ${name}, host: ${u.hostname}, port: ${u.port || 3306}, user: ${u.username || 'root'}}\n`,
    );
    const scratch: string[] = [];
    try {
      await admin.query(`USE ${name};
      CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(200) NOT NULL, name VARCHAR(200)) CHARSET utf8mb4;
      CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT, total DECIMAL(10,2));
      CREATE TABLE cms_block (id INT PRIMARY KEY, identifier VARCHAR(100), content MEDIUMTEXT);`);
      await admin.query(`INSERT INTO ${name}.customers VALUES ?`, [customers]);
      await admin.query(`INSERT INTO ${name}.orders VALUES ?`, [orders]);
      await admin.query(`INSERT INTO ${name}.cms_block VALUES ?`, [blocks]);
      const before = await rows(name);

      const [res] = await backupRun(app);
      assert.equal(res?.ok, true, res?.error);
      assert.deepEqual(res?.rowCounts, { cms_block: 2, customers: 40, orders: 120 });

      await admin.query(`DELETE FROM ${name}.orders WHERE id > 60; DROP TABLE ${name}.cms_block`);

      const r1 = await backupRestoreDatabase(app, 'latest', 'shop', {});
      const sname = new URL(r1.into).pathname.slice(1);
      scratch.push(sname);
      assert.deepEqual(await rows(sname), before);

      const r2 = await backupRestoreDatabase(app, 'latest', 'shop', { inPlace: true });
      assert.ok(r2.safetySnapshot !== undefined);
      assert.deepEqual(await rows(name), before);

      const drill = await backupDrill(app);
      assert.equal(drill.ok, true, JSON.stringify(drill.jobs));
    } finally {
      await app.close();
      for (const n of [name, ...scratch]) await admin.query(`DROP DATABASE IF EXISTS ${n}`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('SQLite: online backup, damage, restore to a file and in place, compare row by row', async () => {
  const { app, dir } = appWith('    - {type: sqlite, name: shop, path: ./shop.db}\n');
  const file = join(dir, 'shop.db');
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  const rows = (d: DatabaseSync): Rows => ({
    customers: d.prepare('SELECT * FROM customers ORDER BY id').all(),
    orders: d.prepare('SELECT * FROM orders ORDER BY id').all(),
    cms_block: d.prepare('SELECT * FROM cms_block ORDER BY id').all(),
  });
  try {
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);
      CREATE TABLE cms_block (id INTEGER PRIMARY KEY, identifier TEXT, content TEXT);`);
    for (const r of customers)
      db.prepare('INSERT INTO customers VALUES (?, ?, ?)').run(...(r as [number, string, string]));
    for (const r of orders) db.prepare('INSERT INTO orders VALUES (?, ?, ?)').run(...(r as [number, number, number]));
    for (const r of blocks)
      db.prepare('INSERT INTO cms_block VALUES (?, ?, ?)').run(...(r as [number, string, string]));
    const before = rows(db);

    // The connection stays open (the shop is running) while the backup is taken.
    const [res] = await backupRun(app);
    assert.equal(res?.ok, true, res?.error);
    assert.deepEqual(res?.rowCounts, { cms_block: 2, customers: 40, orders: 120 });

    db.exec('DELETE FROM orders WHERE id > 10; UPDATE customers SET email = NULL WHERE 0');
    db.exec("UPDATE cms_block SET content = '<script>evil()</script>'");

    const target = join(dir, 'restored.db');
    await backupRestoreDatabase(app, 'latest', 'shop', { into: target });
    const r = new DatabaseSync(target, { readOnly: true });
    assert.deepEqual(rows(r), before);
    r.close();

    const r2 = await backupRestoreDatabase(app, 'latest', 'shop', { inPlace: true });
    assert.ok(r2.safetySnapshot !== undefined);
    assert.deepEqual(rows(db), before, 'the open connection sees the restored rows');

    const drill = await backupDrill(app);
    assert.equal(drill.ok, true, JSON.stringify(drill.jobs));
  } finally {
    db.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dump tool that dies half-way leaves no snapshot and raises an alert', await pgToolsSkip(), async () => {
  const tools = mkdtempSync(join(tmpdir(), 'ripcord-fake-dump-'));
  const fake = join(tools, 'pg_dump');
  // Records its arguments and password, prints the start of a custom-format dump, then fails
  // like a dropped connection.
  const seen = join(tools, 'seen');
  writeFileSync(
    fake,
    `#!/bin/sh\necho "$@" > ${seen}.args\necho "$PGPASSWORD" > ${seen}.env\n` +
      'printf "PGDMP\\001\\016\\000\\004\\010\\001\\001some data"\necho "pg_dump: error: connection lost" >&2\nexit 3\n',
  );
  chmodSync(fake, 0o755);
  const { app, dir } = appWith(
    `    - {type: postgres, name: broken, database: postgres, command: ${fake}, passwordEnv: RIPCORD_TEST_PG_SECRET}\n`,
    { RIPCORD_TEST_PG_SECRET: 'not-on-the-command-line' },
  );
  try {
    const [res] = await backupRun(app);
    assert.equal(res?.ok, false);
    assert.match(res?.error ?? '', /exited with status 3.*connection lost/);
    assert.deepEqual(await backupList(app), []);
    const findings = await (await app.findings()).listFindings({ limit: 10, rule: 'backup-failed' });
    assert.equal(findings.length, 1);
    assert.match(findings[0]?.message ?? '', /backup broken failed/);
    // The password reached the tool in its environment, never in its arguments; the dump reads
    // the snapshot the row counts were taken in.
    const args = readFileSync(`${seen}.args`, 'utf8');
    assert.doesNotMatch(args, /not-on-the-command-line/);
    assert.match(args, /--snapshot=\S+/);
    assert.equal(readFileSync(`${seen}.env`, 'utf8').trim(), 'not-on-the-command-line');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tools, { recursive: true, force: true });
  }
});

test('a mysqldump that dies half-way, or ends without its trailer, leaves no snapshot', await mysqlSkip(), async () => {
  const tools = mkdtempSync(join(tmpdir(), 'ripcord-fake-dump-'));
  // More than one read's worth of dump (the FIFO is read in pieces), then a failure or a clean
  // exit without mysqldump's "-- Dump completed" trailer (a truncated dump).
  const body =
    'printf -- "-- MySQL dump\\n"\ni=0\nwhile [ $i -lt 3000 ]; do echo "INSERT INTO t VALUES ($i,\'row row row row row row row row\');"; i=$((i+1)); done\n';
  const dies = join(tools, 'dies');
  const cut = join(tools, 'cut');
  writeFileSync(dies, `#!/bin/sh\n${body}echo "mysqldump: Lost connection" >&2\nexit 3\n`);
  writeFileSync(cut, `#!/bin/sh\n${body}exit 0\n`);
  chmodSync(dies, 0o755);
  chmodSync(cut, 0o755);
  const url = new URL(mysqlUrl);
  const conn = `host: ${url.hostname}, port: ${url.port || 3306}, user: ${decodeURIComponent(url.username) || 'root'}, database: test`;
  const { app, dir } = appWith(
    `    - {type: mysql, name: dies, ${conn}, command: ${dies}}\n    - {type: mysql, name: cut, ${conn}, command: ${cut}}\n`,
  );
  try {
    const [died, truncated] = await backupRun(app);
    assert.equal(died?.ok, false);
    assert.match(died?.error ?? '', /exited with status 3.*Lost connection/);
    assert.equal(truncated?.ok, false);
    assert.match(truncated?.error ?? '', /not valid: no "-- Dump completed" trailer/);
    assert.deepEqual(await backupList(app), []);
    const findings = await (await app.findings()).listFindings({ limit: 10, rule: 'backup-failed' });
    assert.equal(findings.length, 2);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tools, { recursive: true, force: true });
  }
});

test('a repository that cannot be opened fails the run and raises an alert per job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-backup-e2e-'));
  writeFileSync(
    join(dir, 'ripcord.yml'),
    'stateDir: ./state\nbackup:\n  jobs:\n    - {type: sqlite, name: a, path: ./a.db}\n    - {type: sqlite, name: b, path: ./b.db}\n',
  );
  const noPass = { ...env, RIPCORD_PASSPHRASE: '' };
  const app = createApp(loadConfig({ file: join(dir, 'ripcord.yml'), env: noPass }), { env: noPass });
  try {
    await assert.rejects(backupRun(app), /no passphrase/);
    const findings = await (await app.findings()).listFindings({ limit: 10, rule: 'backup-failed' });
    assert.deepEqual(findings.map((f) => f.match).sort(), ['a', 'b']);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("'latest' with --target is the newest files snapshot, even when a database dump came after it", async () => {
  const { app, dir } = appWith(
    '    - {type: files, name: site, paths: [./site]}\n    - {type: sqlite, name: shop, path: ./shop.db}\n',
  );
  try {
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.php'), '<?php echo "Harbor & Pine";\n');
    const db = new DatabaseSync(join(dir, 'shop.db'));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)');
    db.close();
    // The jobs run in order: the dump is the newest snapshot.
    const results = await backupRun(app);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true],
    );
    const target = join(dir, 'restored');
    const r = await backupRestoreFiles(app, 'latest', target, []);
    assert.equal(r.snapshot, results[0]?.snapshot);
    assert.equal(readFileSync(join(target, 'index.php'), 'utf8'), '<?php echo "Harbor & Pine";\n');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a repository locked by a prune fails the backup and raises an alert; the next run succeeds', async () => {
  const { app, dir } = appWith('    - {type: files, name: site, paths: [./site]}\n');
  try {
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.php'), '<?php echo "Harbor & Pine";\n');
    assert.equal((await backupRun(app))[0]?.ok, true);
    // A prune under way on another host (an exclusive lock, fresh), as the repository sees it.
    const backend = new LocalBackend(join(dir, 'state', 'repository'));
    const repo = await openRepository(backend, 'backup test');
    const repoKey = (repo as unknown as { key: { enc: Buffer } }).key.enc;
    await repo.close();
    const lock = { host: 'other-host', pid: 1, time: new Date().toISOString(), exclusive: true };
    await backend.put('locks', 'c'.repeat(64), sealJson(repoKey, 'locks', lock));
    const [res] = await backupRun(app);
    assert.equal(res?.ok, false);
    assert.match(res?.error ?? '', /lock/i);
    await backend.remove('locks', 'c'.repeat(64));
    const findings = await (await app.findings()).listFindings({ limit: 10, rule: 'backup-failed' });
    assert.equal(findings.length, 1);
    assert.match(findings[0]?.message ?? '', /backup site failed: .*lock/i);
    assert.equal((await backupRun(app))[0]?.ok, true, 'once the lock is gone');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

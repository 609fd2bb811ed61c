// The advisory store (software's AdvisoryStore) on the state database, SQLite or PostgreSQL
// through the shared Db interface, with per-dialect migrations: one row per OSV record (its
// JSON), one row per affected package for look-up, and the component+advisory pairs already
// reported. `replace` swaps whole ecosystems in one transaction.

import type { OsvRecord } from '../../software/index.ts';
import type { AdvisoryStore } from '../../software/index.ts';
import type { Db, Migration } from './db.ts';

const tables = (int: string) => `
CREATE TABLE software_advisories (ecosystem TEXT NOT NULL, id TEXT NOT NULL, modified TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (ecosystem, id));
CREATE TABLE software_affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL);
CREATE INDEX software_affected_pkg ON software_affected (ecosystem, name);
CREATE INDEX software_affected_id ON software_affected (source, id);
CREATE TABLE software_seen (key TEXT PRIMARY KEY, first_seen ${int} NOT NULL);
`;

const softwareMigrations: Migration[] = [{ version: 1, sqlite: tables('INTEGER'), postgres: tables('BIGINT') }];

/** The ecosystem an advisory's package is looked up by: `Debian:12` stays, names lower-cased except npm. */
function base(ecosystem: string): string {
  return ecosystem.split(':')[0] ?? ecosystem;
}

export class SqlAdvisoryStore implements AdvisoryStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async init(): Promise<void> {
    await this.db.migrate('software', softwareMigrations);
  }

  async replace(ecosystems: readonly string[], records: readonly OsvRecord[]): Promise<number> {
    return this.db.tx(async (q) => {
      for (const e of ecosystems) {
        await q.run('DELETE FROM software_affected WHERE source = ?', [e]);
        await q.run('DELETE FROM software_advisories WHERE ecosystem = ?', [e]);
      }
      let n = 0;
      const source = ecosystems[0] ?? '';
      // One row per (ecosystem, id): a record listed twice keeps its newest version.
      const latest = new Map<string, { src: string; r: OsvRecord }>();
      for (const r of records) {
        const eco = r.affected?.find((a) => a.package !== undefined)?.package?.ecosystem ?? source;
        const src = ecosystems.includes(eco) ? eco : source;
        const key = `${src}\u0000${r.id}`;
        const had = latest.get(key);
        if (had === undefined || had.r.modified <= r.modified) latest.set(key, { src, r });
      }
      for (const { src, r } of latest.values()) {
        await q.run('DELETE FROM software_affected WHERE source = ? AND id = ?', [src, r.id]);
        await q.run('DELETE FROM software_advisories WHERE ecosystem = ? AND id = ?', [src, r.id]);
        await q.run('INSERT INTO software_advisories (ecosystem, id, modified, record) VALUES (?, ?, ?, ?)', [
          src,
          r.id,
          r.modified,
          JSON.stringify(r),
        ]);
        const pkgs = new Set<string>();
        for (const a of r.affected ?? []) {
          if (a.package === undefined) continue;
          const name = a.package.ecosystem === 'npm' ? a.package.name : a.package.name.toLowerCase();
          pkgs.add(`${base(a.package.ecosystem)}\u0000${name}`);
        }
        for (const p of pkgs) {
          const [e, name] = p.split('\u0000') as [string, string];
          await q.run('INSERT INTO software_affected (ecosystem, name, id, source) VALUES (?, ?, ?, ?)', [
            e,
            name,
            r.id,
            src,
          ]);
        }
        n++;
      }
      return n;
    });
  }

  async forPackage(ecosystem: string, name: string): Promise<OsvRecord[]> {
    const rows = await this.db.query<{ record: string }>(
      `SELECT DISTINCT a.record FROM software_affected f JOIN software_advisories a ON a.ecosystem = f.source AND a.id = f.id
       WHERE f.ecosystem = ? AND f.name = ?`,
      [base(ecosystem), ecosystem === 'npm' ? name : name.toLowerCase()],
    );
    return rows.map((r) => JSON.parse(r.record) as OsvRecord);
  }

  async counts(): Promise<{ ecosystem: string; records: number }[]> {
    const rows = await this.db.query<{ ecosystem: string; n: number | string }>(
      'SELECT ecosystem, COUNT(*) AS n FROM software_advisories GROUP BY ecosystem ORDER BY ecosystem',
    );
    return rows.map((r) => ({ ecosystem: r.ecosystem, records: Number(r.n) }));
  }

  async markSeen(keys: readonly string[], now: number): Promise<string[]> {
    return this.db.tx(async (q) => {
      const fresh: string[] = [];
      for (const k of keys) {
        const r = await q.run(
          'INSERT INTO software_seen (key, first_seen) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
          [k, now],
        );
        if (r.changes > 0) fresh.push(k);
      }
      return fresh;
    });
  }
}

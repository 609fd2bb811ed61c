// Contract of software's AdvisoryStore (src/software/ports.ts) on SQLite and PostgreSQL, with
// the OSV import: a folder and a zip (written here by test/helpers/osv.ts), a malformed record
// or truncated archive refused with the file and record named, the previous data left in
// place; and the check: advisories, CVSS score, fix, knocked-on paths, first-seen findings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import { cosmicSting, writeZip } from '../helpers/osv.ts';
import { SqlAdvisoryStore } from '../../src/adapters/db/software-store.ts';
import { readOsv } from '../../src/adapters/osv-archive.ts';
import { checkComponents, newFindings, type Component, type OsvRecord } from '../../src/software/index.ts';
import { isAppError } from '../../src/core/errors.ts';

const lodash = {
  id: 'GHSA-35jh-r3h4-6jhm',
  modified: '2021-03-01T00:00:00Z',
  aliases: ['CVE-2021-23337'],
  affected: [
    {
      package: { ecosystem: 'npm', name: 'lodash' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
    },
  ],
};

const magento: Component = {
  ecosystem: 'Packagist',
  name: 'magento/product-community-edition',
  version: '2.4.6-p3',
  where: 'composer.lock:4',
  kind: 'platform',
};

for (const f of dbFactories) {
  test(`software advisory store and OSV import: ${f.name}`, await factoryOptions(f), async () => {
    const { db, cleanup } = await f.create();
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-osv-'));
    try {
      const s = new SqlAdvisoryStore(db);
      await s.init();
      await s.init();

      const zip = join(dir, 'Packagist.zip');
      writeFileSync(zip, writeZip({ [`${cosmicSting.id}.json`]: JSON.stringify(cosmicSting) }));
      const read = await readOsv(zip);
      assert.deepEqual(read.ecosystems, ['Packagist']);
      assert.equal(await s.replace(read.ecosystems, read.records), 1);

      const json = join(dir, 'npm');
      mkdirSync(json);
      writeFileSync(join(json, `${lodash.id}.json`), JSON.stringify(lodash));
      const fromDir = await readOsv(json);
      await s.replace(fromDir.ecosystems, fromDir.records);
      assert.deepEqual(await s.counts(), [
        { ecosystem: 'Packagist', records: 1 },
        { ecosystem: 'npm', records: 1 },
      ]);

      // the check: CosmicSting on 2.4.6-p3, knocked on, with its score and fix
      const knocks: string[] = [];
      const v = await checkComponents(
        [
          magento,
          { ...magento, version: '2.4.7-p1' },
          { ecosystem: 'npm', name: 'lodash', version: '4.17.20', where: 'x', kind: 'frontend' },
        ],
        s,
        {
          async requests(glob) {
            knocks.push(glob);
            return glob.includes('estimate-shipping-methods')
              ? { count: 3, last: 1_700_000_000_000 }
              : { count: 0, last: null };
          },
        },
      );
      assert.equal(v.length, 2);
      const first = v[0];
      assert.equal(first?.component.name, 'magento/product-community-edition');
      assert.equal(first?.advisories[0]?.score, 9.8);
      assert.equal(first?.severity, 'critical');
      assert.equal(first?.upgradeTo, '2.4.6-p6');
      assert.equal(first?.knocked.requests, 6);
      assert.ok(knocks.includes('/rest/*/V1/guest-carts/*/estimate-shipping-methods'));
      assert.equal(v[1]?.upgradeTo, '4.17.21');

      const f1 = await newFindings(v, s, 1);
      assert.equal(f1.length, 2);
      assert.match(f1[0]?.message ?? '', /CVE-2024-34102.*fixed in 2\.4\.6-p6.*6 request/);
      assert.equal((await newFindings(v, s, 2)).length, 0, 'a hole is reported once');

      // a malformed record and a truncated archive are refused by name; the data stays
      const badDir = join(dir, 'bad');
      mkdirSync(badDir);
      writeFileSync(join(badDir, 'a.json'), JSON.stringify(lodash));
      writeFileSync(join(badDir, 'b.json'), JSON.stringify({ ...lodash, id: 'GHSA-bad', modified: 5 }));
      await assert.rejects(readOsv(badDir), (e) => {
        assert.ok(isAppError(e));
        assert.match(e.describe(), /b\.json: not an OSV record \(record GHSA-bad\)/);
        assert.ok(e.details.some((d) => d.startsWith('modified')));
        return true;
      });
      const whole = readFileSync(zip);
      const cut = join(dir, 'cut.zip');
      writeFileSync(cut, whole.subarray(0, whole.length - 30));
      await assert.rejects(readOsv(cut), (e) => isAppError(e) && e.describe().includes('cut.zip'));
      const badZip = join(dir, 'badrecord.zip');
      writeFileSync(
        badZip,
        writeZip({ 'ok.json': JSON.stringify(cosmicSting), 'GHSA-x.json': '{"id": "GHSA-x", "modif' }),
      );
      await assert.rejects(readOsv(badZip), (e) => isAppError(e) && e.describe().includes('badrecord.zip:GHSA-x.json'));
      assert.equal((await s.forPackage('Packagist', 'magento/product-community-edition')).length, 1);

      // a failing replace rolls back whole
      await assert.rejects(
        s.replace(['Packagist'], [{ ...cosmicSting, id: 'GHSA-new' }, null as unknown as OsvRecord]),
      );
      assert.deepEqual(
        (await s.forPackage('Packagist', 'magento/product-community-edition')).map((r) => r.id),
        [cosmicSting.id],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await cleanup();
    }
  });
}

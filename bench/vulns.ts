// `npm run bench -- vulns`: inventory and check of a real WordPress tree (Debian's `wordpress`
// package, /usr/share/wordpress) and of the OpenMage tree (/work/data-software/magento-lts, or
// BENCH_OPENMAGE), time and memory; an OSV import of a generated advisory set (one zip, in the
// published layout) into SQLite; and this machine's packages checked by Ripcord and by Debian's
// `debsecan` in the same run. With no network, debsecan cannot fetch its tracker data and OSV's
// Debian archive cannot be downloaded: the bench says so and compares what both can see.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlAdvisoryStore } from '../src/adapters/db/software-store.ts';
import { SqliteDb } from '../src/adapters/db/sqlite.ts';
import { readOsv } from '../src/adapters/osv-archive.ts';
import { shopFiles } from '../src/adapters/shop-files.ts';
import { DpkgProbe } from '../src/adapters/system-software.ts';
import { checkComponents, readTree, type Component, type OsvRecord } from '../src/software/index.ts';
import { writeZip } from '../test/helpers/osv.ts';

function timed<T>(fn: () => T): { value: T; ms: number; rssMb: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0, rssMb: process.memoryUsage().rss / 1e6 };
}

/** Advisories for every component given (half of them affecting the installed version) plus filler. */
function advisoriesFor(components: readonly Component[], filler: number): OsvRecord[] {
  const out: OsvRecord[] = [];
  components.forEach((c, i) => {
    const affectsInstalled = i % 2 === 0;
    out.push({
      id: `BENCH-${i}`,
      modified: '2026-01-01T00:00:00Z',
      aliases: [`CVE-2026-${10000 + i}`],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N' }],
      affected: [
        {
          package: { ecosystem: c.ecosystem, name: c.name },
          ranges: [
            {
              type: 'ECOSYSTEM',
              events: [{ introduced: '0' }, affectsInstalled ? { last_affected: c.version } : { fixed: '0.0.1' }],
            },
          ],
        },
      ],
    });
  });
  for (let i = 0; i < filler; i++)
    out.push({
      id: `FILL-${i}`,
      modified: '2026-01-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Packagist', name: `vendor${i % 500}/pkg${i}` },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }],
        },
      ],
    });
  return out;
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-vulns-'));
  const db = new SqliteDb(join(dir, 'ripcord.db'));
  try {
    const trees: [string, string][] = [
      ['WordPress (Debian wordpress package)', '/usr/share/wordpress'],
      ['OpenMage magento-lts', process.env['BENCH_OPENMAGE'] ?? '/work/data-software/magento-lts'],
    ];
    const all: Component[] = [];
    for (const [label, root] of trees) {
      if (!existsSync(root)) {
        console.log(`${label}: ${root} missing, skipped`);
        continue;
      }
      const r = timed(() => readTree(shopFiles(root)));
      all.push(...r.value.components);
      const platform = r.value.components
        .filter((c) => c.kind === 'platform')
        .map((c) => `${c.name} ${c.version} (${c.where})`);
      console.log(
        `${label}: ${r.value.components.length} components in ${r.ms.toFixed(1)} ms, rss ${r.rssMb.toFixed(0)} MB; platform: ${platform.join(', ')}; skipped ${r.value.skipped.length}`,
      );
    }
    const pk = performance.now();
    const packages = await new DpkgProbe().installed();
    console.log(`dpkg-query: ${packages.length} source packages in ${(performance.now() - pk).toFixed(0)} ms`);
    all.push(...packages);

    const records = advisoriesFor(all, 20_000);
    const zip = join(dir, 'bench.zip');
    writeFileSync(zip, writeZip(Object.fromEntries(records.map((r) => [`${r.id}.json`, JSON.stringify(r)]))));
    const store = new SqlAdvisoryStore(db);
    await store.init();
    const t0 = performance.now();
    const read = await readOsv(zip);
    await store.replace(read.ecosystems, read.records);
    const importMs = performance.now() - t0;
    console.log(
      `OSV import: ${records.length} generated records (zip) in ${importMs.toFixed(0)} ms (${((records.length / importMs) * 1000).toFixed(0)} records/s)`,
    );
    const t1 = performance.now();
    const v = await checkComponents(all, store, null);
    const checkMs = performance.now() - t1;
    const expected = Math.ceil(all.length / 2);
    console.log(
      `check: ${all.length} components, ${v.length} vulnerable (at least ${expected} by construction: every other component has an advisory naming its version) in ${checkMs.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
    );

    // debsecan on the same packages, in the same run.
    const d0 = performance.now();
    const ds = spawnSync('debsecan', ['--suite', 'bookworm', '--format', 'packages'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const dMs = performance.now() - d0;
    if (ds.error !== undefined) console.log(`debsecan: not installed (apt-get install debsecan): ${ds.error.message}`);
    else if (ds.status !== 0)
      console.log(
        `debsecan: exit ${ds.status} after ${dMs.toFixed(0)} ms — ${(ds.stderr.split('\n').find((l) => l.includes('error:')) ?? ds.stderr).trim().slice(0, 200)}; its advisory data (Debian security tracker) is not reachable offline and not cached, and OSV's Debian archive cannot be downloaded either, so neither tool has Debian advisories here: compared is the package set both read (dpkg status), not vulnerability verdicts`,
      );
    else
      console.log(
        `debsecan: ${ds.stdout.trim().split('\n').filter(Boolean).length} vulnerable binary packages in ${dMs.toFixed(0)} ms`,
      );
    const binaries = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\n'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.startsWith('ii')).length;
    console.log(
      `package set: debsecan reads ${binaries} installed binary packages; Ripcord groups them into ${packages.length} source packages (Debian advisories name source packages)`,
    );
    console.log(
      `load average: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

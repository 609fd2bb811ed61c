// Software and advisories wired from the app context: the shop tree (site.root or --root),
// the server's packages and binaries, the advisory store on the state database, the traffic
// record for "was it knocked on", and the findings store for first-seen holes. Composition only.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';
import {
  checkComponents,
  newFindings,
  readTree,
  type AdvisoryStore,
  type Component,
  type TrafficProbe,
  type Vulnerable,
} from '../software/index.ts';
import type { App } from './context.ts';

export type { Component, Vulnerable };

export interface InventoryOptions {
  /** The shop's root (`--root`); default site.root. */
  root?: string | undefined;
  /** Include the server's packages and binaries (default true). */
  system?: boolean;
}

export interface Inventory {
  root: string | null;
  components: Component[];
  skipped: string[];
}

export async function inventory(app: App, opts: InventoryOptions = {}): Promise<Inventory> {
  const root = opts.root ?? (app.config.site.root === undefined ? null : join(app.baseDir, app.config.site.root));
  const components: Component[] = [];
  const skipped: string[] = [];
  if (root !== null) {
    try {
      const { shopFiles } = await import('../adapters/shop-files.ts');
      const t = readTree(shopFiles(root), { platform: app.config.site.platform });
      components.push(...t.components);
      skipped.push(...t.skipped);
    } catch (e) {
      throw new AppError('not_found', `cannot read the shop tree: ${e instanceof Error ? e.message : String(e)}`, {
        where: root,
      });
    }
  }
  if (opts.system !== false) {
    const { DpkgProbe, LocalBinaryProbe } = await import('../adapters/system-software.ts');
    components.push(...(await new LocalBinaryProbe().versions()), ...(await new DpkgProbe().installed()));
  }
  return { root, components, skipped };
}

async function advisories(app: App): Promise<AdvisoryStore> {
  const { SqlAdvisoryStore } = await import('../adapters/db/software-store.ts');
  const s = new SqlAdvisoryStore(await app.db());
  await s.init();
  return s;
}

function trafficProbe(app: App): TrafficProbe {
  return {
    async requests(pathGlob, limit) {
      const rows = await (await app.events()).searchHttp({ pathGlob, limit });
      return {
        count: rows.length,
        last: rows.reduce<number | null>((m, r) => (m === null || r.time > m ? r.time : m), null),
      };
    },
  };
}

export interface UpdateResult {
  source: string;
  ecosystems: string[];
  records: number;
}

/** Imports an OSV archive or folder (or downloads OSV's archives for `ecosystems`); all or nothing per input. */
export async function updateAdvisories(
  app: App,
  from: string | undefined,
  ecosystems: readonly string[],
): Promise<UpdateResult[]> {
  const { readOsv, downloadOsv } = await import('../adapters/osv-archive.ts');
  const store = await advisories(app);
  const sources: string[] = [];
  if (from !== undefined) sources.push(from);
  else {
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-osv-'));
    for (const e of ecosystems) sources.push(await downloadOsv(e, dir));
  }
  // Read and validate every input before the first write, so a bad one changes nothing.
  const read = [];
  for (const s of sources) read.push({ source: s, ...(await readOsv(s)) });
  const out: UpdateResult[] = [];
  for (const r of read) {
    const n = await store.replace(r.ecosystems, r.records);
    out.push({ source: r.source, ecosystems: r.ecosystems, records: n });
  }
  return out;
}

export async function advisoryCounts(app: App): Promise<{ ecosystem: string; records: number }[]> {
  return (await advisories(app)).counts();
}

export interface CheckResult {
  inventory: Inventory;
  vulnerable: Vulnerable[];
  /** Findings stored for holes seen for the first time. */
  newFindings: number;
}

/** Inventory, match, and a finding for each vulnerable component+advisory seen for the first time. */
export async function checkSoftware(
  app: App,
  opts: InventoryOptions & { findings?: boolean } = {},
): Promise<CheckResult> {
  const inv = await inventory(app, opts);
  const store = await advisories(app);
  const vulnerable = await checkComponents(inv.components, store, trafficProbe(app));
  let stored = 0;
  if (opts.findings !== false) {
    const fresh = await newFindings(vulnerable, store, app.clock.now());
    if (fresh.length > 0) stored = (await (await app.findings()).addFindings(fresh)).length;
  }
  return { inventory: inv, vulnerable, newFindings: stored };
}

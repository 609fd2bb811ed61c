// Software and advisories wired from the app context: the shop tree (site.root or --root),
// the server's packages and binaries, the advisory store on the state database, the traffic
// record for "was it knocked on", and the findings store for first-seen holes. Composition only.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { AppError } from '../core/errors.ts';
import {
  checkComponents,
  newFindings,
  readTree,
  serverHeaderComponents,
  type AdvisoryStore,
  type Component,
  type TrafficProbe,
  type Vulnerable,
} from '../software/index.ts';
import type { PatchList } from '../plan/index.ts';
import { resolvePath } from './config.ts';
import type { App } from './context.ts';

export type { Component, Vulnerable };

export interface InventoryOptions {
  /** The shop's root (`--root`); default site.root. */
  root?: string | undefined;
  /** Include the server's packages and binaries (default true). */
  system?: boolean;
  /** The shop's address whose response headers name its web server and PHP (default site.url). */
  url?: string | undefined;
}

export interface Inventory {
  root: string | null;
  components: Component[];
  skipped: string[];
}

export async function inventory(app: App, opts: InventoryOptions = {}): Promise<Inventory> {
  const root =
    opts.root ?? (app.config.site.root === undefined ? null : resolvePath(app.baseDir, app.config.site.root));
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
  const url = opts.url ?? app.config.site.url;
  if (url !== undefined) {
    const { HttpHeaderProbe } = await import('../adapters/http-headers.ts');
    try {
      const h = await new HttpHeaderProbe().headers(url);
      for (const c of serverHeaderComponents(h, url)) components.push({ ...c, ecosystem: 'binary', kind: 'server' });
    } catch (e) {
      skipped.push(`${url}: no answer (${e instanceof Error ? e.message : String(e)})`);
    }
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

/**
 * Imports an advisory file or folder, or downloads the ecosystems' advisories (given, else the
 * config's `vulns.ecosystems`, else those the inventory finds); all or nothing: every input is
 * read and validated before the first write.
 */
export async function updateAdvisories(
  app: App,
  from: string | undefined,
  ecosystems: readonly string[] | undefined,
): Promise<UpdateResult[]> {
  const { readOsv, downloadAdvisories } = await import('../adapters/osv-archive.ts');
  const store = await advisories(app);
  const sources: string[] = [];
  let tmp: string | null = null;
  try {
    if (from !== undefined) sources.push(from);
    else {
      const wanted = ecosystems ?? (app.config.vulns.ecosystems.length > 0 ? app.config.vulns.ecosystems : null);
      const list = wanted ?? inventoryEcosystems((await inventory(app)).components);
      if (list.length === 0)
        throw new AppError('not_found', 'the inventory found no software to fetch advisories for', {
          details: ['name ecosystems with --ecosystem, or import a file with --from'],
        });
      tmp = mkdtempSync(join(tmpdir(), 'ripcord-osv-'));
      for (const e of list) sources.push(await downloadAdvisories(e, tmp, app.config.vulns));
    }
    const read = [];
    for (const s of sources) read.push({ source: s, ...(await readOsv(s)) });
    const out: UpdateResult[] = [];
    for (const r of read) {
      const n = await store.replace(r.ecosystems, r.records);
      out.push({
        source: from === undefined ? r.ecosystems.join(', ') : r.source,
        ecosystems: r.ecosystems,
        records: n,
      });
    }
    return out;
  } finally {
    if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  }
}

/** The advisory ecosystems of an inventory (binaries have none of their own). */
function inventoryEcosystems(components: readonly Component[]): string[] {
  return [...new Set(components.map((c) => c.ecosystem).filter((e) => e !== 'binary'))].sort();
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

/**
 * The plan's "patch these before anything else" list: the check without findings, most urgent
 * first; `checked` false when no advisory data has been imported yet.
 */
export async function patchList(app: App): Promise<PatchList> {
  const counts = await advisoryCounts(app);
  if (counts.every((c) => c.records === 0)) return { checked: false, items: [] };
  const r = await checkSoftware(app, { findings: false });
  return {
    checked: true,
    items: r.vulnerable.map((v) => ({
      component: v.component.name,
      version: v.component.version,
      ecosystem: v.component.ecosystem,
      severity: v.severity,
      advisories: v.advisories.map((a) => a.aliases.find((x) => x.startsWith('CVE-')) ?? a.id),
      upgradeTo: v.upgradeTo,
      knocked: v.knocked.requests,
    })),
  };
}

export interface VulnsSchedule {
  stop(): Promise<void>;
}

/**
 * The daily check inside `ripcord run` (`vulns.schedule`): refresh the advisories when
 * `vulns.update` (a failed download is logged and the stored advisories are used), then match
 * the inventory; components vulnerable for the first time become findings, and `onFindings`
 * wakes the alert dispatcher. One run at a time: a slow run skips the next tick.
 */
export function startVulnsSchedule(app: App, onFindings: () => void): VulnsSchedule | null {
  const expr = app.config.vulns.schedule;
  if (expr === null) return null;
  const log = app.logger;
  let running: Promise<void> | null = null;
  const tick = async () => {
    if (app.config.vulns.update) {
      try {
        const r = await updateAdvisories(app, undefined, undefined);
        log.info(
          { ecosystems: r.flatMap((x) => x.ecosystems), records: r.reduce((n, x) => n + x.records, 0) },
          'advisories updated',
        );
      } catch (e) {
        log.warn(
          { err: e instanceof AppError ? e.describe() : String(e) },
          'advisory update failed; checking against the stored advisories',
        );
      }
    }
    const r = await checkSoftware(app);
    log.info(
      { components: r.inventory.components.length, vulnerable: r.vulnerable.length, newFindings: r.newFindings },
      'vulnerability check',
    );
    if (r.newFindings > 0) onFindings();
  };
  const cron = new Cron(expr, { protect: true }, () => {
    if (running !== null) return;
    running = tick()
      .catch((e: unknown) =>
        log.error({ err: e instanceof AppError ? e.describe() : String(e) }, 'vulnerability check failed'),
      )
      .finally(() => {
        running = null;
      });
  });
  return {
    async stop() {
      cron.stop();
      await running;
    },
  };
}

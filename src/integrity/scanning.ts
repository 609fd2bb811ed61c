// `ripcord integrity scan` (files and folders against the malicious-code rules; uploads and
// caches included) and `scan-db` (the shop's own database, through the ShopDbReader port).

import { lstatSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { AppError } from '../core/errors.ts';
import type { IntegrityContext } from './context.ts';
import { createFilter } from './filter.ts';
import { readHeadReused } from './hash.ts';
import { isScannable, scanContent, scanText, type CodeFinding } from './scan/scanner.ts';
import { scanDatabase, tablesToScan, type DbScanResult } from './scandb.ts';
import { readBaselinePointer } from './state.ts';
import { walkFiles } from './walk.ts';

export interface ScanResult {
  findings: CodeFinding[];
  files: number;
  bytes: number;
  durationMs: number;
}

export async function integrityScan(ctx: IntegrityContext, paths: readonly string[]): Promise<ScanResult> {
  const started = ctx.clock.now();
  const rules = ctx.rules();
  const pointer = readBaselinePointer(ctx.stateDir);
  const known = ctx.roots.length > 0 ? ctx.roots : (pointer?.roots ?? []);
  const targets = paths.length > 0 ? paths.map((p) => resolve(process.cwd(), p)) : known;
  if (targets.length === 0)
    throw new AppError(
      'usage',
      'nothing to scan: name files or folders, give --root DIR, or configure integrity.paths',
    );
  // Scanning covers uploads and caches too: only version control and Ripcord's own state are skipped.
  const scanExclude = createFilter({ preset: null, exclude: ctx.cfg.exclude });
  const findings: CodeFinding[] = [];
  let files = 0;
  let bytes = 0;
  // Every file walked, for the YARA pass (it reports only these).
  const walked = new Set<string>();
  for (const t of targets) {
    const st = lstatSync(t, { throwIfNoEntry: false });
    if (st === undefined) throw new AppError('not_found', 'no such file or folder', { where: t });
    // Paths are matched relative to the covered root they lie in (so upload-folder rules work), else to the folder scanned.
    const base = known.find((r) => t === r || t.startsWith(`${r}/`)) ?? (st.isDirectory() ? t : resolve(t, '..'));
    const list = st.isDirectory()
      ? (await walkFiles(resolve(t), scanExclude)).map((path) => ({ root: resolve(t), path }))
      : [{ root: resolve(t, '..'), path: t.slice(t.lastIndexOf('/') + 1) }];
    for (const e of list) {
      const abs = join(e.root, e.path);
      if (ctx.signatures !== null) walked.add(abs);
      const rel = relative(base, abs).split(sep).join('/');
      if (!isScannable(rel, rules)) continue;
      let head: Buffer;
      try {
        // Read into a reused buffer: scanText copies it into a string before the next read.
        head = readHeadReused(abs, ctx.cfg.scan.maxBytes);
      } catch {
        continue;
      }
      files++;
      bytes += head.length;
      findings.push(...scanContent(scanText(head, ctx.cfg.scan.maxBytes), { path: abs, rel }, rules));
    }
  }
  if (ctx.signatures !== null)
    findings.push(
      ...(await ctx.signatures(
        targets.map((t) => resolve(t)),
        walked,
      )),
    );
  return { findings, files, bytes, durationMs: ctx.clock.now() - started };
}

// ----------------------------------------------------------------------------------- scan-db

export interface ScanDbResult extends DbScanResult {
  durationMs: number;
}

export async function integrityScanDb(ctx: IntegrityContext, o: { url?: string | undefined }): Promise<ScanDbResult> {
  const started = ctx.clock.now();
  const url = o.url ?? ctx.cfg.scanDb.url;
  if (url === undefined) throw new AppError('usage', 'no shop database: set integrity.scanDb.url or give --url');
  const tables = tablesToScan(ctx.cfg.scanDb, ctx.platform);
  if (tables.length === 0)
    throw new AppError(
      'usage',
      'no tables to scan: set site.platform or integrity.scanDb.preset, or list integrity.scanDb.tables',
    );
  const db = await ctx.openShopDb(url);
  try {
    const r = await scanDatabase(db, tables, ctx.rules(), {
      batchSize: ctx.cfg.scanDb.batchSize,
      maxBytes: ctx.cfg.scan.maxBytes,
    });
    return { ...r, durationMs: ctx.clock.now() - started };
  } finally {
    await db.close();
  }
}

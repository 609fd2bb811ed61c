// `scan-db`: which tables of the shop's database carry injectable HTML on each platform
// (Magento's design/head/includes in core_config_data and CMS blocks/pages, WordPress
// options and posts, …), and running the code scanner over their values.

import type { ScanDbConfig } from '../core/config/integrity.ts';
import type { ShopDbReader } from './ports.ts';
import type { CodeRule } from './scan/rules.ts';
import { dbContentLanguages } from './scan/languages.ts';
import { scanContent, type CodeFinding } from './scan/scanner.ts';

export interface DbTable {
  table: string;
  key: string;
  columns: string[];
}

const platformTables: Record<string, { prefix: string; tables: DbTable[] }> = {
  magento1: {
    prefix: '',
    tables: [
      { table: 'core_config_data', key: 'config_id', columns: ['value'] },
      { table: 'cms_block', key: 'block_id', columns: ['content'] },
      { table: 'cms_page', key: 'page_id', columns: ['content'] },
    ],
  },
  wordpress: {
    prefix: 'wp_',
    tables: [
      { table: 'options', key: 'option_id', columns: ['option_value'] },
      { table: 'posts', key: 'ID', columns: ['post_content'] },
    ],
  },
  prestashop: {
    prefix: 'ps_',
    tables: [
      { table: 'configuration', key: 'id_configuration', columns: ['value'] },
      { table: 'configuration_lang', key: 'id_configuration', columns: ['value'] },
      { table: 'cms_lang', key: 'id_cms', columns: ['content'] },
    ],
  },
  opencart: {
    prefix: 'oc_',
    tables: [
      { table: 'setting', key: 'setting_id', columns: ['value'] },
      { table: 'information_description', key: 'information_id', columns: ['description'] },
    ],
  },
};
platformTables['magento2'] = platformTables['magento1'] as { prefix: string; tables: DbTable[] };
platformTables['woocommerce'] = platformTables['wordpress'] as { prefix: string; tables: DbTable[] };

/** The tables to scan: the platform's (with its prefix, or the configured one) plus the configured extras. */
export function tablesToScan(cfg: ScanDbConfig, sitePlatform: string): DbTable[] {
  const name = cfg.preset === 'auto' ? sitePlatform : cfg.preset;
  const p = platformTables[name];
  const out: DbTable[] = [];
  if (p !== undefined) {
    const prefix = cfg.tablePrefix !== '' ? cfg.tablePrefix : p.prefix;
    for (const t of p.tables) out.push({ ...t, table: `${prefix}${t.table}` });
  }
  for (const t of cfg.tables) out.push({ table: t.table, key: t.key, columns: [...t.columns] });
  return out;
}

export interface DbScanResult {
  findings: CodeFinding[];
  tables: number;
  cells: number;
  notes: string[];
}

export async function scanDatabase(
  db: ShopDbReader,
  tables: readonly DbTable[],
  rules: readonly CodeRule[],
  opts: { batchSize: number; maxBytes: number },
): Promise<DbScanResult> {
  const existing = await db.existingTables(tables.map((t) => t.table));
  const findings: CodeFinding[] = [];
  const notes: string[] = [];
  let cells = 0;
  let scanned = 0;
  for (const t of tables) {
    if (!existing.has(t.table)) {
      notes.push(`table ${t.table} not found; skipped`);
      continue;
    }
    scanned++;
    for await (const c of db.cells(t.table, t.key, t.columns, opts.batchSize)) {
      cells++;
      const text = c.value.length > opts.maxBytes ? c.value.slice(0, opts.maxBytes) : c.value;
      const where = `${c.table}.${c.column}#${c.key}`;
      findings.push(...scanContent(text, { path: where, rel: where, languages: dbContentLanguages }, rules));
    }
  }
  return { findings, tables: scanned, cells, notes };
}

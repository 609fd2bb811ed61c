// Wiring of customer breach notices: the notices subsystem's audience import over the app's
// store (AudienceStore on SQLite/PostgreSQL), a CSV file stream, and the shop database reader.
// Composition only; the rules live in src/notices. (Moves onto createApp once approot lands.)

import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SqlAudienceStore } from '../adapters/db/notices-audience-store.ts';
import { openCustomerReader } from '../adapters/shopdb/customers.ts';
import { AppError } from '../core/errors.ts';
import {
  fromCsv,
  fromShop,
  importAudience,
  lintNotice,
  parseTemplate,
  readCsv,
  renderNotice,
  type LintGap,
  type NoticeTemplate,
  type RenderedNotice,
  type AudienceInfo,
  type AudienceProblem,
  type CsvEncoding,
  type CustomerScope,
  type JurisdictionCount,
  type Recipient,
  type RecipientField,
  type ShopPreset,
} from '../notices/index.ts';
import type { App } from './context.ts';
import { contentRequirements } from './obligations.ts';

export type {
  AudienceInfo,
  AudienceProblem,
  CsvEncoding,
  CustomerScope,
  JurisdictionCount,
  Recipient,
  RecipientField,
  ShopPreset,
};
export { recipientFields } from '../notices/index.ts';

async function audienceStore(app: App): Promise<SqlAudienceStore> {
  const s = new SqlAudienceStore(await app.db(), () => app.clock.now());
  await s.init();
  return s;
}

export interface CsvImport {
  file: string;
  encoding: CsvEncoding;
  map: Partial<Record<RecipientField, string>>;
}

export interface ShopImport {
  url: string;
  preset: ShopPreset;
  scope: CustomerScope;
  prefix?: string;
  sql?: string;
}

export interface AudienceReport {
  audience: AudienceInfo;
  jurisdictions: JurisdictionCount[];
  problems: AudienceProblem[];
}

export async function importCsvAudience(
  app: App,
  name: string,
  o: CsvImport,
  onProgress?: (rows: number) => void,
): Promise<AudienceInfo> {
  const store = await audienceStore(app);
  const stream = createReadStream(o.file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) =>
      reject(new AppError('not_found', `cannot read the CSV file: ${e.message}`, { where: o.file })),
    );
  });
  await opened;
  const items = fromCsv(readCsv(stream, { encoding: o.encoding, map: o.map, where: o.file }));
  return importAudience(store, name, `csv ${basename(o.file)}`, items, onProgress ? { onProgress } : {});
}

export async function importShopAudience(
  app: App,
  name: string,
  o: ShopImport,
  onProgress?: (rows: number) => void,
): Promise<AudienceInfo> {
  const store = await audienceStore(app);
  const reader = await openCustomerReader(o.url);
  try {
    const q = {
      preset: o.preset,
      scope: o.scope,
      ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
      ...(o.sql !== undefined ? { sql: o.sql } : {}),
    };
    return await importAudience(
      store,
      name,
      `shop ${o.preset}`,
      fromShop(reader.customers(q, 2000)),
      onProgress ? { onProgress, batchSize: 2000 } : { batchSize: 2000 },
    );
  } finally {
    await reader.close();
  }
}

async function mustFind(store: SqlAudienceStore, idOrName: string): Promise<AudienceInfo> {
  const a = await store.audience(idOrName);
  if (a === null)
    throw new AppError('not_found', `no audience "${idOrName}" (see \`ripcord notices audience list\`)`, {
      where: 'notices audience',
    });
  return a;
}

export async function audienceReport(app: App, idOrName: string, problemLimit: number): Promise<AudienceReport> {
  const store = await audienceStore(app);
  const audience = await mustFind(store, idOrName);
  return {
    audience,
    jurisdictions: await store.byJurisdiction(audience.id),
    problems: await store.problems(audience.id, problemLimit),
  };
}

export async function listAudiences(app: App): Promise<AudienceInfo[]> {
  return (await audienceStore(app)).audiences();
}

export async function audienceRecipients(
  app: App,
  idOrName: string,
  limit: number,
): Promise<{ audience: AudienceInfo; recipients: Recipient[] }> {
  const store = await audienceStore(app);
  const audience = await mustFind(store, idOrName);
  const page = await store.recipients(audience.id, 0, limit);
  return { audience, recipients: page.map((p) => p.recipient) };
}

// ---- templates: preview and lint -------------------------------------------------------------

/** The shipped notices (templates/notices/NAME.md). */
export const shippedNotices = resolve(import.meta.dirname, '../../templates/notices');

export function noticeTemplateNames(): string[] {
  return readdirSync(shippedNotices)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** A shipped template by name, or an owner's template file (a path ending in .md). */
function loadTemplate(nameOrFile: string): NoticeTemplate {
  const file = nameOrFile.endsWith('.md') ? nameOrFile : join(shippedNotices, `${nameOrFile}.md`);
  if (!nameOrFile.endsWith('.md') && !/^[a-z0-9-]+$/.test(nameOrFile))
    throw new AppError('usage', `no such template: ${nameOrFile} (shipped: ${noticeTemplateNames().join(', ')})`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AppError('not_found', `no such template (shipped: ${noticeTemplateNames().join(', ')})`, {
      where: file,
    });
  }
  return parseTemplate(file, text);
}

function loadVars(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('parse', `cannot read the notice values: ${e instanceof Error ? e.message : String(e)}`, {
      where: file,
    });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new AppError('parse', 'the notice values file must be a mapping (shop:, incident:)', { where: file });
  return v as Record<string, unknown>;
}

export const exampleVars = join(shippedNotices, 'example-vars.yml');

const sampleRecipient = { name: 'Alex Sample', firstName: 'Alex', lastName: 'Sample', email: 'alex@example.com' };

export interface PreviewOptions {
  template: string;
  varsFile: string;
  audience?: string;
  /** Position in the audience (1 = first) or the address. */
  recipient?: string;
}

export async function previewNotice(app: App | null, o: PreviewOptions): Promise<RenderedNotice> {
  const t = loadTemplate(o.template);
  let recipient: Record<string, unknown> = sampleRecipient;
  if (o.audience !== undefined && app !== null) {
    const store = await audienceStore(app);
    const a = await mustFind(store, o.audience);
    const want = o.recipient ?? '1';
    const n = /^\d+$/.test(want) ? Number(want) : 0;
    let found: Recipient | undefined;
    let after = 0;
    let seen = 0;
    for (;;) {
      const page = await store.recipients(a.id, after, 1000);
      if (page.length === 0) break;
      for (const p of page) {
        seen++;
        if ((n > 0 && seen === n) || (n === 0 && p.recipient.key === want.toLowerCase())) found = p.recipient;
      }
      if (found !== undefined) break;
      after = page[page.length - 1]?.pos ?? after;
    }
    if (found === undefined) throw new AppError('not_found', `no recipient ${want} in audience ${a.name}`);
    recipient = { ...found.extra, ...found, name: found.name ?? found.email };
  }
  return renderNotice(t, { ...loadVars(o.varsFile), recipient });
}

export interface LintResult {
  template: string;
  jurisdictions: string[];
  gaps: (LintGap | { kind: 'placeholder'; jurisdiction: '-'; element: '-'; message: string })[];
}

export async function lintTemplate(template: string, codes: readonly string[], varsFile: string): Promise<LintResult> {
  const t = loadTemplate(template);
  const req = contentRequirements(codes);
  let rendered: RenderedNotice;
  try {
    rendered = await renderNotice(t, { ...loadVars(varsFile), recipient: sampleRecipient });
  } catch (e) {
    if (e instanceof AppError && e.code === 'parse')
      return {
        template,
        jurisdictions: req.jurisdictions,
        gaps: [{ kind: 'placeholder', jurisdiction: '-', element: '-', message: e.message }],
      };
    throw e;
  }
  return { template, jurisdictions: req.jurisdictions, gaps: lintNotice(t, rendered, req) };
}

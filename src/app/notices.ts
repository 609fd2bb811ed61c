// Wiring of customer breach notices: the notices subsystem's audience import over the app's
// store (AudienceStore on SQLite/PostgreSQL), a CSV file stream, and the shop database reader.
// Composition only; the rules live in src/notices. (Moves onto createApp once approot lands.)

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SqlAudienceStore } from '../adapters/db/notices-audience-store.ts';
import { openCustomerReader } from '../adapters/shopdb/customers.ts';
import { AppError } from '../core/errors.ts';
import {
  fromCsv,
  fromShop,
  importAudience,
  readCsv,
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

// Building an audience: rows from a CSV file or from the shop's database become recipients
// (checked address, normalised key, jurisdiction from the address) and go into the store in
// batches, so a million customers take little memory. Invalid rows and repeated addresses are
// kept as problems with their line or customer id, never dropped without a word.

import { checkAddress } from './address.ts';
import type { CsvItem } from './csv.ts';
import { placeOf } from './jurisdiction.ts';
import type { AudienceInfo, AudienceProblem, AudienceStore, CustomerRow, Recipient } from './ports.ts';

type Item =
  | {
      ok: true;
      source: string;
      email: string;
      firstName: string | null;
      lastName: string | null;
      name: string | null;
      country: string | null;
      region: string | null;
      extra: Record<string, string>;
    }
  | { ok: false; source: string; message: string };

const blank = (s: string | null | undefined): string | null =>
  s === undefined || s === null || s.trim() === '' ? null : s.trim();

export async function* fromCsv(items: AsyncIterable<CsvItem>): AsyncIterable<Item> {
  for await (const it of items) {
    if (!it.ok) {
      yield { ok: false, source: `line ${it.line}`, message: it.message };
      continue;
    }
    const f = it.row.fields;
    yield {
      ok: true,
      source: `line ${it.row.line}`,
      email: f.email ?? '',
      firstName: blank(f.first_name),
      lastName: blank(f.last_name),
      name: blank(f.name),
      country: blank(f.country),
      region: blank(f.region),
      extra: it.row.extra,
    };
  }
}

export async function* fromShop(rows: AsyncIterable<CustomerRow>): AsyncIterable<Item> {
  for await (const r of rows)
    yield {
      ok: true,
      source: `customer ${r.id}`,
      email: r.email ?? '',
      firstName: blank(r.firstName),
      lastName: blank(r.lastName),
      name: null,
      country: blank(r.country),
      region: blank(r.region),
      extra: {},
    };
}

function toRecipient(it: Extract<Item, { ok: true }>): Recipient | AudienceProblem {
  const a = checkAddress(it.email);
  if (!a.ok) return { kind: 'invalid', source: it.source, message: a.reason };
  const place = placeOf(it.country, it.region);
  const name = it.name ?? ([it.firstName, it.lastName].filter((x) => x !== null).join(' ') || null);
  return {
    key: a.key,
    email: a.address,
    name,
    firstName: it.firstName,
    lastName: it.lastName,
    country: place.country,
    region: place.region,
    jurisdiction: place.jurisdiction,
    source: it.source,
    extra: it.extra,
  };
}

export interface ImportOptions {
  batchSize?: number;
  /** Called after each batch with the rows read so far. */
  onProgress?: (rows: number) => void;
}

/** Streams items into a new audience; returns its summary. */
export async function importAudience(
  store: AudienceStore,
  name: string,
  origin: string,
  items: AsyncIterable<Item>,
  o: ImportOptions = {},
): Promise<AudienceInfo> {
  const size = o.batchSize ?? 1000;
  const info = await store.createAudience(name, origin);
  let recipients: Recipient[] = [];
  let problems: AudienceProblem[] = [];
  let rows = 0;
  const flush = async (): Promise<void> => {
    const { duplicates } = await store.addBatch(info.id, recipients, problems);
    void duplicates;
    o.onProgress?.(rows);
    recipients = [];
    problems = [];
  };
  for await (const it of items) {
    rows++;
    if (!it.ok) problems.push({ kind: 'invalid', source: it.source, message: it.message });
    else {
      const r = toRecipient(it);
      if ('key' in r) recipients.push(r);
      else problems.push(r);
    }
    if (recipients.length + problems.length >= size) await flush();
  }
  await flush();
  return (await store.audience(String(info.id))) ?? info;
}

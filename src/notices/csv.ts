// CSV audiences: bytes in any of the encodings shop exports use (UTF-8 with or without BOM,
// Latin-1/Windows-1252) -> decoded text -> csv-parse records (quoted fields, embedded commas and
// newlines) -> rows keyed by our field names through the header mapping, each with its line.
// A record csv-parse cannot read (wrong column count, bad quoting) is reported, not dropped.

import { parse } from 'csv-parse';
import { AppError } from '../core/errors.ts';

export type CsvEncoding = 'auto' | 'utf-8' | 'windows-1252';

export const recipientFields = ['email', 'first_name', 'last_name', 'name', 'country', 'region'] as const;
export type RecipientField = (typeof recipientFields)[number];

/** Header spellings recognised without a mapping (compared case- and punctuation-insensitively). */
const ALIASES: Record<RecipientField, readonly string[]> = {
  email: [
    'email',
    'e-mail',
    'email address',
    'e-mail address',
    'mail',
    'customer email',
    'user_email',
    'billing_email',
  ],
  first_name: ['first name', 'firstname', 'first_name', 'given name', 'forename', 'vorname', 'billing_first_name'],
  last_name: ['last name', 'lastname', 'last_name', 'surname', 'family name', 'nachname', 'billing_last_name'],
  name: ['name', 'full name', 'customer name', 'customer'],
  country: ['country', 'country code', 'country_id', 'country_code', 'billing_country', 'land'],
  region: ['state', 'region', 'province', 'state/province', 'state_code', 'billing_state', 'region_code'],
};

const foldHeader = (s: string): string => s.toLowerCase().replace(/[\s_\-./]+/g, '');

interface CsvRow {
  line: number;
  fields: Partial<Record<RecipientField, string>>;
  extra: Record<string, string>;
}

export type CsvItem = { ok: true; row: CsvRow } | { ok: false; line: number; message: string };

/** Which of our fields each header column holds; `map` (field -> header) overrides the aliases. */
function mapHeader(
  header: readonly string[],
  map: Partial<Record<RecipientField, string>>,
  where: string,
): (RecipientField | null)[] {
  const out: (RecipientField | null)[] = header.map(() => null);
  const folded = header.map(foldHeader);
  for (const f of recipientFields) {
    const wanted = map[f];
    if (wanted !== undefined) {
      const i = folded.indexOf(foldHeader(wanted));
      if (i < 0)
        throw new AppError('usage', `--map ${f}=${wanted}: no such column (columns: ${header.join(', ')})`, { where });
      out[i] = f;
      continue;
    }
    const i = folded.findIndex((h, j) => out[j] === null && ALIASES[f].some((a) => foldHeader(a) === h));
    if (i >= 0) out[i] = f;
  }
  if (!out.includes('email'))
    throw new AppError(
      'parse',
      `no e-mail column in the header (columns: ${header.join(', ')}); name it with --map email=COLUMN`,
      { where: `${where}:1` },
    );
  return out;
}

type Decoder = InstanceType<typeof TextDecoder>;

/** Decodes chunks to text: BOM -> UTF-8; `auto` picks UTF-8 when the first 64 KiB are valid UTF-8, else Windows-1252. */
async function* decode(input: AsyncIterable<Uint8Array>, encoding: CsvEncoding, where: string): AsyncIterable<string> {
  let decoder: Decoder | null = encoding === 'auto' ? null : new TextDecoder(encoding, { fatal: true });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const choose = (bytes: Uint8Array): Decoder => {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8', { fatal: true });
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
      return new TextDecoder('utf-8', { fatal: true });
    } catch {
      return new TextDecoder('windows-1252');
    }
  };
  const run = (d: Decoder, b: Uint8Array, stream: boolean): string => {
    try {
      return d.decode(b, { stream });
    } catch {
      throw new AppError('parse', 'the file is not valid UTF-8 after its start; try --encoding windows-1252', {
        where,
      });
    }
  };
  for await (const chunk of input) {
    if (decoder === null) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < 65_536) continue;
      const all = Buffer.concat(pending);
      pending = [];
      decoder = choose(all);
      yield run(decoder, all, true);
      continue;
    }
    yield run(decoder, chunk, true);
  }
  if (decoder === null) {
    const all = Buffer.concat(pending);
    decoder = choose(all);
    yield run(decoder, all, false);
  } else yield run(decoder, new Uint8Array(), false);
}

/** The rows of a CSV audience, streamed; the header row is line 1. */
export async function* readCsv(
  input: AsyncIterable<Uint8Array>,
  opts: { encoding: CsvEncoding; map: Partial<Record<RecipientField, string>>; where: string },
): AsyncIterable<CsvItem> {
  const skipped: { line: number; message: string }[] = [];
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: false,
    trim: true,
  });
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, message: err.message.replace(/^Invalid Record Length: /, '') });
  });
  const feed = (async () => {
    try {
      for await (const text of decode(input, opts.encoding, opts.where)) {
        if (!parser.write(text)) await new Promise((r) => parser.once('drain', r));
      }
      parser.end();
    } catch (e) {
      parser.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  let columns: (RecipientField | null)[] | null = null;
  let header: string[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      while (skipped.length > 0) {
        const s = skipped.shift() as { line: number; message: string };
        yield { ok: false, line: s.line, message: s.message };
      }
      if (columns === null) {
        header = item.record;
        columns = mapHeader(header, opts.map, opts.where);
        continue;
      }
      const fields: Partial<Record<RecipientField, string>> = {};
      const extra: Record<string, string> = {};
      item.record.forEach((v, i) => {
        const f = columns?.[i];
        if (f !== null && f !== undefined) fields[f] = v;
        else if (v !== '') extra[header[i] ?? `column ${i + 1}`] = v;
      });
      yield { ok: true, row: { line: item.info.lines, fields, extra } };
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const m = e as Error & { lines?: number };
    throw new AppError('parse', `cannot read the CSV: ${m.message}`, {
      where: m.lines !== undefined ? `${opts.where}:${m.lines}` : opts.where,
    });
  }
  await feed;
  for (const s of skipped) yield { ok: false, line: s.line, message: s.message };
  if (columns === null) throw new AppError('parse', 'the CSV file is empty (no header row)', { where: opts.where });
}

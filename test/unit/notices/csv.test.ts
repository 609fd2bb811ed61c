// CSV audiences: header aliases and --map, quoted fields with commas and newlines, UTF-8 with a
// BOM and Windows-1252, and malformed records reported with their line; property: any table
// written as CSV reads back with the same values and line numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCsv, type CsvItem } from '../../../src/notices/csv.ts';
import { AppError } from '../../../src/core/errors.ts';

async function* chunks(b: Uint8Array, size = 7): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function read(
  bytes: Uint8Array,
  map = {},
  encoding: 'auto' | 'utf-8' | 'windows-1252' = 'auto',
): Promise<CsvItem[]> {
  const out: CsvItem[] = [];
  for await (const it of readCsv(chunks(bytes), { encoding, map, where: 'x.csv' })) out.push(it);
  return out;
}

const rows = (items: CsvItem[]) => items.flatMap((i) => (i.ok ? [i.row] : []));

test('aliases, quoted fields and a UTF-8 BOM', async () => {
  const text = '\ufeffE-Mail,Vorname,Surname,Land\n"a@x.com","Ann, ""the"" first","Lee\nJr.",DE\nb@x.com,Bo,Ng,US\n';
  const r = rows(await read(new TextEncoder().encode(text)));
  assert.equal(r.length, 2);
  assert.deepEqual(r[0]?.fields, {
    email: 'a@x.com',
    first_name: 'Ann, "the" first',
    last_name: 'Lee\nJr.',
    country: 'DE',
  });
  assert.equal(r[1]?.line, 4, 'the quoted newline counts as a line');
});

test('Windows-1252 is detected and decoded', async () => {
  const bytes = Buffer.from('email,name\nj@x.de,J\xfcrgen M\xfcller \x80\n', 'latin1');
  const r = rows(await read(bytes));
  assert.equal(r[0]?.fields.name, 'Jürgen Müller €');
});

test('--map names a column; a missing e-mail column is an error naming the columns', async () => {
  const r = rows(await read(new TextEncoder().encode('Kontakt,Name\na@x.com,Ann\n'), { email: 'Kontakt' }));
  assert.equal(r[0]?.fields.email, 'a@x.com');
  await assert.rejects(read(new TextEncoder().encode('Kontakt,Name\na@x.com,Ann\n')), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.match(e.message, /no e-mail column.*Kontakt, Name/);
    return true;
  });
});

test('a record with the wrong number of fields is reported with its line, the rest read', async () => {
  const items = await read(new TextEncoder().encode('email,name\na@x.com,A\nb@x.com,B,extra\nc@x.com,C\n'));
  const bad = items.filter((i) => !i.ok);
  assert.equal(bad.length, 1);
  assert.equal(bad[0]?.ok === false ? bad[0].line : 0, 3);
  assert.deepEqual(
    rows(items).map((r) => r.fields.email),
    ['a@x.com', 'c@x.com'],
  );
});

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

test('property: any table reads back with its values and line numbers', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 })),
        { maxLength: 20 },
      ),
      fc.boolean(),
      async (table, bom) => {
        // Every field is quoted, so values come back exactly (trim only applies outside quotes).
        let text = `${bom ? '\ufeff' : ''}email,name\n`;
        const expected: { line: number; email: string; name: string }[] = [];
        let line = 2;
        for (const [e, n] of table) {
          const rec = `${quote(e)},${quote(n)}\n`;
          expected.push({ line: line + (rec.match(/\r\n|\r|\n/g)?.length ?? 1) - 1, email: e, name: n });
          text += rec;
          line += rec.match(/\r\n|\r|\n/g)?.length ?? 1;
        }
        const got = rows(await read(new TextEncoder().encode(text), {}, 'utf-8'));
        assert.deepEqual(
          got.map((r) => ({ line: r.line, email: r.fields.email ?? '', name: r.fields.name ?? '' })),
          expected,
        );
      },
    ),
    { numRuns: 60 },
  );
});

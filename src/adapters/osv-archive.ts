// Reads OSV advisories from an archive as OSV publishes them per ecosystem (`all.zip`, one JSON
// file per record; read with yauzl) or from a folder of JSON files. Every record is validated
// with the OSV schema; the first bad file or record refuses the whole input with its name, so
// the store keeps its previous data.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import yauzl from 'yauzl';
import { AppError } from '../core/errors.ts';
import { osvRecordSchema, type OsvRecord } from '../software/index.ts';

const MAX_RECORD = 8 * 1024 * 1024;

function parseRecord(text: string, where: string): OsvRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AppError('parse', `not JSON: ${e instanceof Error ? e.message : String(e)}`, { where });
  }
  const r = osvRecordSchema.safeParse(json);
  if (!r.success) {
    const id = typeof (json as { id?: unknown })?.id === 'string' ? ` (record ${(json as { id: string }).id})` : '';
    throw new AppError('parse', `not an OSV record${id}`, {
      where,
      details: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
    });
  }
  return r.data;
}

function readZip(file: string): Promise<OsvRecord[]> {
  return new Promise((resolvePromise, reject) => {
    yauzl.open(file, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err !== null || zip === undefined) {
        reject(
          new AppError('parse', `not a readable zip archive: ${err?.message ?? 'unknown error'}`, { where: file }),
        );
        return;
      }
      const records: OsvRecord[] = [];
      const fail = (e: unknown) => {
        zip.close();
        reject(
          e instanceof AppError
            ? e
            : new AppError('parse', e instanceof Error ? e.message : String(e), { where: file }),
        );
      };
      zip.on('error', fail);
      zip.on('end', () => resolvePromise(records));
      zip.on('entry', (entry: yauzl.Entry) => {
        const where = `${file}:${entry.fileName}`;
        if (entry.fileName.endsWith('/') || !entry.fileName.endsWith('.json')) {
          zip.readEntry();
          return;
        }
        if (entry.uncompressedSize > MAX_RECORD) {
          fail(new AppError('parse', `record larger than ${MAX_RECORD} bytes`, { where }));
          return;
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 !== null || stream === undefined) {
            fail(new AppError('parse', `cannot read: ${e2?.message ?? 'unknown error'}`, { where }));
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e3: Error) =>
            fail(new AppError('parse', `truncated or damaged: ${e3.message}`, { where })),
          );
          stream.on('end', () => {
            try {
              records.push(parseRecord(Buffer.concat(chunks).toString('utf8'), where));
              zip.readEntry();
            } catch (e4) {
              fail(e4);
            }
          });
        });
      });
      zip.readEntry();
    });
  });
}

function readDir(dir: string): OsvRecord[] {
  const out: OsvRecord[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.json')) {
        if (statSync(p).size > MAX_RECORD)
          throw new AppError('parse', `record larger than ${MAX_RECORD} bytes`, { where: p });
        out.push(parseRecord(readFileSync(p, 'utf8'), p));
      }
    }
  };
  walk(dir, 0);
  return out;
}

/** The ecosystems a set of records covers (each record's first package's ecosystem). */
function ecosystemsOf(records: readonly OsvRecord[]): string[] {
  const s = new Set<string>();
  for (const r of records) for (const a of r.affected ?? []) if (a.package !== undefined) s.add(a.package.ecosystem);
  return [...s].sort();
}

export async function readOsv(path: string): Promise<{ ecosystems: string[]; records: OsvRecord[] }> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new AppError('not_found', 'no such file or folder', { where: path });
  }
  const records = st.isDirectory() ? readDir(path) : await readZip(path);
  if (records.length === 0) throw new AppError('parse', 'no OSV records in it', { where: basename(path) });
  return { ecosystems: ecosystemsOf(records), records };
}

/** OSV's published per-ecosystem archives. Needs the network; fails with a clear error offline. */
export async function downloadOsv(ecosystem: string, dest: string): Promise<string> {
  const url = `https://osv-vulnerabilities.storage.googleapis.com/${encodeURIComponent(ecosystem)}/all.zip`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    throw new AppError(
      'unavailable',
      `cannot download the ${ecosystem} advisories (offline?): ${e instanceof Error ? e.message : String(e)}; import an archive with --from FILE|DIR`,
      { where: url },
    );
  }
  if (!res.ok) throw new AppError('unavailable', `download failed: HTTP ${res.status}`, { where: url });
  const { writeFileSync } = await import('node:fs');
  const file = join(dest, `${ecosystem.replace(/[^A-Za-z0-9.-]/g, '_')}.zip`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

// Reads OSV advisories from an archive as OSV publishes them per ecosystem (`all.zip`, one JSON
// file per record; read with yauzl), a folder of JSON files, or the Wordfence feed (WordPress),
// and downloads them. Every record is validated
// with the OSV schema; the first bad file or record refuses the whole input with its name, so
// the store keeps its previous data.

import {
  closeSync,
  createWriteStream,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename, join } from 'node:path';
import yauzl from 'yauzl';
import { AppError } from '../core/errors.ts';
import { isWordfenceFeed, osvRecordSchema, readWordfenceFeed, type OsvRecord } from '../software/index.ts';

const MAX_RECORD = 8 * 1024 * 1024;
/** The Wordfence feed is one JSON document of every WordPress advisory (~100 MB in 2026). */
const MAX_FEED = 1024 * 1024 * 1024;

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

/** A file that is not a zip: one OSV record, a JSON array of them, or the Wordfence feed. */
function readJsonFile(file: string): OsvRecord[] {
  if (statSync(file).size > MAX_FEED) throw new AppError('parse', `larger than ${MAX_FEED} bytes`, { where: file });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('parse', `neither a zip archive nor JSON: ${e instanceof Error ? e.message : String(e)}`, {
      where: file,
    });
  }
  if (isWordfenceFeed(json)) {
    const r = readWordfenceFeed(json);
    if ('problem' in r)
      throw new AppError('parse', `not a Wordfence feed record (record ${r.problem.id})`, {
        where: file,
        details: r.problem.details,
      });
    return r.records;
  }
  const list = Array.isArray(json) ? json : [json];
  return list.map((x, i) => parseRecord(JSON.stringify(x), Array.isArray(json) ? `${file}[${i}]` : file));
}

function isZip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads advisories from an OSV zip archive, a folder of OSV JSON files, one OSV JSON file (a
 * record or an array), or the Wordfence Intelligence feed (WordPress; converted to OSV).
 */
export async function readOsv(path: string): Promise<{ ecosystems: string[]; records: OsvRecord[] }> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new AppError('not_found', 'no such file or folder', { where: path });
  }
  const records = st.isDirectory() ? readDir(path) : isZip(path) ? await readZip(path) : readJsonFile(path);
  if (records.length === 0) throw new AppError('parse', 'no OSV records in it', { where: basename(path) });
  return { ecosystems: ecosystemsOf(records), records };
}

/** Where an ecosystem's advisories are published: OSV's per-ecosystem archive, or the Wordfence feed for WordPress. */
function advisoryUrl(ecosystem: string, urls: { osvUrl: string; wordfenceUrl: string }): string {
  if (ecosystem === 'WordPress') return urls.wordfenceUrl;
  return `${urls.osvUrl.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}/all.zip`;
}

/**
 * Downloads one ecosystem's advisories into `dest` (streamed to disk: Debian's archive is
 * hundreds of megabytes). Needs the network; fails with a clear error offline. The file is
 * written under a temporary name and renamed when complete, so a cut download is never read.
 */
export async function downloadAdvisories(
  ecosystem: string,
  dest: string,
  urls: { osvUrl: string; wordfenceUrl: string },
): Promise<string> {
  const url = advisoryUrl(ecosystem, urls);
  const file = join(
    dest,
    `${ecosystem.replace(/[^A-Za-z0-9.-]/g, '_')}${ecosystem === 'WordPress' ? '.json' : '.zip'}`,
  );
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
    throw new AppError(
      'unavailable',
      `cannot download the ${ecosystem} advisories (offline?): ${e instanceof Error ? e.message : String(e)}${cause}; import them with --from FILE|DIR`,
      { where: url },
    );
  }
  if (!res.ok || res.body === null)
    throw new AppError('unavailable', `download of the ${ecosystem} advisories failed: HTTP ${res.status}`, {
      where: url,
    });
  const part = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(part));
  } catch (e) {
    rmSync(part, { force: true });
    throw new AppError(
      'unavailable',
      `download of the ${ecosystem} advisories was cut: ${e instanceof Error ? e.message : String(e)}`,
      {
        where: url,
      },
    );
  }
  renameSync(part, file);
  return file;
}

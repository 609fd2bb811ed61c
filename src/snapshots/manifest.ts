// Manifests: the entries of a snapshot as JSON lines, cut into tree blobs with content-defined
// chunking so that a manifest mostly deduplicates against the one before it. Also the checks
// that keep paths read back from a manifest inside the folder they are restored to.

import { AppError } from '../core/errors.ts';
import { type Cdc, ChunkWindow, feed, WindowBuffers } from './chunker.ts';
import type { BlobStore } from './store.ts';
import type { ManifestEntry } from './types.ts';

const fieldOrder: readonly (keyof ManifestEntry)[] = [
  'root',
  'path',
  'rawPath',
  'type',
  'mode',
  'uid',
  'gid',
  'size',
  'mtimeMs',
  'ctimeMs',
  'ino',
  'dev',
  'nlink',
  'target',
  'linkTo',
  'hash',
  'chunks',
];

/** JSON with a fixed key order, so the same entry always serialises to the same bytes (and dedupes). */
function canonical(e: ManifestEntry): string {
  const o: Record<string, unknown> = {};
  for (const k of fieldOrder) if (e[k] !== undefined) o[k] = e[k];
  return JSON.stringify(o);
}

export async function saveManifest(store: BlobStore, cdc: Cdc, entries: readonly ManifestEntry[]): Promise<string[]> {
  // Window buffers used again once their pieces are sealed: a fresh 2 MiB buffer per refill
  // cost a 100,000-file snapshot ~70 MB of its peak at the end.
  const win = new ChunkWindow(cdc, new WindowBuffers(2));
  const ids: string[] = [];
  const take = async (final: boolean): Promise<void> => {
    for (let c = win.next(final); c !== null; c = win.next(final))
      ids.push((await store.save('tree', c, undefined, () => win.release(c))).id);
  };
  const add = async (text: string): Promise<void> => {
    // Written straight into the window (no buffer of its own) when it fits, as it does unless
    // one entry is longer than a chunk's maximum (a file of many thousand chunks): that one
    // goes in by pieces, chunks taken between them.
    const room = win.space();
    if (Buffer.byteLength(text) <= room.length) {
      win.commit(room.write(text));
      return;
    }
    await feed(win, Buffer.from(text), () => take(false));
  };
  let parts: string[] = [];
  let size = 0;
  for (const e of entries) {
    const line = `${canonical(e)}\n`;
    parts.push(line);
    size += line.length;
    if (size >= 64 * 1024) {
      await add(parts.join(''));
      parts = [];
      size = 0;
      await take(false);
    }
  }
  if (parts.length > 0) await add(parts.join(''));
  await take(true);
  win.close();
  return ids;
}

export async function loadManifestEntries(store: BlobStore, ids: readonly string[]): Promise<ManifestEntry[]> {
  const bufs: Buffer[] = [];
  let total = 0;
  for (const id of ids) {
    const b = await store.load(id);
    bufs.push(b);
    total += b.length;
  }
  // One JSON array rather than a JSON.parse and a substring per line (100,000 of each cost
  // ~0.15 s): the line breaks become commas (JSON text never holds a raw line break inside a
  // value, and no UTF-8 sequence contains the byte), empty lines spaces.
  const all = Buffer.allocUnsafe(total + 2);
  all[0] = 0x5b; // [
  let end = 1;
  for (const b of bufs) end += b.copy(all, end);
  while (end > 1 && (all[end - 1] === 0x0a || all[end - 1] === 0x0d)) end--;
  for (let i = all.indexOf(0x0a, 1); i !== -1 && i < end; i = all.indexOf(0x0a, i + 1))
    all[i] = all[i - 1] === 0x2c || all[i - 1] === 0x5b || all[i - 1] === 0x20 ? 0x20 : 0x2c;
  all[end] = 0x5d; // ]
  let parsed: unknown;
  try {
    parsed = JSON.parse(all.toString('utf8', 0, end + 1));
  } catch {
    throw new AppError('corrupt', 'a manifest is not JSON lines (damaged)');
  }
  return parsed as ManifestEntry[];
}

/** The entry's relative path as bytes (exact even for names that are not UTF-8), refused if it could escape. */
export function entryPathBytes(e: ManifestEntry): Buffer {
  const raw = e.rawPath !== undefined ? Buffer.from(e.rawPath, 'base64') : Buffer.from(e.path, 'utf8');
  if (raw.length === 0) return raw;
  if (raw[0] === 0x2f || raw.includes(0))
    throw new AppError('corrupt', 'manifest path is absolute or has a NUL', { where: e.path });
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i] === 0x2f) {
      const part = raw.subarray(start, i).toString('latin1');
      if (part === '' || part === '.' || part === '..')
        throw new AppError('corrupt', 'manifest path has an empty, . or .. component', { where: e.path });
      start = i + 1;
    }
  }
  return raw;
}

export function compareEntries(a: ManifestEntry, b: ManifestEntry, rootOrder: ReadonlyMap<string, number>): number {
  const ra = rootOrder.get(a.root) ?? 0;
  const rb = rootOrder.get(b.root) ?? 0;
  if (ra !== rb) return ra - rb;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

// The index files of a repository (index/<sha256>, sealed JSON): which blobs each pack holds,
// where, and how long. Version 2 keeps a pack's blobs as one base64 string of fixed 48-byte
// rows, so loading 100,000 blobs is a few large strings to decode instead of 100,000 arrays and
// 200,000 strings for JSON.parse and the garbage collector (0.6-0.9 s and ~70 MB at each start
// of a command on such a repository). Version 1 (a JSON array per blob) is still read.

import { AppError } from '../core/errors.ts';

/** A blob row in memory: [id hex, 'd'|'t', offset, length, rawLength, compressed 0|1]. */
export type IndexRow = [string, 'd' | 't', number, number, number, 0 | 1];

/** A pack and its blobs, as prune and check handle them. */
export interface IndexPack {
  id: string;
  size: number;
  blobs: IndexRow[];
}

/** An index file read (either version), with its blobs as rows. */
export interface IndexFile {
  packs: IndexPack[];
}

/** One pack of a version 2 file: its blobs as ROW-byte rows, base64. */
interface StoredPack {
  id: string;
  size: number;
  rows: string;
}

interface StoredIndexV2 {
  version: 2;
  packs: StoredPack[];
}

/** id (32 bytes), offset, length, raw length (u32 LE each), flags, 3 bytes reserved. */
export const ROW = 48;
/** Where each field of a row starts. */
export const ROW_OFFSET = 32;
export const ROW_LENGTH = 36;
export const ROW_RAW = 40;
export const ROW_FLAGS = 44;
export const ROW_COMPRESSED = 1;
export const ROW_TREE = 2;
const U32 = 2 ** 32;

/** The JSON to store for these packs (version 2). */
export function encodeIndexFile(packs: readonly IndexPack[]): StoredIndexV2 {
  return {
    version: 2,
    packs: packs.map((p) => {
      const rows = Buffer.alloc(p.blobs.length * ROW);
      p.blobs.forEach(([id, t, offset, length, rawLength, c], i) => {
        const at = i * ROW;
        if (rows.write(id, at, 32, 'hex') !== 32)
          throw new AppError('internal', `blob id ${id} is not 32 bytes of hex`);
        // Packs are ~16 MiB and blobs at most a chunk: 4 GiB is far off, but never wrap silently.
        if (offset >= U32 || length >= U32 || rawLength >= U32)
          throw new AppError('internal', `blob ${id.slice(0, 16)} lies beyond what an index row holds`);
        rows.writeUInt32LE(offset, at + ROW_OFFSET);
        rows.writeUInt32LE(length, at + ROW_LENGTH);
        rows.writeUInt32LE(rawLength, at + ROW_RAW);
        rows[at + ROW_FLAGS] = (c === 1 ? ROW_COMPRESSED : 0) | (t === 't' ? ROW_TREE : 0);
      });
      return { id: p.id, size: p.size, rows: rows.toString('base64') };
    }),
  };
}

const isHexId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/**
 * Calls `v2` with each pack's rows as bytes (version 2) or `v1` with its rows (version 1),
 * after checking the layout; a damaged file is an AppError `corrupt` naming `where`.
 */
export function visitIndexFile(
  v: unknown,
  where: string,
  on: { v1(pack: IndexPack): void; v2(id: string, size: number, rows: Buffer): void },
): void {
  const f = v as { version?: unknown; packs?: unknown };
  const bad = (what: string): AppError => new AppError('corrupt', `index file ${what}`, { where });
  if (f === null || typeof f !== 'object' || !Array.isArray(f.packs)) throw bad('has an unknown layout');
  if (f.version === 1) {
    for (const p of f.packs as IndexPack[]) {
      if (!isHexId(p?.id) || typeof p.size !== 'number' || !Array.isArray(p.blobs)) throw bad('names a pack wrongly');
      on.v1(p);
    }
    return;
  }
  if (f.version !== 2) throw bad('has an unknown layout');
  for (const p of f.packs as StoredPack[]) {
    if (!isHexId(p?.id) || typeof p.size !== 'number' || typeof p.rows !== 'string') throw bad('names a pack wrongly');
    const rows = Buffer.from(p.rows, 'base64');
    if (rows.length % ROW !== 0) throw bad(`has a pack whose rows are cut short (${p.id.slice(0, 16)})`);
    on.v2(p.id, p.size, rows);
  }
}

/** The rows of a version 2 pack, as version 1 had them. */
function rowsOf(rows: Buffer): IndexRow[] {
  const out: IndexRow[] = [];
  for (let at = 0; at < rows.length; at += ROW) {
    const flags = rows[at + ROW_FLAGS] as number;
    out.push([
      rows.toString('hex', at, at + ROW_OFFSET), // the id fills the row up to its first field
      flags & ROW_TREE ? 't' : 'd',
      rows.readUInt32LE(at + ROW_OFFSET),
      rows.readUInt32LE(at + ROW_LENGTH),
      rows.readUInt32LE(at + ROW_RAW),
      flags & ROW_COMPRESSED ? 1 : 0,
    ]);
  }
  return out;
}

/** An index file's packs with their blobs as rows (either version). */
export function parseIndexFile(v: unknown, where: string): IndexFile {
  const packs: IndexPack[] = [];
  visitIndexFile(v, where, {
    v1: (p) => packs.push(p),
    v2: (id, size, rows) => packs.push({ id, size, blobs: rowsOf(rows) }),
  });
  return { packs };
}

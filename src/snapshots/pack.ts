// Pack files: many sealed blobs in one repository file, so 100,000 small files do not become
// 100,000 repository files. Layout: blob* || sealed header || header length (u32 LE). The
// header lists each blob (type, flags, id, sealed length, raw length) in order, so the index
// can always be rebuilt from the packs themselves.

import { AppError } from '../core/errors.ts';
import { aad, open, seal } from './crypto.ts';

export type BlobType = 'data' | 'tree';

export interface PackedBlob {
  type: BlobType;
  /** Raw id bytes (32). */
  id: Buffer;
  /** Stored zstd-compressed. */
  compressed: boolean;
  /** Bytes in the pack (sealed). */
  length: number;
  /** Bytes of the plain content. */
  rawLength: number;
}

export interface PackEntry extends PackedBlob {
  offset: number;
}

const ENTRY = 1 + 1 + 32 + 4 + 4;
const HEADER_AAD = aad('ripcord-pack-header');

export function blobAad(id: Uint8Array): Buffer {
  return Buffer.concat([aad('ripcord-blob:'), id]);
}

export function encodeHeader(key: Buffer, blobs: readonly PackedBlob[]): Buffer {
  const plain = Buffer.allocUnsafe(blobs.length * ENTRY);
  blobs.forEach((b, i) => {
    const o = i * ENTRY;
    plain[o] = b.type === 'tree' ? 1 : 0;
    plain[o + 1] = b.compressed ? 1 : 0;
    b.id.copy(plain, o + 2);
    plain.writeUInt32LE(b.length, o + 34);
    plain.writeUInt32LE(b.rawLength, o + 38);
  });
  const sealed = seal(key, plain, HEADER_AAD);
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32LE(sealed.length, 0);
  return Buffer.concat([sealed, len]);
}

/** Reads the header of a whole pack (or of its tail, given the pack size). */
export function decodeHeader(key: Buffer, pack: Buffer, where: string): PackEntry[] {
  if (pack.length < 4) throw new AppError('corrupt', 'pack too short', { where });
  const hlen = pack.readUInt32LE(pack.length - 4);
  if (hlen + 4 > pack.length) throw new AppError('corrupt', 'pack header length is out of range', { where });
  const plain = open(key, pack.subarray(pack.length - 4 - hlen, pack.length - 4), HEADER_AAD, `pack ${where} header`);
  if (plain.length % ENTRY !== 0) throw new AppError('corrupt', 'pack header has a broken length', { where });
  const out: PackEntry[] = [];
  let offset = 0;
  for (let o = 0; o < plain.length; o += ENTRY) {
    const e: PackEntry = {
      type: plain[o] === 1 ? 'tree' : 'data',
      compressed: plain[o + 1] === 1,
      id: Buffer.from(plain.subarray(o + 2, o + 34)),
      length: plain.readUInt32LE(o + 34),
      rawLength: plain.readUInt32LE(o + 38),
      offset,
    };
    offset += e.length;
    out.push(e);
  }
  if (offset !== pack.length - 4 - hlen)
    throw new AppError('corrupt', 'pack header does not match the pack size', { where });
  return out;
}

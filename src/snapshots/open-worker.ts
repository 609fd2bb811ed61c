// Worker thread that opens blobs for reads: decrypts, decompresses and checks each against its
// id, so a restore's main thread is free for the rest (and the work runs on another core).
// Four kinds of message: `open` returns plain contents back to back; `chunk` reads one chunk
// of a big file from a local pack itself and either answers it, added to the file's running
// SHA-256 (a file's chunks come to one worker, in order; the last answers the digest), or
// writes it into the restored file at its place, so the main thread never holds the data; then
// `hash-back` reads the written parts back, in order, into the file's hash on the file's own
// worker (the hash checks what is on disk); `write-files` reads and writes small files whole,
// metadata and all, into a new or empty folder. Keys come in workerData.

import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants as fsc, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { blobIdFromHash, equalBytes, masterKey, open, sha256 } from './crypto.ts';
import { movable, packed, transferOf } from './movable.ts';
import { CREATE_NEW, fillNewFile } from './new-file.ts';
import { blobAad } from './pack.ts';
import { ZstdDecompressor } from './zstd.ts';

/** Per blob: id (hex), sealed length, stored compressed, plain length. */
export type OpenItemRow = [string, number, boolean, number];

/** One chunk of a file, read from a local pack: where, and the file's running hash it belongs to. */
export interface ChunkRequest {
  kind: 'chunk';
  seq: number;
  item: OpenItemRow;
  path: string;
  offset: number;
  /** Which file's hash the chunk goes into; `first` starts it, `last` ends it with the digest. */
  file: number;
  first: boolean;
  last: boolean;
  /**
   * Write the chunk here (an open file descriptor of this process, at this position) instead
   * of answering it; it is then not hashed (see `hash-back`) and may go to any worker.
   */
  to?: { fd: number; position: number };
}

/** Part of a file written by `chunk` requests, read back into the file's running hash (in order). */
export interface HashBackRequest {
  kind: 'hash-back';
  seq: number;
  file: number;
  fd: number;
  position: number;
  length: number;
  first: boolean;
  last: boolean;
}

/** A blob in a local pack: its row (see OpenItemRow), the pack file and where in it. */
export type BlobInPack = [OpenItemRow, string, number];

/** One small file a worker writes whole: where, its metadata, its blobs in order, its SHA-256 (hex). */
export interface SmallFile {
  /** The target path's bytes as a latin1 string (lossless for any byte; a Buffer slice would clone its whole pool). */
  path: string;
  mode: number;
  /** Seconds since the epoch (access and modification time). */
  mtime: number;
  uid: number;
  gid: number;
  hash: string;
  blobs: BlobInPack[];
}

/**
 * Small files of a restore into a new or empty folder, each read from local packs, opened,
 * verified (every blob against its id, the whole content against the file's hash), created
 * under its own name (exclusively, never through a symlink) and given its mode, times and
 * (with `owner`) owner: a file becomes one message's share instead of a chain of main-thread
 * calls. Its answer per file: the bytes written, why the content is refused (a string, nothing
 * written), or [errno code, message] (EEXIST: something is there already; the caller decides).
 */
export interface WriteFilesRequest {
  kind: 'write-files';
  seq: number;
  owner: boolean;
  files: SmallFile[];
}

export type OpenRequest =
  | { kind: 'open'; seq: number; data: Uint8Array; items: OpenItemRow[] }
  | ChunkRequest
  | HashBackRequest
  | WriteFilesRequest;

export interface OpenReply {
  seq: number;
  /** `open`: all plain contents back to back (refused blobs take no room); `chunk` without `to`: the chunk. */
  data: Uint8Array;
  /** Per blob its plain length, or why it was refused, or [errno code, message] of a failed read or write. */
  items: (number | string | null | [string, string])[];
  /** `chunk`, with the last one of a file: the file's SHA-256 (hex). */
  digest?: string;
}

const keys = workerData as { enc: Uint8Array; id: Uint8Array };
const key = masterKey(Buffer.from(keys.enc), Buffer.from(keys.id));

const zstd = new ZstdDecompressor();

/** The plain content of one sealed blob and its SHA-256, or the reason it is refused. */
function openOne(row: Readonly<OpenItemRow>, sealed: Buffer, scratch = false): { plain: Buffer; sha: Buffer } | string {
  const [idHex, , compressed, rawLength] = row;
  const what = `blob ${idHex.slice(0, 16)}`;
  const idBytes = Buffer.from(idHex, 'hex');
  let body: Buffer;
  try {
    body = open(key.encObj, sealed, blobAad(idBytes), what);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  let plain: Buffer;
  try {
    // Memory of its own, exactly the plain length: moved to the main thread without a copy;
    // or, with `scratch`, the decompressor's reused memory for content written and forgotten
    // at once (no fresh pages per chunk).
    plain = compressed ? zstd.decompress(body, rawLength, scratch) : body;
  } catch {
    return `${what}: cannot decompress`;
  }
  const sha = sha256(plain);
  if (plain.length !== rawLength || !equalBytes(blobIdFromHash(key, sha), idBytes))
    return `${what}: content does not match its id`;
  return { plain, sha };
}

/** Pack files kept open for the next chunks (packs never change once written). */
const packs = new Map<string, number>();
/** Running hashes of the files being read, by the main thread's file number. */
const files = new Map<number, Hash>();

let packBuf = Buffer.allocUnsafeSlow(0);

/** Bytes [offset, offset + length) of a pack, in a buffer reused by the next read. */
function readPack(path: string, offset: number, length: number): Buffer {
  let fd = packs.get(path);
  if (fd === undefined) {
    fd = openSync(path, fsc.O_RDONLY);
    packs.set(path, fd);
    if (packs.size > 16) {
      const [oldest, ofd] = packs.entries().next().value as [string, number];
      packs.delete(oldest);
      closeSync(ofd);
    }
  }
  // One buffer, grown as needed, for every read: the sealed bytes are decrypted into new
  // memory at once (fresh memory per chunk cost page faults: a third of a restore's system time).
  if (packBuf.length < length) packBuf = Buffer.allocUnsafeSlow(Math.max(length, 1 << 20));
  const buf = packBuf.subarray(0, length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new Error(`pack ${path.slice(-64, -48)} ends before offset ${offset + length}`);
    got += n;
  }
  return buf;
}

function answerChunk(m: ChunkRequest): OpenReply {
  const empty = new Uint8Array(0);
  let r: ReturnType<typeof openOne>;
  try {
    r = openOne(m.item, readPack(m.path, m.offset, m.item[1]), m.to !== undefined);
  } catch (e) {
    r = e instanceof Error ? e.message : String(e);
  }
  if (m.to !== undefined) {
    // Written in place; its share of the file's hash is read back by the file's own worker.
    if (typeof r === 'string') return { seq: m.seq, data: empty, items: [r] };
    try {
      let off = 0;
      while (off < r.plain.length) off += writeSync(m.to.fd, r.plain, off, r.plain.length - off, m.to.position + off);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { seq: m.seq, data: empty, items: [[err.code ?? 'EIO', err.message]] };
    }
    return { seq: m.seq, data: empty, items: [r.plain.length] };
  }
  if (m.first) files.set(m.file, createHash('sha256'));
  const hash = files.get(m.file);
  if (typeof r === 'string' || hash === undefined) {
    files.delete(m.file);
    return { seq: m.seq, data: empty, items: [typeof r === 'string' ? r : 'file hash lost'] };
  }
  hash.update(r.plain);
  let digest: string | undefined;
  if (m.last) {
    digest = hash.digest('hex');
    files.delete(m.file);
  }
  const data = movable(r.plain);
  return { seq: m.seq, data, items: [data.length], ...(digest !== undefined ? { digest } : {}) };
}

/** Reused for reading written chunks back (they are hashed, then forgotten). */
let backBuf = Buffer.allocUnsafeSlow(0);

/** Adds bytes [position, position + length) of a file being restored to its running hash. */
function answerHashBack(m: HashBackRequest): OpenReply {
  if (m.first) files.set(m.file, createHash('sha256'));
  const hash = files.get(m.file);
  if (hash === undefined) return { seq: m.seq, data: new Uint8Array(0), items: ['file hash lost'] };
  if (backBuf.length < Math.min(m.length, 8 * 1024 * 1024))
    backBuf = Buffer.allocUnsafeSlow(Math.min(m.length, 8 * 1024 * 1024));
  try {
    let done = 0;
    while (done < m.length) {
      const n = readSync(m.fd, backBuf, 0, Math.min(backBuf.length, m.length - done), m.position + done);
      if (n === 0) throw new Error(`the restored file ends at ${m.position + done}, before its chunks do`);
      hash.update(backBuf.subarray(0, n));
      done += n;
    }
  } catch (e) {
    files.delete(m.file);
    const err = e as NodeJS.ErrnoException;
    return { seq: m.seq, data: new Uint8Array(0), items: [[err.code ?? 'EIO', err.message]] };
  }
  if (!m.last) return { seq: m.seq, data: new Uint8Array(0), items: [m.length] };
  files.delete(m.file);
  return { seq: m.seq, data: new Uint8Array(0), items: [m.length], digest: hash.digest('hex') };
}

const WRONG_HASH = 'restored content does not match the recorded hash';

/** The verified content of one small file, or why it is refused. */
function contentOf(f: SmallFile): Buffer | string {
  if (f.blobs.length === 1) {
    const [row, pack, offset] = f.blobs[0] as BlobInPack;
    const r = openOne(row, readPack(pack, offset, row[1]));
    if (typeof r === 'string') return r;
    // One blob: its SHA-256, already taken for the id check, is the file's.
    return r.sha.toString('hex') === f.hash ? r.plain : WRONG_HASH;
  }
  const h = createHash('sha256');
  const parts: Buffer[] = [];
  for (const [row, pack, offset] of f.blobs) {
    const r = openOne(row, readPack(pack, offset, row[1]));
    if (typeof r === 'string') return r;
    h.update(r.plain);
    parts.push(r.plain);
  }
  return h.digest('hex') === f.hash ? Buffer.concat(parts) : WRONG_HASH;
}

function writeFile(f: SmallFile, owner: boolean): OpenReply['items'][number] {
  let content: Buffer | string;
  try {
    content = contentOf(f);
  } catch (e) {
    content = e instanceof Error ? e.message : String(e);
  }
  if (typeof content === 'string') return content;
  const path = Buffer.from(f.path, 'latin1');
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return [err.code ?? 'EIO', err.message];
  }
  try {
    fillNewFile(fd, content, f, owner);
  } catch (e) {
    // A file created here and not finished is removed (the next run writes it again).
    rmSync(path, { force: true });
    const err = e as NodeJS.ErrnoException;
    return [err.code ?? 'EIO', err.message];
  }
  return content.length;
}

function answer(m: OpenRequest): OpenReply {
  if (m.kind === 'chunk') return answerChunk(m);
  if (m.kind === 'hash-back') return answerHashBack(m);
  if (m.kind === 'write-files')
    return { seq: m.seq, data: new Uint8Array(0), items: m.files.map((f) => writeFile(f, m.owner)) };
  const input = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  let off = 0;
  const parts: Buffer[] = [];
  const items: OpenReply['items'] = [];
  for (const row of m.items) {
    const r = openOne(row, input.subarray(off, off + row[1]));
    off += row[1];
    if (typeof r === 'string') items.push(r);
    else {
      parts.push(r.plain);
      items.push(r.plain.length);
    }
  }
  return { seq: m.seq, data: packed(parts), items };
}

parentPort?.on('message', (m: OpenRequest) => {
  const reply = answer(m);
  parentPort?.postMessage(reply, transferOf(reply.data));
});

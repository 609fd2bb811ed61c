// Worker thread that opens blobs for reads: decrypts, decompresses and checks each against its
// id, so a restore's main thread is free for the rest (and the work runs on another core).
// Two kinds of message: `open` returns the plain contents back to back; `write` also writes
// each small file into a folder that was new or empty when the restore began (created
// exclusively under its own name, never through a symlink; its whole-file hash, mode, owner
// and time set), so 100,000 small files cost the main thread no syscalls of their own.
// Keys come in workerData.

import { closeSync, fchmodSync, fchownSync, constants as fsc, futimesSync, openSync, rmSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { zstdDecompressSync } from 'node:zlib';
import { blobIdFromHash, equalBytes, masterKey, open, sha256 } from './crypto.ts';
import { blobAad } from './pack.ts';

/** Per blob: id (hex), sealed length, stored compressed, plain length. */
export type OpenItemRow = [string, number, boolean, number];

/** Per file: its one blob, then where it goes (bytes as latin1), mode, uid, gid, mtime (ms), SHA-256 (hex). */
export type WriteItemRow = [...OpenItemRow, string, number, number, number, number, string];

export type OpenRequest =
  | { kind: 'open'; seq: number; data: Uint8Array; items: OpenItemRow[] }
  | { kind: 'write'; seq: number; data: Uint8Array; items: WriteItemRow[]; owner: boolean };

export interface OpenReply {
  seq: number;
  /** `open`: all plain contents back to back (refused blobs take no room); `write`: empty. */
  data: Uint8Array;
  /**
   * `open`: per blob its plain length, or why it was refused. `write`: per file null when
   * written, else [error code ('EEXIST': something is there already; 'corrupt'), message].
   */
  items: (number | string | null | [string, string])[];
}

const keys = workerData as { enc: Uint8Array; id: Uint8Array };
const key = masterKey(Buffer.from(keys.enc), Buffer.from(keys.id));

/** The plain content of one sealed blob and its SHA-256, or the reason it is refused. */
function openOne(
  row: Readonly<OpenItemRow> | Readonly<WriteItemRow>,
  sealed: Buffer,
): { plain: Buffer; sha: Buffer } | string {
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
    // An output size of exactly the plain length gives a buffer of its own, moved to the
    // main thread without a copy.
    plain = compressed
      ? zstdDecompressSync(body, { chunkSize: Math.max(64, Math.min(rawLength, 16 * 1024 * 1024)) })
      : body;
  } catch {
    return `${what}: cannot decompress`;
  }
  const sha = sha256(plain);
  if (plain.length !== rawLength || !equalBytes(blobIdFromHash(key, sha), idBytes))
    return `${what}: content does not match its id`;
  return { plain, sha };
}

/** A new file: created here or refused (EEXIST), never opened through a symlink. */
const CREATE_NEW = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

function writeOne(row: WriteItemRow, plain: Buffer, owner: boolean): null | [string, string] {
  const [, , , , pathLatin1, mode, uid, gid, mtimeMs] = row;
  const path = Buffer.from(pathLatin1, 'latin1');
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return [err.code ?? 'EIO', err.message];
  }
  try {
    try {
      let off = 0;
      while (off < plain.length) off += writeSync(fd, plain, off);
      if (owner) fchownSync(fd, uid, gid);
      fchmodSync(fd, mode & 0o7777);
      futimesSync(fd, mtimeMs / 1000, mtimeMs / 1000);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // A file this restore created and could not finish is removed (the next run writes it again).
    rmSync(path, { force: true });
    const err = e as NodeJS.ErrnoException;
    return [err.code ?? 'EIO', err.message];
  }
  return null;
}

function answer(m: OpenRequest): OpenReply {
  const input = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  let off = 0;
  if (m.kind === 'write') {
    const items: OpenReply['items'] = m.items.map((row) => {
      const sealed = input.subarray(off, off + row[1]);
      off += row[1];
      const r = openOne(row, sealed);
      if (typeof r === 'string') return ['corrupt', r];
      if (r.sha.toString('hex') !== row[9]) return ['corrupt', 'restored content does not match the recorded hash'];
      return writeOne(row, r.plain, m.owner);
    });
    return { seq: m.seq, data: new Uint8Array(0), items };
  }
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
  // One blob that owns its memory is sent as it is; several are copied into fresh memory
  // (never Node's shared pool, which must not be moved).
  const only = parts.length === 1 ? (parts[0] as Buffer) : null;
  let out: Buffer;
  if (only !== null && only.byteOffset === 0 && only.buffer.byteLength === only.length) out = only;
  else {
    out = Buffer.allocUnsafeSlow(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) at += p.copy(out, at);
  }
  return { seq: m.seq, data: out, items };
}

parentPort?.on('message', (m: OpenRequest) => {
  const reply = answer(m);
  parentPort?.postMessage(reply, reply.data.byteLength > 0 ? [reply.data.buffer as ArrayBuffer] : []);
});

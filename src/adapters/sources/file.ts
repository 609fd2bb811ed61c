// Follows a log file like `tail -F`, through both kinds of rotation:
//  - rename + create (logrotate's default): the old file is read to its end, then the new one
//    from its start;
//  - copytruncate: the file shrinks under us; what was written between our last read and the
//    copy is read from the rotated copy (found by its fingerprint), then the file from 0.
// The checkpoint (inode, device, byte offset, line number, fingerprint of the first bytes)
// goes to the store with each batch. On start it also finds a file that rotated while Ripcord
// was down. `.gz` files are read once (decompressed), resumable by decompressed offset.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, createReadStream, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Checkpoint } from '../../logs/ports.ts';
import type { BatchSink, LineSource } from '../../logs/index.ts';
import { AppError } from '../../core/errors.ts';
import { sleep } from '../../core/clock.ts';
import { MAX_LINE_BYTES, takeLines } from './lines.ts';
import { existsSync, statSync as statOf } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { sourceFields } from '../../core/config/sources.ts';
import type { ComponentProblem } from '../../core/component.ts';
import { fileSourceId } from '../../logs/ports.ts';
import type { SourceContext } from './context.ts';

const FP_BYTES = 1024;
/**
 * Bytes asked of each read. Lines short of a batch wait for the next read (see #emit), so this
 * need not hold a batch; 2 MiB keeps the buffer's share of the peak small.
 */
const READ_BYTES = 2 << 20;

export interface FileSourceOptions {
  id: string;
  path: string;
  /** Keep following after the end (ripcord run) or stop there (ripcord ingest). */
  follow: boolean;
  batchLines?: number;
  pollMs?: number;
}

interface Pos {
  ino: number;
  dev: number;
  offset: number;
  line: number;
  fp: string;
  fpLen: number;
}

function fingerprint(fd: number, size: number): { fp: string; fpLen: number } {
  const len = Math.min(size, FP_BYTES);
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, got);
    if (n === 0) break;
    got += n;
  }
  return { fp: createHash('sha256').update(buf.subarray(0, got)).digest('hex').slice(0, 32), fpLen: got };
}

function fingerprintOf(path: string, len: number): string | null {
  try {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (st.size < len) return null;
      return fingerprint(fd, len).fp;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

function toCheckpoint(path: string, p: Pos): Checkpoint {
  return { path, ino: p.ino, dev: p.dev, offset: p.offset, line: p.line, fp: p.fp, fpLen: p.fpLen };
}

function fromCheckpoint(c: Checkpoint | null): Pos | null {
  if (c === null) return null;
  const n = (k: string) => (typeof c[k] === 'number' ? (c[k] as number) : NaN);
  const p = {
    ino: n('ino'),
    dev: n('dev'),
    offset: n('offset'),
    line: n('line'),
    fp: String(c['fp'] ?? ''),
    fpLen: n('fpLen'),
  };
  return Object.values(p).some((v) => typeof v === 'number' && Number.isNaN(v)) ? null : p;
}

export class FileSource implements LineSource {
  readonly id: string;
  readonly path: string;
  #o: FileSourceOptions;
  #read = 0;
  #total = 0;

  constructor(o: FileSourceOptions) {
    this.id = o.id;
    this.path = o.path;
    this.#o = o;
  }

  progress(): { read: number; total: number } {
    return { read: this.#read, total: this.#total };
  }

  async run(from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void> {
    if (this.path.endsWith('.gz')) return this.#runGzip(from, sink, signal);
    let pos = fromCheckpoint(from);
    let fd = await this.#openCurrent(signal);
    if (fd === null) return;
    let st = fstatSync(fd);
    this.#total = st.size;
    if (
      pos !== null &&
      !(pos.ino === st.ino && pos.dev === st.dev && st.size >= pos.offset && fingerprint(fd, pos.fpLen).fp === pos.fp)
    ) {
      // The file we were reading is not this one any more: it rotated while we were away.
      const old = this.#findRotated(pos);
      if (old !== null) await this.#drainPath(old, pos, sink, signal);
      pos = null;
    }
    if (pos === null) pos = { ino: st.ino, dev: st.dev, offset: 0, line: 0, ...fingerprint(fd, st.size) };
    this.#read = pos.offset;

    for (;;) {
      if (signal.aborted) break;
      const end = await this.#readAvailable(fd, pos, sink, signal, false);
      if (signal.aborted) break;
      if (!end) continue;
      if (!this.#o.follow) {
        await this.#readAvailable(fd, pos, sink, signal, true);
        break;
      }
      // At the end: wait, then see whether the file was rotated or truncated.
      await sleep(this.#o.pollMs ?? 200, signal);
      if (signal.aborted) break;
      let now: Stats | null = null;
      try {
        now = statSync(this.path);
      } catch {
        now = null; // renamed away and not yet re-created: keep reading the old one
      }
      if (now !== null && (now.ino !== pos.ino || now.dev !== pos.dev)) {
        // rename + create: the writer may keep writing to the old file until it reopens its log
        // (nginx on USR1), so switch only once the old file has stopped growing.
        const before = pos.offset;
        await this.#readAvailable(fd, pos, sink, signal, false);
        if (pos.offset !== before) continue;
        await this.#readAvailable(fd, pos, sink, signal, true);
        closeSync(fd);
        const next = await this.#openCurrent(signal);
        if (next === null) return;
        fd = next;
        st = fstatSync(fd);
        pos = { ino: st.ino, dev: st.dev, offset: 0, line: 0, ...fingerprint(fd, st.size) };
        this.#read = 0;
        this.#total = st.size;
        continue;
      }
      st = fstatSync(fd);
      this.#total = st.size;
      if (st.size < pos.offset) {
        // copytruncate: read what we missed from the copy, then start over.
        const copy = this.#findRotated(pos, true);
        if (copy !== null) await this.#drainPath(copy, { ...pos }, sink, signal);
        const fp = fingerprint(fd, st.size);
        Object.assign(pos, { offset: 0, line: 0, ...fp });
        this.#read = 0;
      } else if (pos.fpLen < FP_BYTES && st.size > pos.fpLen) {
        // The file was short when first seen; widen its fingerprint now that it grew.
        Object.assign(pos, fingerprint(fd, st.size));
      }
    }
    closeSync(fd);
  }

  /** Reads complete lines from pos to the current end; true when at the end. */
  async #readAvailable(fd: number, pos: Pos, sink: BatchSink, signal: AbortSignal, final: boolean): Promise<boolean> {
    // One buffer for the whole backlog: the unfinished line (or lines short of a batch) left by a
    // read moves to its front and the next read lands after it. A fresh buffer per read, or concatenating the chunk
    // after the leftover, cost measurable garbage collection and copying (about 5% of ingest).
    // Lines are decoded to strings before they leave #emit, so reusing the bytes is safe.
    let buf = Buffer.allocUnsafe(READ_BYTES + MAX_LINE_BYTES);
    let have = 0;
    for (;;) {
      if (signal.aborted) return true;
      if (have + READ_BYTES > buf.length) {
        const bigger = Buffer.allocUnsafe(have + READ_BYTES);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSync(fd, buf, have, READ_BYTES, pos.offset + have);
      const atEnd = n === 0;
      // A full read means more is waiting: the lines short of a batch wait for the next read.
      const left = await this.#emit(buf.subarray(0, have + n), pos, sink, signal, final && atEnd, n === READ_BYTES);
      have = left.length;
      if (have > 0) buf.copyWithin(0, left.byteOffset - buf.byteOffset, left.byteOffset - buf.byteOffset + have);
      this.#read = pos.offset;
      if (atEnd || signal.aborted) return true;
    }
  }

  /**
   * Hands the complete lines at the start of `pending` (which starts at byte `pos.offset`) to
   * the sink in batches, moving `pos` with each; returns what is left (a partial last line).
   * With `final`, a last line without its newline counts too.
   */
  async #emit(
    pending: Buffer,
    pos: Pos,
    sink: BatchSink,
    signal: AbortSignal,
    final: boolean,
    more = false,
  ): Promise<Buffer> {
    const batchLines = this.#o.batchLines ?? 5000;
    for (;;) {
      const { lines, consumed } = takeLines(pending, batchLines, final);
      // Short of a batch with more bytes waiting: kept, and read again with them (every batch of
      // a backlog full, not one short batch per read: each costs a commit and a round to the
      // detection thread).
      if (lines.length === 0 || (more && lines.length < batchLines)) return pending;
      const firstLine = pos.line + 1;
      pos.offset += consumed;
      pos.line += lines.length;
      await sink({ lines, firstLine, checkpoint: toCheckpoint(this.path, pos), origin: this.path });
      pending = pending.subarray(consumed);
      if (signal.aborted) return pending;
      // Let timers and signals run between batches (alert delivery, Ctrl-C) during a long backlog.
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  async #openCurrent(signal: AbortSignal): Promise<number | null> {
    for (;;) {
      try {
        return openSync(this.path, 'r');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' || !this.#o.follow) {
          throw new AppError(code === 'ENOENT' ? 'not_found' : 'io', `cannot open ${this.path}: ${code ?? String(e)}`, {
            where: this.path,
          });
        }
      }
      await sleep(this.#o.pollMs ?? 200, signal);
      if (signal.aborted) return null;
    }
  }

  /** A rotated sibling (name.1, name-20261125, …) that is the file `pos` was reading. */
  #findRotated(pos: Pos, byFingerprintOnly = false): string | null {
    const dir = dirname(this.path);
    const base = basename(this.path);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n !== base && n.startsWith(base) && !n.endsWith('.gz'));
    } catch {
      return null;
    }
    names.sort();
    for (const n of names) {
      const p = join(dir, n);
      try {
        const st = statSync(p);
        if (!st.isFile() || st.size < pos.offset) continue;
        if (!byFingerprintOnly && st.ino === pos.ino && st.dev === pos.dev) return p;
        if (fingerprintOf(p, pos.fpLen) === pos.fp && pos.fpLen > 0) return p;
      } catch {}
    }
    return null;
  }

  /** Reads a rotated file from `pos` to its end, as part of this source. */
  async #drainPath(path: string, pos: Pos, sink: BatchSink, signal: AbortSignal): Promise<void> {
    const fd = openSync(path, 'r');
    try {
      await this.#readAvailable(fd, pos, sink, signal, true);
    } finally {
      closeSync(fd);
    }
  }

  async #runGzip(from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void> {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      throw new AppError('not_found', `cannot open ${this.path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
        where: this.path,
      });
    }
    const st = fstatSync(fd);
    const fp = fingerprint(fd, st.size);
    closeSync(fd);
    this.#total = st.size;
    let pos = fromCheckpoint(from);
    if (pos === null || pos.fp !== fp.fp || pos.ino !== st.ino)
      pos = { ino: st.ino, dev: st.dev, offset: 0, line: 0, ...fp };
    // Resuming: the decompressed bytes before the checkpoint are skipped, not sent again.
    const skipTo = pos.offset;
    let streamed = 0;
    let pending: Buffer = Buffer.alloc(0);
    const raw = createReadStream(this.path);
    raw.on('data', (c) => (this.#read += c.length));
    const gunzip = raw.pipe(createGunzip());
    try {
      for await (const c of gunzip as AsyncIterable<Buffer>) {
        if (signal.aborted) break;
        const chunkStart = streamed;
        streamed += c.length;
        if (streamed <= skipTo) continue;
        const chunk = chunkStart < skipTo ? c.subarray(skipTo - chunkStart) : c;
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        // Gunzip hands out small chunks; gather about a megabyte so batches are full.
        if (pending.length < 1 << 20) continue;
        pending = await this.#emit(pending, pos, sink, signal, false);
      }
      if (!signal.aborted && pending.length > 0) await this.#emit(pending, pos, sink, signal, true);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('io', `cannot decompress ${this.path}: ${e instanceof Error ? e.message : String(e)}`, {
        where: this.path,
      });
    } finally {
      raw.destroy();
    }
  }
}

// ---- component: `type: file` in `sources:` ---------------------------------------------

export const type = 'file';

export const schema = z
  .strictObject({
    type: z.literal('file').describe('A log file on this machine.'),
    path: z
      .string()
      .min(1)
      .describe(
        'Log file to follow from its start, through rotations. Import older rotated copies once with `ripcord ingest`.',
      ),
    ...sourceFields,
  })
  .describe('A log file, followed live through rotation (rename+create and copytruncate).');

export type FileSourceSpec = z.infer<typeof schema>;

const absolute = (baseDir: string, p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));

export function create(spec: FileSourceSpec, ctx: SourceContext): FileSource {
  const path = absolute(ctx.baseDir, spec.path);
  return new FileSource({
    id: spec.id ?? fileSourceId(path),
    path,
    follow: ctx.follow,
    batchLines: ctx.batchLines,
    ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
  });
}

/** A file that does not exist yet is fine (it is followed once created); a missing folder is not. */
export function check(spec: FileSourceSpec, baseDir: string): ComponentProblem[] {
  const p = absolute(baseDir, spec.path);
  if (!existsSync(p) && !existsSync(dirname(p)))
    return [{ field: 'path', message: `neither the file nor its folder exists (${p})` }];
  if (existsSync(p) && !statOf(p).isFile()) return [{ field: 'path', message: `not a regular file (${p})` }];
  return [];
}

// The baseline as columns: stat fields in typed arrays, SHA-256 hashes as raw bytes, paths as
// one string split once. This is the shape the quick check reads from the state dir: a binary
// file that loads in a few milliseconds without an object per entry, and a file whose stat
// matches its row is judged unchanged without materialising anything. Entries
// (ManifestEntry) are built only for rows that changed or disappeared.

import { endianness } from 'node:os';
import type { EntryType, ManifestEntry } from '../snapshots/index.ts';
import { AppError } from '../core/errors.ts';
import type { ExcludeFn } from './filter.ts';
import type { FileStat } from './walk.ts';

const typeNames: readonly EntryType[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'chardev', 'blockdev'];
const typeCode: Readonly<Record<EntryType, number>> = {
  file: 0,
  dir: 1,
  symlink: 2,
  fifo: 3,
  socket: 4,
  chardev: 5,
  blockdev: 6,
};
const FILE = 0;
const DIR = 1;
const hexHash = /^[0-9a-f]{64}$/;

/** Columns of a table with `n` rows; the typed arrays may be views into one file buffer. */
interface Columns {
  roots: string[];
  /** Index into `roots`. */
  root: Uint32Array;
  paths: string[];
  type: Uint8Array;
  /** 1 when the row has a hash (regular files). */
  hasHash: Uint8Array;
  mode: Uint32Array;
  uid: Uint32Array;
  gid: Uint32Array;
  size: Float64Array;
  mtimeMs: Float64Array;
  ctimeMs: Float64Array;
  ino: Float64Array;
  dev: Float64Array;
  /** 32 bytes per row. */
  hashes: Uint8Array;
  /** Symlink targets by row. */
  targets: Map<number, string>;
}

export class BaselineTable {
  readonly length: number;
  readonly #c: Columns;
  /** Per root index: path -> row, built on the first lookup. */
  #index: Map<string, number>[] | null = null;

  private constructor(c: Columns) {
    this.#c = c;
    this.length = c.paths.length;
  }

  static fromEntries(entries: Iterable<ManifestEntry>): BaselineTable {
    const list = [...entries];
    const n = list.length;
    const c = emptyColumns(n);
    const rootIdx = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const e = list[i] as ManifestEntry;
      let r = rootIdx.get(e.root);
      if (r === undefined) {
        r = c.roots.length;
        rootIdx.set(e.root, r);
        c.roots.push(e.root);
      }
      c.root[i] = r;
      c.paths.push(e.path);
      c.type[i] = typeCode[e.type];
      c.mode[i] = e.mode;
      c.uid[i] = e.uid;
      c.gid[i] = e.gid;
      c.size[i] = e.size;
      c.mtimeMs[i] = e.mtimeMs;
      c.ctimeMs[i] = e.ctimeMs;
      c.ino[i] = e.ino;
      c.dev[i] = e.dev;
      if (e.hash !== undefined) {
        if (!hexHash.test(e.hash))
          throw new AppError('corrupt', 'a baseline hash is not SHA-256 hex', { where: e.path });
        c.hasHash[i] = 1;
        c.hashes.set(Buffer.from(e.hash, 'hex'), i * 32);
      }
      if (e.target !== undefined) c.targets.set(i, e.target);
    }
    return new BaselineTable(c);
  }

  /** The row of root + path, or -1. */
  find(root: string, path: string): number {
    this.#index ??= this.#buildIndex();
    const r = this.#c.roots.indexOf(root);
    return r < 0 ? -1 : (this.#index[r]?.get(path) ?? -1);
  }

  #buildIndex(): Map<string, number>[] {
    const idx = this.#c.roots.map(() => new Map<string, number>());
    const { root, paths } = this.#c;
    for (let i = 0; i < this.length; i++) idx[root[i] as number]?.set(paths[i] as string, i);
    return idx;
  }

  root(row: number): string {
    return this.#c.roots[this.#c.root[row] as number] as string;
  }

  path(row: number): string {
    return this.#c.paths[row] as string;
  }

  hash(row: number): string | null {
    return this.#c.hasHash[row] === 1
      ? Buffer.from(this.#c.hashes.buffer, this.#c.hashes.byteOffset + row * 32, 32).toString('hex')
      : null;
  }

  entry(row: number): ManifestEntry {
    const c = this.#c;
    const e: ManifestEntry = {
      root: this.root(row),
      path: this.path(row),
      type: typeNames[c.type[row] as number] as EntryType,
      mode: c.mode[row] as number,
      uid: c.uid[row] as number,
      gid: c.gid[row] as number,
      size: c.size[row] as number,
      mtimeMs: c.mtimeMs[row] as number,
      ctimeMs: c.ctimeMs[row] as number,
      ino: c.ino[row] as number,
      dev: c.dev[row] as number,
      nlink: 1,
    };
    const target = c.targets.get(row);
    if (target !== undefined) e.target = target;
    const hash = this.hash(row);
    if (hash !== null) e.hash = hash;
    return e;
  }

  *entries(): Generator<ManifestEntry> {
    for (let i = 0; i < this.length; i++) yield this.entry(i);
  }

  /**
   * True when the walked entry is certainly what the row recorded: a regular file whose size,
   * mtime, ctime, inode and device all match a hashed row older than `trustedBefore` (so its
   * hash still holds), or a folder; and the same permission bits and owner. Anything else is
   * left to the full comparison.
   */
  unchanged(row: number, e: FileStat, trustedBefore: number): boolean {
    const c = this.#c;
    const t = c.type[row];
    if (e.type === 'file') {
      if (t !== FILE || c.hasHash[row] !== 1 || !((c.ctimeMs[row] as number) < trustedBefore)) return false;
      if (
        c.size[row] !== e.size ||
        c.mtimeMs[row] !== e.mtimeMs ||
        c.ctimeMs[row] !== e.ctimeMs ||
        c.ino[row] !== e.ino ||
        c.dev[row] !== e.dev
      )
        return false;
    } else if (e.type !== 'dir' || t !== DIR) return false;
    return ((c.mode[row] as number) & 0o7777) === (e.mode & 0o7777) && c.uid[row] === e.uid && c.gid[row] === e.gid;
  }

  /** The rows not excluded by the filter (or a missing root), as a new table; this one when all are kept. */
  filtered(roots: readonly string[], exclude: ExcludeFn): BaselineTable {
    const keep = keepFn(roots, exclude);
    const rows: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(this.root(i), this.path(i), this.#c.type[i] === DIR)) rows.push(i);
    if (rows.length === this.length) return this;
    return BaselineTable.fromEntries(rows.map((i) => this.entry(i)));
  }

  // ------------------------------------------------------------------------------- encoding

  /**
   * The binary form: 'RCBTABL1', a u32 header length, the JSON header (roots, targets, row
   * count, the caller's `meta`), padding to 8 bytes, then the columns back to back
   * (f64: size, mtime, ctime, ino, dev; u32: mode, uid, gid, root; u8: type, has-hash;
   * 32-byte hashes; NUL-separated UTF-8 paths). Native byte order, recorded in the header.
   */
  encode(meta: Record<string, unknown>): Buffer {
    const c = this.#c;
    const n = this.length;
    const pathBytes = Buffer.from(c.paths.join('\0'));
    const header = Buffer.from(
      JSON.stringify({
        ...meta,
        endian: endianness(),
        rows: n,
        roots: c.roots,
        targets: [...c.targets],
        pathBytes: pathBytes.length,
      }),
    );
    const head = align8(magic.length + 4 + header.length);
    const out = Buffer.alloc(head + bodySize(n) + pathBytes.length);
    out.write(magic, 0, 'latin1');
    out.writeUInt32LE(header.length, magic.length);
    header.copy(out, magic.length + 4);
    let off = head;
    for (const col of [
      c.size,
      c.mtimeMs,
      c.ctimeMs,
      c.ino,
      c.dev,
      c.mode,
      c.uid,
      c.gid,
      c.root,
      c.type,
      c.hasHash,
      c.hashes,
    ]) {
      out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), off);
      off += col.byteLength;
    }
    pathBytes.copy(out, off);
    return out;
  }

  /** The table and the header's other fields; null when the data is not a whole, well-formed table. */
  static decode(data: Buffer): { table: BaselineTable; meta: Record<string, unknown> } | null {
    if (data.length < magic.length + 4 || data.toString('latin1', 0, magic.length) !== magic) return null;
    const headerLen = data.readUInt32LE(magic.length);
    if (magic.length + 4 + headerLen > data.length) return null;
    let h: unknown;
    try {
      h = JSON.parse(data.toString('utf8', magic.length + 4, magic.length + 4 + headerLen));
    } catch {
      return null;
    }
    if (typeof h !== 'object' || h === null) return null;
    const meta = h as Record<string, unknown>;
    const { rows: n, roots, targets, pathBytes, endian } = meta;
    if (
      endian !== endianness() ||
      !isCount(n) ||
      !isCount(pathBytes) ||
      !Array.isArray(roots) ||
      !roots.every((r) => typeof r === 'string') ||
      !Array.isArray(targets)
    )
      return null;
    const head = align8(magic.length + 4 + headerLen);
    // A cut file (crash, full disk) is refused by its length; then the repository is read.
    if (data.length !== head + bodySize(n) + pathBytes) return null;
    // Typed arrays need aligned memory: a buffer from the shared pool may not be.
    const bytes = data.byteOffset % 8 === 0 ? data : Buffer.from(data);
    const ab = bytes.buffer;
    let off = bytes.byteOffset + head;
    const f64 = () => new Float64Array(ab, (off += 8 * n) - 8 * n, n);
    const u32 = () => new Uint32Array(ab, (off += 4 * n) - 4 * n, n);
    const u8 = (k: number) => new Uint8Array(ab, (off += k * n) - k * n, k * n);
    const c: Columns = {
      roots: roots as string[],
      size: f64(),
      mtimeMs: f64(),
      ctimeMs: f64(),
      ino: f64(),
      dev: f64(),
      mode: u32(),
      uid: u32(),
      gid: u32(),
      root: u32(),
      type: u8(1),
      hasHash: u8(1),
      hashes: u8(32),
      paths:
        n === 0 ? [] : bytes.toString('utf8', off - bytes.byteOffset, off - bytes.byteOffset + pathBytes).split('\0'),
      targets: new Map(),
    };
    if (c.paths.length !== n) return null;
    for (const t of targets) {
      if (!Array.isArray(t) || typeof t[0] !== 'number' || typeof t[1] !== 'string' || t[0] < 0 || t[0] >= n)
        return null;
      c.targets.set(t[0], t[1]);
    }
    for (let i = 0; i < n; i++)
      if ((c.type[i] as number) >= typeNames.length || (c.root[i] as number) >= roots.length) return null;
    return { table: new BaselineTable(c), meta };
  }
}

const magic = 'RCBTABL1';
const align8 = (x: number) => (x + 7) & ~7;
/** Bytes of the fixed-width columns of n rows (8-byte ones first, so all stay aligned). */
const bodySize = (n: number) => n * (5 * 8 + 4 * 4 + 1 + 1 + 32);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

function emptyColumns(n: number): Columns {
  return {
    roots: [],
    root: new Uint32Array(n),
    paths: [],
    type: new Uint8Array(n),
    hasHash: new Uint8Array(n),
    mode: new Uint32Array(n),
    uid: new Uint32Array(n),
    gid: new Uint32Array(n),
    size: new Float64Array(n),
    mtimeMs: new Float64Array(n),
    ctimeMs: new Float64Array(n),
    ino: new Float64Array(n),
    dev: new Float64Array(n),
    hashes: new Uint8Array(32 * n),
    targets: new Map(),
  };
}

/**
 * `(root, path, isDir) => keep?` for baseline entries under the current filter: a missing root
 * or an excluded folder on the way drops the entry. Folder verdicts are memoised (a folder is
 * tested once, not once per file in it).
 */
export function keepFn(
  roots: readonly string[],
  exclude: ExcludeFn,
): (root: string, path: string, isDir: boolean) => boolean {
  const rootSet = new Set(roots);
  const dirExcluded = new Map<string, boolean>();
  const excludedDir = (root: string, dir: string): boolean => {
    if (dir === '') return false;
    const k = `${root}\0${dir}`;
    let v = dirExcluded.get(k);
    if (v === undefined) {
      const slash = dir.lastIndexOf('/');
      v = excludedDir(root, slash < 0 ? '' : dir.slice(0, slash)) || exclude(dir, true);
      dirExcluded.set(k, v);
    }
    return v;
  };
  return (root, path, isDir) => {
    if (!rootSet.has(root)) return false;
    const slash = path.lastIndexOf('/');
    if (excludedDir(root, slash < 0 ? '' : path.slice(0, slash))) return false;
    return path === '' || !exclude(path, isDir);
  };
}

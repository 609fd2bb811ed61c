// The snapshot repository in memory, for unit tests: same contract as the local directory
// (atomic, idempotent put; copies in and out so callers cannot change stored bytes).

import { AppError } from '../../core/errors.ts';
import type { Backend, FileInfo, FileType } from '../../snapshots/index.ts';

export class MemoryBackend implements Backend {
  readonly location = 'memory:';
  readonly files = new Map<string, Buffer>();

  #key(type: FileType, name: string): string {
    if (name === '' || name.includes('/')) throw new AppError('usage', 'bad repository file name', { where: name });
    return `${type}/${name}`;
  }

  async put(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.files.set(this.#key(type, name), data instanceof Uint8Array ? Buffer.from(data) : Buffer.concat(data));
  }

  async get(type: FileType, name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const b = this.files.get(this.#key(type, name));
    if (b === undefined)
      throw new AppError('not_found', 'no such file in the repository', { where: `${type}/${name}` });
    if (range === undefined) return Buffer.from(b);
    if (range.offset + range.length > b.length)
      throw new AppError('corrupt', `file ends before offset ${range.offset + range.length}`, {
        where: `${type}/${name}`,
      });
    return Buffer.from(b.subarray(range.offset, range.offset + range.length));
  }

  async stat(type: FileType, name: string): Promise<FileInfo | null> {
    const b = this.files.get(this.#key(type, name));
    return b === undefined ? null : { name, size: b.length };
  }

  async list(type: FileType): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    const prefix = `${type}/`;
    for (const [k, v] of this.files)
      if (k.startsWith(prefix)) out.push({ name: k.slice(prefix.length), size: v.length });
    return out;
  }

  async remove(type: FileType, name: string): Promise<void> {
    this.files.delete(this.#key(type, name));
  }

  async close(): Promise<void> {}
}

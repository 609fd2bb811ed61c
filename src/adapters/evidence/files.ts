// incident's EvidenceFiles on the local file system: durable writes (temp, fsync, rename), a
// streaming SHA-256 of every file in a tree, and .tar.gz archives through node-tar. Unpacking
// refuses links and any entry that would leave the target (node-tar strips absolute paths and
// '..' already; links are filtered out here), since an archive handed back may be tampered with.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { create as tarCreate, extract as tarExtract } from 'tar';
import { AppError } from '../../core/errors.ts';
import type { EvidenceFileHash, EvidenceFiles } from '../../incident/index.ts';

async function durable(
  path: string,
  write: (fd: import('node:fs/promises').FileHandle) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = await open(tmp, 'w', 0o600);
  try {
    await write(fd);
    await fd.sync();
  } finally {
    await fd.close();
  }
  await rename(tmp, path);
}

async function hashOf(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export const localEvidenceFiles: EvidenceFiles = {
  write: (path, data) => durable(path, async (fd) => void (await fd.writeFile(data))),

  async writeLines(path, lines) {
    let n = 0;
    await durable(path, async (fd) => {
      let buf: string[] = [];
      for await (const line of lines) {
        buf.push(line);
        n++;
        if (buf.length >= 2000) {
          await fd.write(`${buf.join('\n')}\n`);
          buf = [];
        }
      }
      if (buf.length > 0) await fd.write(`${buf.join('\n')}\n`);
    });
    return n;
  },

  read: (path) => readFile(path),

  async exists(path) {
    try {
      await lstat(path);
      return true;
    } catch {
      return false;
    }
  },

  async hashTree(dir) {
    const out: EvidenceFileHash[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
        const name = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(name);
        else if (e.isFile()) {
          const p = join(dir, name);
          out.push({ name, bytes: (await lstat(p)).size, sha256: await hashOf(p) });
        } else out.push({ name, bytes: 0, sha256: 'not-a-regular-file' });
      }
    };
    await walk('');
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },

  async copyTree(from, to) {
    await rm(to, { recursive: true, force: true });
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
  },

  async pack(dir, file) {
    const tmp = `${file}.tmp-${process.pid}`;
    await tarCreate({ gzip: true, file: tmp, cwd: dirname(dir), portable: true }, [basename(dir)]);
    const fd = await open(tmp, 'r');
    await fd.sync();
    await fd.close();
    await rename(tmp, file);
  },

  async unpack(file, dir) {
    const tops = new Set<string>();
    try {
      await tarExtract({
        file,
        cwd: dir,
        strict: true,
        filter: (path, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          if (type !== 'File' && type !== 'Directory') return false;
          tops.add(path.split('/')[0] ?? '');
          return true;
        },
      });
    } catch (e) {
      throw new AppError('corrupt', `cannot read the archive: ${e instanceof Error ? e.message : String(e)}`, {
        where: file,
      });
    }
    tops.delete('');
    if (tops.size !== 1)
      throw new AppError('corrupt', 'the archive does not hold one evidence folder', { where: file });
    return join(dir, [...tops][0] as string);
  },

  async tempDir() {
    const path = await mkdtemp(join(tmpdir(), 'ripcord-evidence-'));
    return { path, remove: () => rm(path, { recursive: true, force: true }) };
  },
};

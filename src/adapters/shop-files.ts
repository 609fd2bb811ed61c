// The shop tree for the software inventory (software's ShopFiles): reads regular files with a
// size limit and refuses symbolic links that leave the site root.

import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ShopFiles } from '../software/index.ts';

export function shopFiles(rootDir: string): ShopFiles {
  const root = realpathSync(rootDir);
  return {
    read(rel, limit, skipped) {
      const abs = join(root, rel);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(abs);
      } catch {
        return null;
      }
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs);
        } catch {
          return null;
        }
        if (real !== root && !real.startsWith(root + sep)) {
          skipped.push(`${rel}: a symbolic link out of the site root, not read`);
          return null;
        }
      } else if (!st.isFile()) return null;
      let fd: number;
      try {
        fd = openSync(abs, 'r');
      } catch {
        return null;
      }
      try {
        const buf = Buffer.alloc(limit + 1);
        let n = 0;
        for (;;) {
          const r = readSync(fd, buf, n, buf.length - n, n);
          if (r === 0) break;
          n += r;
          if (n === buf.length) break;
        }
        if (n > limit) {
          skipped.push(`${rel}: larger than ${limit} bytes, not read`);
          return null;
        }
        return buf.subarray(0, n).toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    dirs(rel, max) {
      try {
        return readdirSync(join(root, rel), { withFileTypes: true })
          .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
          .map((d) => d.name)
          .sort()
          .slice(0, max);
      } catch {
        return [];
      }
    },
    files(rel, suffix, max) {
      try {
        return readdirSync(join(root, rel), { withFileTypes: true })
          .filter((d) => d.isFile() && d.name.endsWith(suffix))
          .map((d) => d.name)
          .sort()
          .slice(0, max);
      } catch {
        return [];
      }
    },
  };
}

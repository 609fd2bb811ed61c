// Round trips over random trees: snapshot, then restore, and the restored tree is the same —
// content, modes, times, symlinks, hard links, odd names (spaces, newlines, unicode, bytes that
// are not UTF-8), empty files, big generated files and a sparse huge one.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { memoryRepo, pseudoRandom, tempDir } from './fixtures.ts';
import { AppError } from '../../../src/core/errors.ts';

const oddNames = [
  'plain',
  'with space',
  'new\nline',
  'ünïcødé',
  '日本語',
  'tab\tname',
  '-dash',
  '.hidden',
  'quote\'"',
  'emoji😀',
  'a\\b',
  ' lead',
];
const nameArb = fc
  .oneof(fc.constantFrom(...oddNames), fc.stringMatching(/^[a-zA-Z0-9 ._-]{1,10}$/))
  .filter((n) => n !== '.' && n !== '..');
const dirs = ['', 'd1', 'd1/d 2', 'd3'];

type Content =
  | { t: 'bytes'; data: Uint8Array }
  | { t: 'gen'; size: number; seed: number }
  | { t: 'sparse'; size: number };
type Spec =
  | { kind: 'file'; dir: number; name: string; content: Content; mode: number; mtime: number }
  | { kind: 'symlink'; dir: number; name: string; target: string }
  | { kind: 'hardlink'; dir: number; name: string; to: number };

const contentArb: fc.Arbitrary<Content> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((data) => ({ t: 'bytes' as const, data })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('gen' as const),
      size: fc.integer({ min: 60_000, max: 2_600_000 }),
      seed: fc.integer({ min: 1, max: 1e9 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('sparse' as const), size: fc.integer({ min: 9_000_000, max: 24_000_000 }) }),
  },
);
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('file' as const),
      dir: fc.nat(3),
      name: nameArb,
      content: contentArb,
      mode: fc.constantFrom(0o644, 0o600, 0o755, 0o444),
      mtime: fc.integer({ min: 1_000_000_000, max: 1_900_000_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('symlink' as const),
      dir: fc.nat(3),
      name: nameArb,
      target: fc.constantFrom('../x', 'plain', '/etc/passwd', 'no such', 'ünï'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('hardlink' as const), dir: fc.nat(3), name: nameArb, to: fc.nat(20) }),
  },
);

function build(root: string, specs: Spec[], nonUtf8: boolean): void {
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  const files: string[] = [];
  const used = new Set<string>();
  for (const s of specs) {
    const p = join(root, dirs[s.dir] ?? '', s.name);
    if (used.has(p) || dirs.some((d) => d !== '' && join(root, d) === p)) continue;
    used.add(p);
    if (s.kind === 'file') {
      if (s.content.t === 'bytes') writeFileSync(p, s.content.data);
      else if (s.content.t === 'gen') writeFileSync(p, pseudoRandom(s.content.size, s.content.seed));
      else {
        // A huge sparse file with a little data in the middle.
        writeFileSync(p, '');
        truncateSync(p, s.content.size);
        const fd = openSync(p, 'r+');
        writeSync(fd, Buffer.from('data in a hole'), 0, 14, Math.floor(s.content.size / 2));
        closeSync(fd);
      }
      chmodSync(p, s.mode);
      utimesSync(p, s.mtime, s.mtime);
      files.push(p);
    } else if (s.kind === 'symlink') symlinkSync(s.target, p);
    else if (files.length > 0) linkSync(files[s.to % files.length] as string, p);
  }
  if (nonUtf8) {
    const bad = Buffer.concat([Buffer.from(`${root}/d3/`), Buffer.from([0x62, 0xff, 0xfe, 0x80, 0x2e, 0x74])]);
    writeFileSync(bad, 'latin-1 name');
    mkdirSync(Buffer.concat([bad, Buffer.from('dir')]));
    writeFileSync(Buffer.concat([bad, Buffer.from('dir/inside')]), 'below a non-UTF-8 folder');
  }
  chmodSync(join(root, 'd3'), 0o750);
  utimesSync(join(root, 'd1'), 1_500_000_000, 1_500_000_000);
}

interface Seen {
  type: string;
  mode: number;
  mtime: number;
  size: number;
  hash?: string;
  target?: string;
  ino: number;
}

/** Every entry below root, keyed by its path bytes (hex), with what must survive a round trip. */
function scan(root: Buffer, rel: Buffer = Buffer.alloc(0), out = new Map<string, Seen>()): Map<string, Seen> {
  const abs = rel.length === 0 ? root : Buffer.concat([root, Buffer.from('/'), rel]);
  for (const name of readdirSync(abs, { encoding: 'buffer' })) {
    const r = rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]);
    const p = Buffer.concat([root, Buffer.from('/'), r]);
    const st = lstatSync(p);
    const e: Seen = {
      type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      mode: st.mode,
      mtime: Math.round(st.mtimeMs),
      size: st.isFile() ? st.size : 0,
      ino: st.ino,
    };
    if (st.isFile()) e.hash = createHash('sha256').update(readFileSync(p)).digest('hex');
    if (st.isSymbolicLink()) e.target = readlinkSync(p, 'utf8');
    if (st.isSymbolicLink()) e.mtime = 0; // symlink times are set with lutimes; not all file systems keep them
    out.set(r.toString('hex'), e);
    if (st.isDirectory()) scan(root, r, out);
  }
  return out;
}

function linkGroups(m: Map<string, Seen>): string[][] {
  const by = new Map<number, string[]>();
  for (const [k, v] of m) if (v.type === 'file') by.set(v.ino, [...(by.get(v.ino) ?? []), k]);
  return [...by.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort())
    .sort();
}

describe('repository round trip', () => {
  it('restores random trees exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, { minLength: 0, maxLength: 14 }), fc.boolean(), async (specs, nonUtf8) => {
        const t = tempDir();
        try {
          const src = join(t.dir, 'src');
          build(src, specs, nonUtf8);
          const before = scan(Buffer.from(src));
          const { repo } = await memoryRepo();
          const snap = await repo.snapshot([src]);
          const manifest = await repo.loadManifest(snap.id);
          for (const e of manifest.entries) {
            if (e.type !== 'file') continue;
            const content = await repo.readFile(e);
            assert.equal(content.length, e.size);
            assert.equal(createHash('sha256').update(content).digest('hex'), e.hash);
          }
          const paths = manifest.entries.map((e) => e.path);
          assert.deepEqual(
            paths,
            [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
            'entries sorted by path',
          );
          const out = join(t.dir, 'out');
          await repo.restore(snap.id, out);
          const after = scan(Buffer.from(out));
          const strip = (m: Map<string, Seen>): Map<string, Omit<Seen, 'ino'>> =>
            new Map([...m].map(([k, { ino: _i, ...v }]) => [k, v]));
          assert.deepEqual(strip(after), strip(before));
          assert.deepEqual(linkGroups(after), linkGroups(before), 'hard links are restored as hard links');
          // A second snapshot with the first as parent reads nothing and adds (almost) nothing.
          const again = await repo.snapshot([src], { parent: snap.id });
          assert.equal(again.summary.newBytes, 0, 'an unchanged tree stores nothing new');
          assert.equal(again.summary.bytes, snap.summary.bytes);
          const check = await repo.check({ readData: true });
          assert.deepEqual(check.errors, []);
        } finally {
          t.cleanup();
        }
      }),
      { numRuns: Number(process.env['RT_RUNS'] ?? 14) },
    );
  });

  it('restoreEntry writes one file atomically with its mode and time, and readFile verifies', async () => {
    const t = tempDir();
    try {
      const src = join(t.dir, 'site');
      mkdirSync(src);
      writeFileSync(join(src, 'index.php'), '<?php echo "known good";');
      chmodSync(join(src, 'index.php'), 0o640);
      utimesSync(join(src, 'index.php'), 1_600_000_000, 1_600_000_000);
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([src], { tags: ['baseline'], extra: { kind: 'integrity' } });
      writeFileSync(join(src, 'index.php'), '<?php eval($_POST["x"]);');
      const entry = (await repo.loadManifest(snap.id)).entries.find((e) => e.path === 'index.php');
      assert.ok(entry);
      await repo.restoreEntry(entry, join(src, 'index.php'));
      assert.equal(readFileSync(join(src, 'index.php'), 'utf8'), '<?php echo "known good";');
      assert.equal(lstatSync(join(src, 'index.php')).mode & 0o777, 0o640);
      assert.equal(Math.round(lstatSync(join(src, 'index.php')).mtimeMs), 1_600_000_000_000);
      assert.deepEqual(readdirSync(src), ['index.php'], 'no temporary file left behind');
      const chunks: Buffer[] = [];
      for await (const c of repo.openFile(entry)) chunks.push(c);
      assert.equal(Buffer.concat(chunks).toString(), '<?php echo "known good";');
      const info = await repo.findSnapshot(snap.id.slice(0, 6));
      assert.deepEqual(info.tags, ['baseline']);
      assert.deepEqual(info.extra, { kind: 'integrity' });
      assert.equal((await repo.findSnapshot('latest')).id, snap.id);
    } finally {
      t.cleanup();
    }
  });

  it('exclude leaves out files and whole folders; a changed file is read again despite the parent', async () => {
    const t = tempDir();
    try {
      const src = join(t.dir, 'shop');
      mkdirSync(join(src, 'var/cache'), { recursive: true });
      writeFileSync(join(src, 'var/cache/x'), 'cache');
      writeFileSync(join(src, 'app.php'), 'v1');
      const { repo } = await memoryRepo();
      const exclude = (rel: string, isDir: boolean): boolean => isDir && rel === 'var/cache';
      const a = await repo.snapshot([src], { exclude });
      assert.deepEqual(
        (await repo.loadManifest(a.id)).entries.map((e) => e.path),
        ['', 'app.php', 'var'],
      );
      writeFileSync(join(src, 'app.php'), 'v2');
      const b = await repo.snapshot([src], { exclude, parent: a.id });
      const e = (await repo.loadManifest(b.id)).entries.find((x) => x.path === 'app.php');
      assert.ok(e);
      assert.equal((await repo.readFile(e)).toString(), 'v2');
    } finally {
      t.cleanup();
    }
  });
});

describe('restore safety', () => {
  it('restoreEntry creates missing folders, and `within` refuses a folder swapped for a symlink', async () => {
    const t = tempDir();
    try {
      const site = join(t.dir, 'site');
      const outside = join(t.dir, 'outside');
      mkdirSync(join(site, 'uploads'), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(site, 'uploads', 'a.txt'), 'known good');
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([site]);
      const entry = (await repo.loadManifest(snap.id)).entries.find((e) => e.path === 'uploads/a.txt');
      assert.ok(entry);
      // Deleted folder: recreated.
      const { rmSync, renameSync } = await import('node:fs');
      rmSync(join(site, 'uploads'), { recursive: true });
      await repo.restoreEntry(entry, join(site, 'uploads', 'a.txt'), { within: site });
      assert.equal(readFileSync(join(site, 'uploads', 'a.txt'), 'utf8'), 'known good');
      // The folder replaced by a symlink pointing outside: refused, nothing written there.
      renameSync(join(site, 'uploads'), join(t.dir, 'old-uploads'));
      symlinkSync(outside, join(site, 'uploads'));
      await assert.rejects(
        repo.restoreEntry(entry, join(site, 'uploads', 'a.txt'), { within: site }),
        (e: unknown) => e instanceof AppError && e.code === 'refused',
      );
      assert.deepEqual(readdirSync(outside), []);
    } finally {
      t.cleanup();
    }
  });

  it('a file swapped for a symlink between listing and reading is not read through', async () => {
    const t = tempDir();
    try {
      const site = join(t.dir, 'site');
      mkdirSync(site);
      const secret = join(t.dir, 'shadow');
      writeFileSync(secret, 'not for the snapshot');
      writeFileSync(join(site, 'swap.php'), 'x');
      const { rmSync } = await import('node:fs');
      const { repo } = await memoryRepo();
      // The exclude hook runs right after lstat: the attacker's moment to swap the file.
      const snap = await repo.snapshot([site], {
        exclude: (rel) => {
          if (rel === 'swap.php') {
            rmSync(join(site, 'swap.php'));
            symlinkSync(secret, join(site, 'swap.php'));
          }
          return false;
        },
      });
      const m = await repo.loadManifest(snap.id);
      assert.equal(
        m.entries.find((e) => e.path === 'swap.php'),
        undefined,
      );
      assert.equal(snap.summary.skipped, 1);
    } finally {
      t.cleanup();
    }
  });

  it('a root given as a symlink is followed; symlinks inside are kept as symlinks', async () => {
    const t = tempDir();
    try {
      const real = join(t.dir, 'srv-shop');
      mkdirSync(real);
      writeFileSync(join(real, 'index.php'), 'shop');
      symlinkSync('index.php', join(real, 'alias.php'));
      symlinkSync(real, join(t.dir, 'shop'));
      const { repo } = await memoryRepo();
      const snap = await repo.snapshot([join(t.dir, 'shop')]);
      const m = await repo.loadManifest(snap.id);
      assert.deepEqual(
        m.entries.map((e) => [e.path, e.type]),
        [
          ['', 'dir'],
          ['alias.php', 'symlink'],
          ['index.php', 'file'],
        ],
      );
      assert.deepEqual(m.roots, [join(t.dir, 'shop')]);
    } finally {
      t.cleanup();
    }
  });
});

describe('files that change while read', () => {
  it('a file that grew or shrank between lstat and read is stored with what was read, whole', async () => {
    const { repo } = await memoryRepo();
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'grows.log'), 'a'.repeat(1000));
      writeFileSync(join(t.dir, 'shrinks.log'), 'b'.repeat(1000));
      writeFileSync(join(t.dir, 'empty-grows.log'), '');
      // The exclude hook runs right after lstat: the file changes before it is read.
      const exclude = (rel: string): boolean => {
        if (rel === 'grows.log') writeFileSync(join(t.dir, rel), 'a'.repeat(5000));
        if (rel === 'shrinks.log') writeFileSync(join(t.dir, rel), 'b'.repeat(10));
        if (rel === 'empty-grows.log') writeFileSync(join(t.dir, rel), 'c');
        return false;
      };
      const snap = await repo.snapshot([t.dir], { exclude });
      const byPath = new Map((await repo.loadManifest(snap.id)).entries.map((e) => [e.path, e]));
      for (const [name, want] of [
        ['grows.log', 'a'.repeat(5000)],
        ['shrinks.log', 'b'.repeat(10)],
        ['empty-grows.log', 'c'],
      ] as const) {
        const e = byPath.get(name);
        assert.ok(e, name);
        assert.equal((await repo.readFile(e)).toString(), want, name);
        assert.equal(e.size, want.length, `${name}: size`);
      }
    } finally {
      t.cleanup();
    }
  });
});

describe('pack writes', () => {
  it('a slow backend holds back the snapshot: at most two packs are written at once, none lost', async () => {
    const { repo, backend } = await memoryRepo({ compressionLevel: 0 });
    let writing = 0;
    let most = 0;
    const put = backend.put.bind(backend);
    backend.put = async (type, name, data) => {
      if (type !== 'data') return put(type, name, data);
      writing++;
      most = Math.max(most, writing);
      await new Promise((r) => setTimeout(r, 40));
      writing--;
      return put(type, name, data);
    };
    // ~80 MiB that does not compress: five packs or more; and small blobs, copied into runs.
    const parts = Array.from({ length: 10 }, (_, i) => pseudoRandom(8 * 1024 * 1024, i + 1));
    const big = await repo.snapshotStream('dump.sql', parts);
    const t = tempDir();
    try {
      for (let i = 0; i < 3000; i++)
        writeFileSync(join(t.dir, `f${i}.php`), `<?php echo ${i}; // ${'x'.repeat(i % 300)}`);
      const small = await repo.snapshot([t.dir]);
      assert.ok((await backend.list('data')).length >= 5, 'several packs');
      assert.ok(most <= 2, `at most two pack writes at once (saw ${most})`);
      const e = (await repo.loadManifest(big.id)).entries[0];
      assert.ok(e);
      assert.deepEqual(
        createHash('sha256')
          .update(await repo.readFile(e))
          .digest(),
        createHash('sha256').update(Buffer.concat(parts)).digest(),
      );
      const files = (await repo.loadManifest(small.id)).entries.filter((x) => x.type === 'file');
      assert.equal(files.length, 3000);
      for (const f of files.slice(0, 50))
        assert.equal((await repo.readFile(f)).toString(), readFileSync(join(t.dir, f.path)).toString());
      assert.deepEqual((await repo.check({ readData: true })).errors, []);
    } finally {
      t.cleanup();
    }
  });
});

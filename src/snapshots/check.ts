// `check`: every index file, snapshot and manifest readable; every pack an index names present
// at the recorded size; every chunk a manifest names in the index. With readData, every pack is
// read whole: its name must be its SHA-256 and every blob must decrypt to content matching its
// id. Packs no index names yet (left by a killed run) and stale locks are warnings, not errors.

import { AppError } from '../core/errors.ts';
import { parseKeyFile, sha256Hex } from './crypto.ts';
import { readJsonFile } from './files.ts';
import { loadManifestEntries } from './manifest.ts';
import { decodeHeader } from './pack.ts';
import type { RepoImpl } from './repository.ts';
import type { IndexEntry } from './store.ts';
import type { CheckOptions, CheckResult } from './types.ts';

const MAX_ERRORS = 100;

function describe(e: unknown): string {
  return e instanceof AppError ? e.describe() : e instanceof Error ? e.message : String(e);
}

export async function checkRepository(repo: RepoImpl, opts: CheckOptions): Promise<CheckResult> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const err = (m: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(m);
    else if (errors.length === MAX_ERRORS) errors.push('(more errors not shown)');
  };
  const { backend, store } = repo;

  for (const l of await repo.listLocks())
    if (l.stale)
      warnings.push(`stale lock ${l.id.slice(0, 8)} (PID ${l.pid} on ${l.host}); \`ripcord repo unlock\` removes it`);
  for (const k of await backend.list('keys')) {
    try {
      parseKeyFile(await backend.get('keys', k.name), `keys/${k.name}`);
    } catch (e) {
      err(describe(e));
    }
  }

  // Index files, one by one, so one bad file does not hide the others.
  store.index.clear();
  store.packs.clear();
  for (const f of await backend.list('index')) {
    try {
      store.addIndexFile(await readJsonFile(backend, repo.key.enc, 'index', f.name), `index/${f.name}`);
    } catch (e) {
      err(`index/${f.name}: ${describe(e)}`);
    }
  }
  const onDisk = new Map((await backend.list('data')).map((f) => [f.name, f.size]));
  for (const [pack, size] of store.packs) {
    const actual = onDisk.get(pack);
    if (actual === undefined) err(`data/${pack}: named by the index but missing`);
    else if (actual !== size) err(`data/${pack}: ${actual} bytes, the index says ${size}`);
  }
  for (const pack of onDisk.keys())
    if (!store.packs.has(pack))
      warnings.push(`data/${pack.slice(0, 16)}: not in any index (left by an interrupted run; prune removes it)`);

  const snaps = await backend.list('snapshots');
  for (const f of snaps) {
    try {
      const s = await repo.readSnapshotFile(f.name, true);
      for (const id of s.manifest)
        if (store.index.get(id)?.type !== 'tree')
          err(`snapshots/${f.name}: manifest blob ${id.slice(0, 16)} is missing`);
      const entries = await loadManifestEntries(store, s.manifest);
      if (entries.length !== s.entries)
        err(`snapshots/${f.name}: manifest has ${entries.length} entries, expected ${s.entries}`);
      for (const e of entries) {
        for (const c of e.chunks ?? [])
          if (!store.index.has(c)) err(`snapshots/${f.name}: ${e.root}/${e.path}: chunk ${c.slice(0, 16)} is missing`);
      }
    } catch (e) {
      err(`snapshots/${f.name}: ${describe(e)}`);
    }
  }

  let packsRead = 0;
  if (opts.readData === true) {
    const byPack = new Map<string, [string, IndexEntry][]>();
    for (const [id, e] of store.index) {
      const list = byPack.get(e.pack) ?? [];
      list.push([id, e]);
      byPack.set(e.pack, list);
    }
    for (const pack of onDisk.keys()) {
      const where = `data/${pack}`;
      try {
        const bytes = await backend.get('data', pack);
        packsRead++;
        if (sha256Hex(bytes) !== pack) {
          err(`${where}: content does not match its name (damaged)`);
          continue;
        }
        const entries = decodeHeader(repo.key.enc, bytes, where);
        const inPack = new Map(entries.map((e) => [e.id.toString('hex'), e]));
        for (const e of entries) {
          const id = e.id.toString('hex');
          try {
            store.openBlob(id, e, bytes.subarray(e.offset, e.offset + e.length));
          } catch (x) {
            err(`${where}: ${describe(x)}`);
          }
        }
        for (const [id, ie] of byPack.get(pack) ?? []) {
          const pe = inPack.get(id);
          if (pe === undefined || pe.offset !== ie.offset || pe.length !== ie.length)
            err(`${where}: index entry for blob ${id.slice(0, 16)} does not match the pack`);
        }
      } catch (e) {
        err(`${where}: ${describe(e)}`);
      }
    }
  }
  // The check replaced the in-memory index with what it could read; load it afresh next time.
  await repo.reloadIndex().catch(() => undefined);
  return {
    ok: errors.length === 0,
    errors,
    warnings,
    snapshots: snaps.length,
    packs: onDisk.size,
    blobs: store.index.size,
    packsRead,
  };
}

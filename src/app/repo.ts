// The repository as the CLI sees it: where it is (config `repository.path`, `--repo`, default
// <stateDir>/repository), how the passphrase is found (environment or a file, never a flag),
// opening it (openRepositoryFor, called by the app context), and one function per
// `ripcord repo` command.

import { randomBytes } from 'node:crypto';
import { existsSync, read, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, LocalBackend, localFolderOf, parseLocation } from '../adapters/blob/index.ts';
import type { BackendSpec, LocationOptions } from '../core/config/backends.ts';
import { AppError } from '../core/errors.ts';
import { snapshotId } from '../core/ids.ts';
import {
  type Backend,
  initRepository,
  listEntries,
  newestOfRoots,
  openRepository,
  repositoryExists,
  type ListedEntry,
  type CheckResult,
  type ForgetResult,
  type KeepRules,
  type KeyInfo,
  type LockInfo,
  type PruneResult,
  type RepoStats,
  type Repository,
  type SnapshotInfo,
  type SnapshotResult,
} from '../snapshots/index.ts';
// The one module, not the subsystem's index: a repository command would load all of integrity (20 modules).
import { integrityDir, writeFileAtomic } from '../integrity/state.ts';
import { resolvePath, type LoadedConfig } from './config.ts';
import { passphraseFromEnv, readSecretFile } from './passphrase.ts';
import { withApp } from './context.ts';

export type { ListedEntry } from '../snapshots/index.ts';

/** Fills `buf` from standard input as far as one read goes; 0 at its end. */
function readStdin(buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => read(0, buf, 0, buf.length, null, (e, n) => (e ? reject(e) : resolve(n))));
}

export interface RepoTarget {
  /** `--repo LOCATION` (a folder, sftp://..., rclone:...), overriding the config. */
  repo?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export function repoDir(loaded: LoadedConfig, t: RepoTarget): string {
  if (t.repo !== undefined) return resolvePath(process.cwd(), t.repo);
  const p = loaded.config.repository.path;
  return p !== undefined ? resolvePath(loaded.baseDir, p) : join(loaded.config.stateDir, 'repository');
}

/** A location text (with its options from the config) as a backend spec; `what` names it in errors. */
export function locationSpec(text: string, opts: LocationOptions, baseDir: string, what: string): BackendSpec {
  const p = parseLocation(text, opts, (x) => resolvePath(baseDir, x));
  if (!p.ok) throw new AppError('usage', p.message, { where: what });
  return p.spec;
}

/** Where the repository is: `--repo`, else repository.location, else repository.path or the default folder. */
export function repoSpec(loaded: LoadedConfig, t: RepoTarget): BackendSpec {
  const r = loaded.config.repository;
  if (t.repo !== undefined) return locationSpec(t.repo, r, process.cwd(), '--repo');
  if (r.location !== undefined) return locationSpec(r.location, r, loaded.baseDir, 'repository.location');
  return { type: 'local', path: repoDir(loaded, t) };
}

/** The repository's storage (a folder, an SFTP server, an rclone remote). */
export function repoBackend(loaded: LoadedConfig, t: RepoTarget, env: Env = process.env): Backend {
  return createBackend(repoSpec(loaded, t), { env });
}

/** RIPCORD_PASSPHRASE, RIPCORD_PASSPHRASE_FILE, then the config's passphrase and passphraseFile. */
export function passphrase(loaded: LoadedConfig, env: Env = process.env): string {
  const fromEnv = passphraseFromEnv(env, 'RIPCORD_PASSPHRASE', 'passphrase');
  if (fromEnv !== null) return fromEnv;
  const r = loaded.config.repository;
  if (r.passphrase !== undefined) return r.passphrase;
  if (r.passphraseFile !== undefined)
    return readSecretFile(resolvePath(loaded.baseDir, r.passphraseFile), 'passphrase');
  throw new AppError(
    'usage',
    'no passphrase: set RIPCORD_PASSPHRASE or RIPCORD_PASSPHRASE_FILE, or repository.passphrase / passphraseFile in the config',
    {
      details: ['a passphrase is never taken from the command line, where other users could see it'],
    },
  );
}

/** The passphrase for a new key: RIPCORD_NEW_PASSPHRASE, or the file given. */
export function newPassphrase(file: string | undefined, env: Env = process.env): string {
  if (file !== undefined) return readSecretFile(file, 'new passphrase');
  const v = env['RIPCORD_NEW_PASSPHRASE'];
  if (v !== undefined && v !== '') return v;
  throw new AppError('usage', 'no new passphrase: give --new-passphrase-file FILE or set RIPCORD_NEW_PASSPHRASE');
}

export function scryptN(env: Env): number | undefined {
  // For tests only: a cheap KDF so suites stay fast. Never set in production.
  const v = env['RIPCORD_TEST_SCRYPT_N'];
  return v === undefined ? undefined : Number(v);
}

export interface RepositoryOptions {
  /** `--repo LOCATION` (a folder, sftp://..., rclone:...), overriding the config. */
  dir?: string | undefined;
  /**
   * Without a config file, a key generated once into <stateDir>/integrity/repository.key
   * (mode 0600) stands in for the passphrase (the integrity commands' zero-config use).
   */
  generatedKey?: boolean;
  /** The message when the repository does not exist (and is not to be created). */
  notFound?: string;
}

export function keyFilePath(stateDir: string): string {
  return join(integrityDir(stateDir), 'repository.key');
}

/** The passphrase; with `generatedKey` and no config file, the key file (made when `create`). */
function repositoryPassphrase(loaded: LoadedConfig, env: Env, o: RepositoryOptions, create: boolean): string {
  try {
    return passphrase(loaded, env);
  } catch (e) {
    if (!o.generatedKey || loaded.file !== null) throw e;
  }
  const file = keyFilePath(loaded.config.stateDir);
  if (existsSync(file)) {
    const line = readFileSync(file, 'utf8').split('\n')[0] ?? '';
    if (line === '') throw new AppError('corrupt', 'the repository key file is empty', { where: file });
    return line;
  }
  if (!create)
    throw new AppError(
      'usage',
      'no passphrase: set RIPCORD_PASSPHRASE, or run `ripcord integrity baseline` here first',
      { where: file },
    );
  const key = randomBytes(32).toString('base64url');
  writeFileAtomic(file, `${key}\n`);
  return key;
}

/** Opens the configured repository (the one place it is opened), creating it when `create` and absent. */
export async function openRepositoryFor(
  loaded: LoadedConfig,
  env: Env,
  o: RepositoryOptions & { create: boolean },
): Promise<Repository> {
  const backend = repoBackend(loaded, { repo: o.dir }, env);
  const pass = repositoryPassphrase(loaded, env, o, o.create);
  const staleLockMs = loaded.config.repository.staleLockMinutes * 60_000;
  if (!o.create && o.notFound === undefined) return openRepository(backend, pass, { staleLockMs });
  if (await repositoryExists(backend)) return openRepository(backend, pass, { staleLockMs });
  if (!o.create) throw new AppError('not_found', o.notFound ?? 'no repository', { where: backend.location });
  const n = scryptN(env);
  return initRepository(backend, pass, {
    compressionLevel: loaded.config.repository.compression,
    ...(n !== undefined ? { scryptN: n } : {}),
  });
}

export async function withRepo<T>(loaded: LoadedConfig, t: RepoTarget, f: (r: Repository) => Promise<T>): Promise<T> {
  return withApp(loaded, { repository: { dir: t.repo } }, async (app) => f(await app.repository()));
}

export async function repoInit(
  loaded: LoadedConfig,
  t: RepoTarget,
  env: Env = process.env,
): Promise<{ location: string; id: string }> {
  const backend = repoBackend(loaded, t, env);
  const location = backend.location;
  const n = scryptN(env);
  const repo = await initRepository(backend, passphrase(loaded, env), {
    compressionLevel: loaded.config.repository.compression,
    ...(n !== undefined ? { scryptN: n } : {}),
  });
  await repo.close();
  return { location, id: repo.id };
}

export const repoCheck = (l: LoadedConfig, t: RepoTarget, readData: boolean): Promise<CheckResult> =>
  withRepo(l, t, (r) => r.check({ readData }));
export const repoStats = (l: LoadedConfig, t: RepoTarget): Promise<RepoStats> => withRepo(l, t, (r) => r.stats());
export const repoSnapshots = (l: LoadedConfig, t: RepoTarget): Promise<SnapshotInfo[]> =>
  withRepo(l, t, (r) => r.listSnapshots());
export const repoLocks = (l: LoadedConfig, t: RepoTarget): Promise<LockInfo[]> => withRepo(l, t, (r) => r.listLocks());

export async function repoUnlock(
  l: LoadedConfig,
  t: RepoTarget,
  all: boolean,
): Promise<{ removed: number; temporaryFiles: number }> {
  const spec = repoSpec(l, t);
  return withRepo(l, t, async (r) => {
    const removed = await r.unlock(all);
    // With no live lock left, nobody is writing: leftover temp files are safe to delete.
    const folder = localFolderOf(spec);
    const temporaryFiles =
      folder !== null && (await r.listLocks()).length === 0 ? await new LocalBackend(folder).removeTemporaryFiles() : 0;
    return { removed, temporaryFiles };
  });
}

export const repoForget = (l: LoadedConfig, t: RepoTarget, rules: KeepRules): Promise<ForgetResult> =>
  withRepo(l, t, (r) => r.forget(rules));
export async function repoForgetIds(l: LoadedConfig, t: RepoTarget, ids: string[]): Promise<SnapshotInfo[]> {
  return withRepo(l, t, async (r) => {
    const found: SnapshotInfo[] = [];
    for (const id of ids) found.push(await r.findSnapshot(id));
    await r.removeSnapshots(found.map((s) => s.id));
    return found;
  });
}
export const repoPrune = (l: LoadedConfig, t: RepoTarget, dryRun: boolean): Promise<PruneResult> =>
  withRepo(l, t, (r) => r.prune({ dryRun }));
export const repoKeyList = (l: LoadedConfig, t: RepoTarget): Promise<KeyInfo[]> => withRepo(l, t, (r) => r.listKeys());

export async function repoKeyAdd(
  l: LoadedConfig,
  t: RepoTarget,
  newPassFile: string | undefined,
  env: Env = process.env,
): Promise<{ id: string }> {
  const pass = newPassphrase(newPassFile, env);
  const n = scryptN(env);
  return withRepo(l, t, async (r) => ({ id: await r.addKey(pass, n !== undefined ? { scryptN: n } : {}) }));
}
export const repoKeyRemove = (l: LoadedConfig, t: RepoTarget, id: string): Promise<void> =>
  withRepo(l, t, (r) => r.removeKey(id));

export async function repoSnapshot(
  l: LoadedConfig,
  t: RepoTarget,
  paths: string[],
  opts: {
    tags: string[];
    parent?: string | undefined;
    stdinName?: string | undefined;
    onProgress?: ((p: { files: number; bytes: number }) => void) | undefined;
  },
): Promise<SnapshotResult> {
  return withRepo(l, t, async (r) => {
    const base = {
      tags: opts.tags,
      ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
    };
    // Standard input (a dump piped in) is read straight into the chunking window: stream chunks
    // cost GC (64 KiB ones, 20% of a 1 GB dump) or page faults (fresh 4 MiB ones, ~100k a GiB).
    if (opts.stdinName !== undefined) return r.snapshotStream(opts.stdinName, { readInto: readStdin }, base);
    const roots = paths.map((p) => resolvePath(process.cwd(), p));
    // Without --parent, the newest snapshot of the same roots is the parent: unchanged files are not read again.
    const parent =
      opts.parent !== undefined
        ? (await r.findSnapshot(opts.parent)).id
        : newestOfRoots(await r.listSnapshots(), roots)?.id;
    return r.snapshot(roots, { ...base, ...(parent !== undefined ? { parent: snapshotId(parent) } : {}) });
  });
}

/** The entries of a snapshot (under `prefix` when given), as `repo ls` shows them. */
export async function repoLs(
  l: LoadedConfig,
  t: RepoTarget,
  id: string,
  prefix: string | undefined,
): Promise<{ id: string; entries: ListedEntry[] }> {
  return withRepo(l, t, async (r) => {
    const s = await r.findSnapshot(id);
    return { id: s.id, entries: listEntries(await r.loadManifest(s.id), prefix) };
  });
}

export async function repoRestore(
  l: LoadedConfig,
  t: RepoTarget,
  id: string,
  target: string,
  opts: { verify?: boolean } = {},
): Promise<{ id: string; files: number; dirs: number; bytes: number }> {
  return withRepo(l, t, async (r) => {
    const s = await r.findSnapshot(id);
    return { id: s.id, ...(await r.restore(s.id, resolvePath(process.cwd(), target), opts)) };
  });
}

// `ripcord backup copy`: where an off-site copy goes (a name from repository.offsite, or a
// location), which passphrase opens it, creating it on first use with the source's chunking
// and id keys (so blob ids match and only missing blobs travel), and the copy itself
// (src/snapshots/copy.ts). A backup job's off-site copy calls copyToOffsite the same way.

import type { LocationOptions } from '../core/config/backends.ts';
import { AppError } from '../core/errors.ts';
import {
  type CopyProgress,
  type CopyResult,
  copySnapshots,
  initCopyTarget,
  openRepository,
  type Repository,
  repositoryExists,
} from '../snapshots/index.ts';
import { createBackend } from '../adapters/blob/index.ts';
import { type LoadedConfig, resolvePath } from './config.ts';
import { passphraseFromEnv, readSecretFile } from './passphrase.ts';
import { locationSpec, passphrase, type RepoTarget, scryptN, withRepo } from './repo.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface CopyTargetOptions extends LocationOptions {
  /** `--to`: a name from repository.offsite, or a location. */
  to: string;
}

export interface BackupCopyResult extends CopyResult {
  /** Where the copy went (no secrets). */
  target: string;
  /** True when the target repository was created by this copy. */
  created: boolean;
}

/** The target's passphrase: RIPCORD_TARGET_PASSPHRASE(_FILE), the off-site entry's, else the main one. */
function targetPassphrase(
  loaded: LoadedConfig,
  entry: { passphrase?: string | undefined; passphraseFile?: string | undefined } | undefined,
  env: Env,
): string {
  const v = passphraseFromEnv(env, 'RIPCORD_TARGET_PASSPHRASE', 'target passphrase');
  if (v !== null) return v;
  if (entry?.passphrase !== undefined) return entry.passphrase;
  if (entry?.passphraseFile !== undefined)
    return readSecretFile(resolvePath(loaded.baseDir, entry.passphraseFile), 'target passphrase');
  return passphrase(loaded, env);
}

/** Opens (or, when nothing is there yet, creates for copies from `source`) the target repository. */
async function openTarget(
  loaded: LoadedConfig,
  source: Repository,
  o: CopyTargetOptions,
  env: Env,
): Promise<{ repo: Repository; created: boolean }> {
  const entry = loaded.config.repository.offsite[o.to];
  const spec =
    entry !== undefined
      ? locationSpec(entry.location, entry, loaded.baseDir, `repository.offsite.${o.to}.location`)
      : locationSpec(o.to, o, process.cwd(), '--to');
  const backend = createBackend(spec, { env });
  const pass = targetPassphrase(loaded, entry, env);
  const staleLockMs = loaded.config.repository.staleLockMinutes * 60_000;
  try {
    if (await repositoryExists(backend))
      return { repo: await openRepository(backend, pass, { staleLockMs }), created: false };
    const n = scryptN(env);
    const repo = await initCopyTarget(source, backend, pass, {
      staleLockMs,
      ...(n !== undefined ? { scryptN: n } : {}),
    });
    return { repo, created: true };
  } catch (e) {
    await backend.close();
    throw e;
  }
}

/** Copies snapshots (all when none are named) from the repository to an off-site one. */
export async function backupCopy(
  loaded: LoadedConfig,
  t: RepoTarget,
  o: CopyTargetOptions,
  ids: readonly string[],
  onProgress?: (p: CopyProgress) => void,
  env: Env = process.env,
): Promise<BackupCopyResult> {
  if (o.to === '') throw new AppError('usage', '--to needs a repository name or location');
  return withRepo(loaded, t, async (source) => {
    const { repo, created } = await openTarget(loaded, source, o, env);
    try {
      const r = await copySnapshots(source, repo, ids, onProgress !== undefined ? { onProgress } : {});
      return { ...r, target: o.to, created };
    } finally {
      await repo.close();
    }
  });
}

/** What a backup job calls after each run: copy these snapshots to the named off-site repository. */
export function copyToOffsite(
  loaded: LoadedConfig,
  name: string,
  ids: readonly string[],
  env: Env = process.env,
): Promise<BackupCopyResult> {
  if (loaded.config.repository.offsite[name] === undefined)
    throw new AppError('config_invalid', `no off-site repository named ${name}`, { where: 'repository.offsite' });
  return backupCopy(loaded, {}, { to: name }, ids, undefined, env);
}

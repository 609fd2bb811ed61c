// Starts the repository's key derivation before the command's modules load. scrypt takes
// ~0.2 s of the thread pool and a `repo` or `backup` command ~0.3 s of the main thread to load
// its modules; done one after the other they add up. When the command line names a local
// repository (`--repo DIR`) and the passphrase comes from the environment (which wins over the
// config), both are known before anything else: the derivation starts here, and opening the
// repository takes its result (snapshots/crypto.ts deriveEarly). Anything unexpected is left
// to the real open, which reports it; nothing here throws.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { deriveEarly, parseKeyFile } from '../snapshots/crypto.ts';
import { passphraseFromEnv } from './passphrase.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Key files derived at most: a passphrase opens one of them, and each costs 32 MiB and CPU. */
const MAX_KEYS = 2;

/** The folder after `--repo` (or `--repo=`), when it is a local path. */
function localRepo(argv: readonly string[], cwd: string): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = a === '--repo' ? argv[i + 1] : a.startsWith('--repo=') ? a.slice(7) : undefined;
    if (v === undefined) continue;
    // sftp://, rclone:REMOTE and the like are opened by their backends.
    if (v.includes(':') && !isAbsolute(v)) return null;
    return resolve(cwd, v);
  }
  return null;
}

/** Starts the derivations it can (see above); returns how many it started. */
export function warmRepositoryKey(argv: readonly string[], env: Env = process.env, cwd = process.cwd()): number {
  let started = 0;
  try {
    const dir = localRepo(argv, cwd);
    if (dir === null) return 0;
    const keys = join(dir, 'keys');
    if (!existsSync(join(dir, 'config')) || !existsSync(keys)) return 0;
    const names = readdirSync(keys).filter((n) => /^[0-9a-f]{64}$/.test(n));
    if (names.length === 0 || names.length > MAX_KEYS) return 0;
    const pass = passphraseFromEnv(env, 'RIPCORD_PASSPHRASE', 'passphrase');
    if (pass === null) return 0;
    for (const n of names) if (deriveEarly(parseKeyFile(readFileSync(join(keys, n)), `keys/${n}`), pass)) started++;
  } catch {
    // The real open reads the same files and says what is wrong.
  }
  return started;
}

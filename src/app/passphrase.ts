// Where a passphrase is read from outside the config: an environment variable holding it, or
// one naming a file whose first line is it (never a flag, which other users could see in the
// process list). Kept free of heavy imports: the key warm-up (key-warmup.ts) reads it before
// the command's modules load.

import { readFileSync } from 'node:fs';
import { AppError } from '../core/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The first line of a secret file; a missing or empty file is an error naming it. */
export function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('not_found', `cannot read the ${what} file: ${(e as Error).message}`, { where: file });
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new AppError('usage', `the ${what} file is empty`, { where: file });
  return line;
}

/**
 * `${name}` when set, else the first line of the file `${name}_FILE` names; null when neither
 * is set. RIPCORD_PASSPHRASE, RIPCORD_TARGET_PASSPHRASE.
 */
export function passphraseFromEnv(env: Env, name: string, what: string): string | null {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  const file = env[`${name}_FILE`];
  if (file !== undefined && file !== '') return readSecretFile(file, what);
  return null;
}

// Stub while the implementation lands: the API is fixed, the bodies come next.

import { AppError } from '../core/errors.ts';
import type { Backend } from './ports.ts';
import type { InitOptions, OpenOptions, Repository } from './types.ts';

export async function initRepository(_backend: Backend, _passphrase: string, _opts: InitOptions = {}): Promise<Repository> {
  throw new AppError('internal', 'not implemented yet');
}

export async function openRepository(_backend: Backend, _passphrase: string, _opts: OpenOptions = {}): Promise<Repository> {
  throw new AppError('internal', 'not implemented yet');
}

export async function repositoryExists(backend: Backend): Promise<boolean> {
  return (await backend.stat('config', 'config')) !== null;
}

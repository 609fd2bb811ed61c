// Retries for remote storage: wraps any Backend so that an operation failing with a transient
// AppError (connection reset, timeout, server restarting) is tried again after an exponential
// backoff with jitter. Safe because every Backend operation is idempotent (put of a content
// hash name, remove of a missing file, reads). Permanent errors pass through at once.

import { AppError } from '../../core/errors.ts';
import type { Backend, FileInfo, FileType } from '../../snapshots/index.ts';

export interface RetryOptions {
  /** Tries after the first. */
  retries: number;
  /** First wait (ms); doubled each time, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Told about each retry (for a log line; never given data or secrets). */
  onRetry?: ((e: AppError, attempt: number, delayMs: number) => void) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

const defaults: RetryOptions = { retries: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

export async function retrying<T>(f: () => Promise<T>, opts: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...defaults, ...opts };
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof AppError) || !e.transient || attempt > o.retries) throw e;
      const delay = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      o.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The backend with every operation retried on transient failures. */
export function withRetries(inner: Backend, opts: Partial<RetryOptions> = {}): Backend & { readonly inner: Backend } {
  return {
    inner,
    location: inner.location,
    put: (type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]) =>
      retrying(() => inner.put(type, name, data), opts),
    get: (type: FileType, name: string, range?: { offset: number; length: number }) =>
      retrying(() => inner.get(type, name, range), opts),
    stat: (type: FileType, name: string): Promise<FileInfo | null> => retrying(() => inner.stat(type, name), opts),
    list: (type: FileType) => retrying(() => inner.list(type), opts),
    remove: (type: FileType, name: string) => retrying(() => inner.remove(type, name), opts),
    close: () => inner.close(),
  };
}

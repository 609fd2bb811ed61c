// Repository locks: a sealed file in locks/ per running operation. Backups and checks take a
// shared lock, prune and forget an exclusive one. A lock left by a killed process is stale
// when its PID is dead on this host, or when it has not been refreshed for `staleMs`; stale
// locks are ignored and removed by the next lock taken (or `repo unlock`). Long operations
// refresh their lock.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import { readJsonFile, sealJson } from './files.ts';
import type { Backend } from './ports.ts';
import type { LockInfo } from './types.ts';
import { pidAlive } from '../core/process.ts';

interface LockFile {
  host: string;
  pid: number;
  time: string;
  exclusive: boolean;
}

const REFRESH_MS = 5 * 60 * 1000;

function isStale(l: LockFile, now: number, staleMs: number): boolean {
  const t = Date.parse(l.time);
  if (!Number.isFinite(t) || now - t > staleMs) return true;
  return l.host === hostname() && !pidAlive(l.pid);
}

export async function listLocks(backend: Backend, key: Buffer, clock: Clock, staleMs: number): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for (const f of await backend.list('locks')) {
    let l: LockFile;
    try {
      l = (await readJsonFile(backend, key, 'locks', f.name)) as LockFile;
    } catch (e) {
      // Removed meanwhile (its holder finished) or unreadable: an unreadable lock is stale.
      if (e instanceof AppError && e.code === 'not_found') continue;
      out.push({ id: f.name, host: '?', pid: 0, time: new Date(0).toISOString(), exclusive: true, stale: true });
      continue;
    }
    out.push({
      id: f.name,
      host: l.host,
      pid: l.pid,
      time: l.time,
      exclusive: l.exclusive,
      stale: isStale(l, clock.now(), staleMs),
    });
  }
  return out;
}

export class Lock {
  readonly #backend: Backend;
  readonly #key: Buffer;
  readonly #clock: Clock;
  readonly exclusive: boolean;
  #name: string;
  #timer: NodeJS.Timeout | null = null;

  private constructor(backend: Backend, key: Buffer, clock: Clock, exclusive: boolean, name: string) {
    this.#backend = backend;
    this.#key = key;
    this.#clock = clock;
    this.exclusive = exclusive;
    this.#name = name;
  }

  static async acquire(
    backend: Backend,
    key: Buffer,
    clock: Clock,
    exclusive: boolean,
    staleMs: number,
  ): Promise<Lock> {
    const name = await Lock.#write(backend, key, clock, exclusive);
    // Write first, then look: two processes racing both see each other and both back off.
    const all = await listLocks(backend, key, clock, staleMs);
    // Stale locks belong to processes that are gone: clear them so they do not pile up.
    for (const l of all) if (l.id !== name && l.stale) await backend.remove('locks', l.id);
    const others = all.filter((l) => l.id !== name && !l.stale && (exclusive || l.exclusive));
    if (others.length > 0) {
      await backend.remove('locks', name);
      const o = others[0] as LockInfo;
      throw new AppError(
        'locked',
        `repository is locked ${o.exclusive ? 'exclusively' : ''} by PID ${o.pid} on ${o.host} since ${o.time}`,
        {
          where: backend.location,
          details: ['if that process is gone, `ripcord repo unlock` removes stale locks'],
        },
      );
    }
    const lock = new Lock(backend, key, clock, exclusive, name);
    lock.#timer = setInterval(() => void lock.refresh().catch(() => undefined), REFRESH_MS);
    lock.#timer.unref();
    return lock;
  }

  static async #write(backend: Backend, key: Buffer, clock: Clock, exclusive: boolean): Promise<string> {
    const file: LockFile & { nonce: string } = {
      host: hostname(),
      pid: process.pid,
      time: new Date(clock.now()).toISOString(),
      exclusive,
      nonce: randomBytes(8).toString('hex'),
    };
    const name = randomBytes(32).toString('hex');
    await backend.put('locks', name, sealJson(key, 'locks', file));
    return name;
  }

  async refresh(): Promise<void> {
    const old = this.#name;
    this.#name = await Lock.#write(this.#backend, this.#key, this.#clock, this.exclusive);
    await this.#backend.remove('locks', old);
  }

  async release(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#backend.remove('locks', this.#name);
  }
}

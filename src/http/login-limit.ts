// Rate limits on the dashboard's password sign-in, counted on failures in a sliding window:
// per client address (5 in 15 minutes), per user name (10) and for the whole server (100), so
// guessing is slow from one address, from many addresses at one user, and overall. Kept in
// memory: a restart forgets, which costs an attacker a restart they cannot cause.

const WINDOW_MS = 15 * 60_000;
const LIMITS = { ip: 5, user: 10, all: 100 } as const;

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #now: () => number;
  constructor(now: () => number) {
    this.#now = now;
  }

  #recent(key: string): number[] {
    const cut = this.#now() - WINDOW_MS;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > cut);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** Seconds to wait before another try is allowed, or 0. */
  retryAfterS(ip: string, user: string): number {
    let wait = 0;
    for (const [key, max] of [
      [`ip:${ip}`, LIMITS.ip],
      [`user:${user.toLowerCase()}`, LIMITS.user],
      ['all', LIMITS.all],
    ] as const) {
      const list = this.#recent(key);
      if (list.length >= max) wait = Math.max(wait, (list[list.length - max] as number) + WINDOW_MS - this.#now());
    }
    return Math.ceil(wait / 1000);
  }

  failed(ip: string, user: string): void {
    const t = this.#now();
    for (const key of [`ip:${ip}`, `user:${user.toLowerCase()}`, 'all'])
      this.#failures.set(key, [...this.#recent(key), t]);
  }

  /** A success clears the address's and the user's failures. */
  succeeded(ip: string, user: string): void {
    this.#failures.delete(`ip:${ip}`);
    this.#failures.delete(`user:${user.toLowerCase()}`);
  }
}

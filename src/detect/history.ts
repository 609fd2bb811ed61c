// The in-memory LoginHistory: for tests, `ripcord detect` and `rules test`. The traffic store
// provides the durable one. Bounded: at most `maxUsers` users, least recently seen dropped first.

import { detach } from '../core/detach.ts';
import type { Login, LoginHistory } from './ports.ts';

interface UserRecord {
  /** Per service, and '*' for any service. */
  ips: Map<string, Set<string>>;
  counts: Map<string, number>;
  hours: Map<string, number[]>;
}

export class MemoryLoginHistory implements LoginHistory {
  readonly #users = new Map<string, UserRecord>();
  readonly #maxUsers: number;

  constructor(opts: { maxUsers?: number } = {}) {
    this.#maxUsers = opts.maxUsers ?? 100_000;
  }

  #get(user: string): UserRecord | undefined {
    return this.#users.get(user);
  }

  logins(service: string | null, user: string): number {
    return this.#get(user)?.counts.get(service ?? '*') ?? 0;
  }

  seen(service: string | null, user: string, ip: string): boolean {
    return (
      this.#get(user)
        ?.ips.get(service ?? '*')
        ?.has(ip) ?? false
    );
  }

  hours(service: string | null, user: string): readonly number[] {
    return this.#get(user)?.hours.get(service ?? '*') ?? new Array<number>(24).fill(0);
  }

  remember(login: Login): void {
    let rec = this.#users.get(login.user);
    if (rec === undefined) {
      rec = { ips: new Map(), counts: new Map(), hours: new Map() };
      if (this.#users.size >= this.#maxUsers) {
        const oldest = this.#users.keys().next();
        if (oldest.done !== true) this.#users.delete(oldest.value);
      }
    } else this.#users.delete(login.user);
    // kept for months: copies, not slices pinning the log lines they came from
    this.#users.set(detach(login.user), rec);
    const hour = new Date(login.time).getUTCHours();
    for (const key of [login.service, '*']) {
      if (login.ip !== null) {
        const set = rec.ips.get(key) ?? new Set<string>();
        set.add(detach(login.ip));
        rec.ips.set(key, set);
      }
      rec.counts.set(key, (rec.counts.get(key) ?? 0) + 1);
      const h = rec.hours.get(key) ?? new Array<number>(24).fill(0);
      h[hour] = (h[hour] ?? 0) + 1;
      rec.hours.set(key, h);
    }
  }
}

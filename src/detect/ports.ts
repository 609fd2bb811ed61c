// What detection needs from the outside: the login history behind the first-seen rules
// (a user logging in from a new address, or at an unusual hour). The detector runs
// synchronously for every event, so the port is synchronous: a store-backed implementation
// loads (or caches) what it needs and writes through in the background.
//
// Ownership: the detector calls `remember` for every successful login after the first-seen
// rules have looked at it; `remember` is idempotent for the (service, user, ip) it records
// but counts every login (the hour profile is a count). No retries: a lost `remember` only
// means one later login may be reported as new.

export interface Login {
  service: string;
  user: string;
  /** null for local logins (sudo, console). */
  ip: string | null;
  /** ms since epoch. */
  time: number;
}

export interface LoginHistory {
  /** How many successful logins of `user` are known (on `service`, or on any service when null). */
  logins(service: string | null, user: string): number;
  /** Whether `user` logged in from `ip` before (on `service`, or on any service when null). */
  seen(service: string | null, user: string, ip: string): boolean;
  /** Earlier logins of `user` per UTC hour of day (24 counts; on `service`, or any when null). */
  hours(service: string | null, user: string): readonly number[];
  remember(login: Login): void;
}

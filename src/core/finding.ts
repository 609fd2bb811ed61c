// A finding: what a detection rule (or the integrity watcher, or a PAM login hook) concluded
// about traffic or files. A plain type in core because the logs store writes findings with
// the events that caused them, detection makes them and alerts routes them: none of the three
// imports another for it.

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const severities: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface Finding {
  /** Rule id (`sqli-union`, `ssh-brute-force`, `login-success`, `integrity-modified`, …). */
  rule: string;
  /** Attack class or kind: sqli, xss, traversal, rfi, cmdi, scanner, probe, shop, brute-force, login, new-ip, integrity, … */
  category: string;
  severity: Severity;
  /** When it happened (the triggering event's time), ms since epoch. */
  time: number;
  ip: string | null;
  user: string | null;
  /** ssh, ftp, sudo, shop-admin, web, file, … */
  service: string | null;
  /** The field the rule matched on (path, query, user_agent, user, …). */
  field: string;
  /** A short excerpt of what matched (attacker-controlled; escape when shown). */
  match: string;
  /** One line for people: what happened. */
  message: string;
  /**
   * Key that groups findings into one notification (e.g. `ssh-brute-force|203.0.113.9`);
   * the rule decides. Findings with the same key within the grouping window make one message.
   */
  groupKey: string;
  /** Raw lines or file paths that show it (short; at most a few). */
  evidence: string[];
}

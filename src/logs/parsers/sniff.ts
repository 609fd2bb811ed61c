// Guesses the format of a log from its first lines (`format: auto`): each line is classified
// by its shape and the most common class wins. Access logs -> nginx (combined/common; the
// apache parser reads the same lines; Apache's vhost_combined and error logs -> apache),
// JSON objects -> json (or shop-admin when they carry user + success), vsftpd's own log ->
// vsftpd, anything with a syslog header -> syslog (which dispatches on the program).

import type { FormatName } from '../../core/config/sources.ts';
import type { ParseContext } from '../events.ts';
import { parseNginxErrorTime } from './errorlog.ts';
import { parseHeader } from './syslog.ts';
import { monthAt, parseClfTime, parseCtime } from './time.ts';
import { looksLikeIp } from './util.ts';

export type ConcreteFormat = Exclude<FormatName, 'auto'>;

const probeCtx: ParseContext = { year: 2000, now: Number.MAX_SAFE_INTEGER, timezone: 'UTC' };

const SSHD_WORDS =
  /^(?:Accepted|Failed|Invalid user|Connection (?:closed|reset) by|Disconnected from|Received disconnect|pam_unix\(sshd)/;

/** The format one line looks like, or null when it says nothing. */
export function sniffLine(line: string): ConcreteFormat | null {
  const s = line.trim();
  if (s === '') return null;
  if (s.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(s);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        return typeof o['success'] === 'boolean' && 'user' in o ? 'shop-admin' : 'json';
      }
    } catch {
      return null;
    }
    return null;
  }
  const lb = s.indexOf(' [');
  if (lb > 0 && s.charCodeAt(lb + 28) === 93 && !Number.isNaN(parseClfTime(s.slice(lb + 2, lb + 28)))) {
    const toks = s.slice(0, lb).split(' ');
    if (toks.length === 4 && !looksLikeIp(toks[0] ?? '') && looksLikeIp(toks[1] ?? '')) return 'apache';
    return 'nginx';
  }
  if (s.startsWith('[') && !Number.isNaN(parseCtime(s, 1, probeCtx))) return 'apache';
  if (!Number.isNaN(parseNginxErrorTime(s, 0, probeCtx)) && s.charCodeAt(20) === 91) return 'nginx';
  if (monthAt(s, 4) >= 0 && !Number.isNaN(parseCtime(s, 0, probeCtx)) && s.includes(' [pid ')) return 'vsftpd';
  const h = parseHeader(s, probeCtx);
  if (h !== null && typeof h !== 'string') return 'syslog';
  if (SSHD_WORDS.test(s)) return 'sshd';
  return null;
}

/** Decides the format from the first lines of a log. */
export function sniffFormat(sample: readonly string[]): ConcreteFormat {
  const votes = new Map<ConcreteFormat, number>();
  let seen = 0;
  for (const line of sample) {
    if (seen >= 200) break;
    const f = sniffLine(line);
    if (f === null) continue;
    seen++;
    votes.set(f, (votes.get(f) ?? 0) + 1);
  }
  let best: ConcreteFormat = 'syslog';
  let most = 0;
  for (const [f, n] of votes) {
    if (n > most) {
      best = f;
      most = n;
    }
  }
  // An access log with some vhost lines, or mixed access and error lines of Apache, is Apache's.
  if (best === 'nginx' && (votes.get('apache') ?? 0) > 0) {
    return 'apache';
  }
  return best;
}

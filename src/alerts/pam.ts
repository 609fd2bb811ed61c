// A login reported by PAM (`ripcord hook pam`, run by pam_exec on every session opened) as a
// login finding. PAM_RHOST and PAM_USER come from the client side: only plausible values are
// kept, and the evidence line is cut short.

import type { Finding } from '../detect/index.ts';

/** PAM service name -> the service vocabulary of the traffic record. */
export function pamService(s: string): string {
  const v = s.toLowerCase();
  if (v === 'sshd' || v === 'ssh') return 'ssh';
  if (/ftp/.test(v)) return 'ftp';
  if (v === 'sudo' || v === 'sudo-i') return 'sudo';
  if (v === 'su' || v === 'su-l') return 'su';
  if (v === 'login' || v === 'gdm-password' || v === 'lightdm') return 'console';
  return v.replace(/[^a-z0-9_-]/g, '').slice(0, 32) || 'other';
}

/** Only a plausible host or address is kept from PAM_RHOST (it comes from the client side). */
function cleanHost(h: string | undefined): string | null {
  if (h === undefined) return null;
  const t = h.trim();
  if (t === '' || t.length > 255) return null;
  return /^[A-Za-z0-9.:_%-]+$/.test(t) ? t : null;
}

export function pamFinding(env: Readonly<Record<string, string | undefined>>, now: number): Finding | null {
  if (env['PAM_TYPE'] !== 'open_session') return null;
  const rawUser = (env['PAM_USER'] ?? '').slice(0, 128);
  const user = rawUser === '' ? null : rawUser;
  const ip = cleanHost(env['PAM_RHOST']);
  const service = pamService(env['PAM_SERVICE'] ?? 'other');
  const ruser = env['PAM_RUSER'];
  const tty = env['PAM_TTY'];
  const line = `pam ${env['PAM_SERVICE'] ?? '?'}: session opened for ${user ?? '?'}${ip ? ` from ${ip}` : ''}${ruser ? ` by ${ruser}` : ''}${tty ? ` on ${tty}` : ''}`;
  return {
    rule: 'login-success',
    category: 'login',
    severity: 'info',
    time: now,
    ip,
    user,
    service,
    field: 'pam',
    match: user ?? '',
    message: `${service} login: ${user ?? 'unknown user'}${ip ? ` from ${ip}` : ' (local)'}`,
    groupKey: `login-success|${service}|${user ?? ''}|${ip ?? ''}|${now}`,
    evidence: [line.slice(0, 500)],
  };
}

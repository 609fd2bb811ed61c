// Customer e-mail addresses: checked once at import, and reduced to the key that decides
// "the same person" in an audience and in the outbox. The key folds case in both parts
// (practically every mailbox provider ignores it, and sending twice is the worse mistake) and
// turns an international domain into its ASCII (punycode) form.

export type AddressCheck = { ok: true; address: string; key: string } | { ok: false; reason: string };

// Control characters (CR/LF above all: header injection), spaces, and the characters that
// have no place outside a quoted local part, which no shop stores.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s<>()[\]\\,;:"]/u;

export function checkAddress(raw: string): AddressCheck {
  const address = raw.trim();
  if (address === '') return { ok: false, reason: 'no address' };
  if (FORBIDDEN.test(address)) return { ok: false, reason: 'address has spaces, control or separator characters' };
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return { ok: false, reason: 'address is not of the form name@domain' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.includes('@')) return { ok: false, reason: 'address has more than one @' };
  if (local.length > 64) return { ok: false, reason: 'local part longer than 64 characters' };
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return { ok: false, reason: 'local part has a misplaced dot' };
  let ascii: string;
  try {
    ascii = new URL(`http://${domain}/`).hostname;
  } catch {
    return { ok: false, reason: 'domain is not a valid host name' };
  }
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(ascii) || ascii.split('.').some((l) => l.startsWith('-') || l.endsWith('-')))
    return { ok: false, reason: 'domain is not a valid host name' };
  if (!/[a-z]/.test(ascii.slice(ascii.lastIndexOf('.') + 1)))
    return { ok: false, reason: 'domain has no top-level name' };
  const full = `${local}@${ascii}`;
  if (full.length > 254) return { ok: false, reason: 'address longer than 254 characters' };
  return { ok: true, address: full, key: `${local.toLowerCase()}@${ascii}` };
}

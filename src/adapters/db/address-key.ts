// Client addresses as numbers: the 32-bit value of a canonical dotted-quad IPv4 address, and a
// 32-bit key for any address (the IPv4 value, or a hash of the text) for the blocks' address
// filters. Canonical spelling matters: "010.1.1.1" must not share a value with "10.1.1.1".

/**
 * A 32-bit key for a client address: the IPv4 value for a canonical dotted quad, else an
 * FNV-1a hash of the text. Keys only narrow the blocks to read; rows are matched on the text.
 * `v4` is the address's ipv4Value, when the caller has it already.
 */
export function ipKey(ip: string, v4 = ipv4Value(ip)): number {
  if (v4 >= 0) return v4;
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) {
    h ^= ip.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The 32-bit value of a canonical dotted quad (no leading zeros, parts 0-255) of n characters
 * read through `code`, or -1. One parser for text (ipv4Value) and for stored bytes (ipv4Bytes).
 */
function parseIpv4(n: number, code: (i: number) => number): number {
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = code(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** The 32-bit value of a canonical dotted quad, or -1 (IPv6, names, "010.1.1.1"). */
export function ipv4Value(ip: string): number {
  return parseIpv4(ip.length, (i) => ip.charCodeAt(i));
}

/** ipv4Value over bytes [a, b) of UTF-8 text, without making a string. */
export function ipv4Bytes(buf: Buffer, a: number, b: number): number {
  return parseIpv4(b - a, (i) => buf[a + i] as number);
}

/** The dotted quad of a 32-bit IPv4 value. */
export function ipv4Text(v: number): string {
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

// IPv4/IPv6 networks for the `cidr` condition (and trusted networks), without sockets: an
// address is parsed to a bigint and compared under the network's mask.

export interface Network {
  v6: boolean;
  base: bigint;
  mask: bigint;
}

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | null {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function parseIp(s: string): { v6: boolean; n: bigint } | null {
  if (s.includes(':')) {
    const n = parseV6(s);
    if (n === null) return null;
    // IPv4-mapped IPv6 addresses are compared as IPv4.
    if (n >> 32n === 0xffffn) return { v6: false, n: n & 0xffffffffn };
    return { v6: true, n };
  }
  const n = parseV4(s);
  return n === null ? null : { v6: false, n };
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a single address; throws on garbage. */
export function parseNetwork(text: string): Network {
  const [addr = '', bitsText] = text.split('/');
  const ip = parseIp(addr.trim());
  if (ip === null) throw new Error(`not an IP address or network: ${text}`);
  const width = ip.v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) throw new Error(`bad prefix length in ${text}`);
  const all = (1n << BigInt(width)) - 1n;
  const mask = bits === 0 ? 0n : (all << BigInt(width - bits)) & all;
  return { v6: ip.v6, base: ip.n & mask, mask };
}

export function inNetworks(ip: string, nets: readonly Network[]): boolean {
  const p = parseIp(ip);
  if (p === null) return false;
  for (const net of nets) if (net.v6 === p.v6 && (p.n & net.mask) === net.base) return true;
  return false;
}

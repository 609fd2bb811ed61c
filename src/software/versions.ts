// Version ordering per advisory ecosystem: Debian (policy 5.6.12: epoch:upstream-revision, `~`
// sorts before everything), Composer (its VersionParser normalisation, then PHP's
// version_compare as Composer's Comparator does), and npm (the `semver` package). Ecosystems
// without an ordering of their own (WordPress, …) use the Composer rules, which order dotted
// numeric versions with stability suffixes the way those projects tag them.

import semver from 'semver';

export type Compare = (a: string, b: string) => number;

// ---------------------------------------------------------------- Debian

function order(c: string): number {
  if (c === '~') return -1;
  if (c >= '0' && c <= '9') return 0; // never reached: digits are split off before
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = i < a.length ? order(a[i] as string) : 0;
      const bc = j < b.length ? order(b[j] as string) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = (a.charCodeAt(i) as number) - (b.charCodeAt(j) as number);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function parseDebian(v: string): DebVersion {
  const s = v.trim();
  const colon = s.indexOf(':');
  const epoch = colon >= 0 ? Number.parseInt(s.slice(0, colon), 10) : 0;
  const rest = colon >= 0 ? s.slice(colon + 1) : s;
  const dash = rest.lastIndexOf('-');
  return {
    epoch: Number.isFinite(epoch) ? epoch : 0,
    upstream: dash >= 0 ? rest.slice(0, dash) : rest,
    revision: dash >= 0 ? rest.slice(dash + 1) : '',
  };
}

export function compareDebian(a: string, b: string): number {
  const x = parseDebian(a);
  const y = parseDebian(b);
  if (x.epoch !== y.epoch) return Math.sign(x.epoch - y.epoch);
  const u = verrevcmp(x.upstream, y.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(verrevcmp(x.revision, y.revision));
}

// ---------------------------------------------------------------- Composer / PHP

const stabilities: Record<string, string> = {
  a: 'alpha',
  alpha: 'alpha',
  b: 'beta',
  beta: 'beta',
  rc: 'RC',
  p: 'patch',
  pl: 'patch',
  patch: 'patch',
  stable: 'stable',
};

const modifier = /^[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?$/i;

/**
 * Composer's VersionParser::normalize for release versions: `v1.2` -> `1.2.0.0`,
 * `2.4.7-p1` -> `2.4.7.0-patch1`, `1.0-RC2` -> `1.0.0.0-RC2`, `dev-main` kept; build metadata
 * (`+…`) dropped. Returns null for text that is not a version.
 */
export function normalizeComposer(input: string): string | null {
  let v = input.trim();
  if (v === '' || v.length > 100) return null;
  const alias = /^([^,\s]+) +as +[^,\s]+$/.exec(v);
  if (alias) v = alias[1] as string;
  v = v.replace(/@(?:stable|rc|beta|alpha|dev)$/i, '');
  v = v.replace(/\+[0-9A-Za-z.+-]*$/, '');
  if (/^dev-/i.test(v)) return `dev-${v.slice(4)}`;
  if (/^(?:dev-)?(?:master|trunk|default)$/i.test(v)) return `dev-${v.replace(/^dev-/i, '')}`;
  const m = /^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?(.*)$/i.exec(v);
  if (m) {
    const parts = [m[1], m[2], m[3], m[4]].map((p) => (p === undefined ? '0' : p.replace('.', '')));
    const mod = modifier.exec(m[5] ?? '');
    if (mod === null) return null;
    let out = parts.join('.');
    if (mod[1] !== undefined && stabilities[mod[1].toLowerCase()] !== 'stable') {
      out += `-${stabilities[mod[1].toLowerCase()]}${(mod[2] ?? '').replace(/^[.-]/, '')}`;
    }
    if (mod[3] !== undefined) out += '-dev';
    return out;
  }
  // date-based versions (2024.01.02)
  const d = /^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)$/.exec(v);
  if (d) return (d[1] as string).replace(/[.:-]/g, '.');
  return null;
}

const specialForms: Record<string, number> = {
  dev: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  RC: 3,
  rc: 3,
  '#': 4,
  pl: 5,
  p: 5,
};

function specialOrder(s: string): number {
  // PHP matches a form when the part starts with the form's name (strncmp), in this order.
  for (const name of ['dev', 'alpha', 'a', 'beta', 'b', 'RC', 'rc', '#', 'pl', 'p']) {
    if (s.startsWith(name)) return specialForms[name] as number;
  }
  return -6;
}

/** PHP's canonicalisation: `-_+` become `.`, and a `.` goes between digits and non-digits. */
function phpCanon(v: string): string[] {
  let out = '';
  let prev = '';
  for (const c of v) {
    const cls = c >= '0' && c <= '9' ? 'd' : c === '.' || c === '-' || c === '_' || c === '+' ? 's' : 'a';
    if (cls === 's') {
      if (!out.endsWith('.')) out += '.';
    } else {
      if (prev !== '' && prev !== 's' && prev !== cls && !out.endsWith('.')) out += '.';
      out += c;
    }
    prev = cls;
  }
  return out.split('.').filter((p) => p !== '');
}

/** PHP's version_compare(a, b) without an operator: -1, 0 or 1. */
export function phpVersionCompare(a: string, b: string): number {
  const x = phpCanon(a);
  const y = phpCanon(b);
  const isNum = (s: string) => /^\d+$/.test(s);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    let c: number;
    if (isNum(p) && isNum(q)) {
      const bp = BigInt(p);
      const bq = BigInt(q);
      c = bp < bq ? -1 : bp > bq ? 1 : 0;
    } else if (!isNum(p) && !isNum(q)) c = Math.sign(specialOrder(p) - specialOrder(q));
    else if (isNum(p)) c = Math.sign(specialOrder('#') - specialOrder(q));
    else c = Math.sign(specialOrder(p) - specialOrder('#'));
    if (c !== 0) return c;
  }
  if (x.length > n) {
    const p = x[n] as string;
    return isNum(p) ? 1 : phpVersionCompare(x.slice(n).join('.'), '#');
  }
  if (y.length > n) {
    const q = y[n] as string;
    return isNum(q) ? -1 : phpVersionCompare('#', y.slice(n).join('.'));
  }
  return 0;
}

export function compareComposer(a: string, b: string): number {
  return phpVersionCompare(normalizeComposer(a) ?? a, normalizeComposer(b) ?? b);
}

// ---------------------------------------------------------------- npm / SEMVER

export function compareSemver(a: string, b: string): number {
  const x = semver.valid(a, { loose: true }) ?? semver.coerce(a)?.version;
  const y = semver.valid(b, { loose: true }) ?? semver.coerce(b)?.version;
  if (x === undefined || x === null || y === undefined || y === null) return compareComposer(a, b);
  return semver.compare(x, y, { loose: true });
}

/** The ordering for an OSV ecosystem name (`Debian:12` -> Debian). */
export function comparatorFor(ecosystem: string): Compare {
  const base = ecosystem.split(':')[0] ?? ecosystem;
  if (base === 'Debian' || base === 'Ubuntu') return compareDebian;
  if (base === 'npm') return compareSemver;
  return compareComposer;
}

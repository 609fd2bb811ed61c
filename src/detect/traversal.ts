// A path normaliser for traversal: resolve every encoding a server or application might undo
// (URL-encoding in any depth, %u, overlong UTF-8, full-width and look-alike dots and slashes,
// `0x2f`/`0x5c`/`0x2e` spelled out, backslashes, junk bytes around the dots), then walk the
// segments and ask two questions instead of matching one regex per spelling: does the path
// climb above where it starts (the web root, or the directory a file parameter is read from),
// and does it name a file an attacker wants (passwords, keys, the shop's own configuration).

import { decode } from './normalise.ts';

export interface PathVerdict {
  /** The normalised path from its first `..`, or the absolute path named. */
  path: string;
  /** Directories climbed above the starting point. */
  climbs: number;
  /** The sensitive file or folder named, if any. */
  sensitive: string | null;
}

// (a file name may be followed by more segments: a routed REST id carries the route's tail)
const sensitiveRe =
  /(?:^|\/)(?:etc\/(?:passwd|shadow|group|hosts|issue|hostname|crontab|fstab|motd|profile|sudoers|environment|ssh\/|mysql\/|nginx\/|apache2?\/|httpd\/|php)|proc\/(?:self|\d+)\/|(?:var\/)?run\/secrets\/|windows\/(?:win\.ini|system\.ini|system32|repair|panther)|winnt\/|boot\.ini|win\.ini|wp-config\.php|\.env(?:$|[^a-z])|\.htaccess|\.htpasswd|web\.config|app\/etc\/(?:env\.php|local\.xml|config\.php)|\.ssh\/|id_[rd]sa|\.bash_history|\.git\/|var\/log\/|web-inf\/|inetpub\/|boot\/grub|\.(?:aws|docker|kube|gnupg|svn)\/|\.(?:bash_|zsh_|mysql_|psql_)?history(?=$|\/)|\.(?:netrc|pgpass|my\.cnf|npmrc|git-credentials)(?=$|\/)|sys\/(?:class|kernel|devices|firmware)(?:$|\/)|(?:apache2?|httpd|nginx|lighttpd|php|mysql|xampp|wamp|appserv|tomcat\d*)\/(?:logs?|conf|bin|data)\/|logs?\/(?:access|error)[._-]?log|\.(?:bash_profile|bashrc|cshrc|tcshrc|zshrc|profile|login|rhosts)(?=$|\/)|(?:php|my|httpd|apache2?|nginx|lighttpd|smb|vsftpd|proftpd|pure-ftpd|my-default)\.(?:ini|cnf|conf)(?:\.php)?(?=$|\/)|logs?\/(?:[\w.-]+\/)?[\w.-]*log(?=$|\/)|(?:access|error)[._-]?log(?=$|\/)|program files|inetsrv\/|metabase\.xml|global\.asa(?=$|\/)|master\.passwd|\.passwd(?=$|\/)|pg_(?:hba|ident)\.conf|postgresql\.(?:auto\.)?conf)/;

/** Spelled-out bytes some decoders (and many payload lists) use for separators and dots. */
const spelled = /0x(?:2e|2f|5c)/g;
const spelledMap: Record<string, string> = { '0x2e': '.', '0x2f': '/', '0x5c': '/' };

// An overlong lead (%c0/%c1, at any %25 depth) before a byte whose low six bits are a dot, a
// slash or a backslash: lax decoders kept only those bits (%c1%af and %c0%6e as dotdotpwn sends them).
const laxOverlong = /%(?:25)*c[01]%(?:25)*([0-9a-f]{2})/gi;
const laxMap: Record<number, string> = { 46: '.', 47: '/', 28: '\\', 31: '/' };
// `%%32%%66`: each hex digit of %2f encoded once more (one decoding would leave `%2%f`).
const splitNibbles = /%%(3[0-9]|[46][1-6])%%(3[0-9]|[46][1-6])/gi;
const nibble = (h: string): string => String.fromCharCode(parseInt(h, 16));
// An escape that is not hex (%bg, %qf, %9v, %pc): no decoder knows it; filters that pass it
// on and servers that drop it make it a separator, so it reads as one.
const bogusEscape = /(?:%(?![0-9a-f]{2})[0-9a-z]{2})+/g;

/** Everything an application decodes, as one lower-case text with `/` separators. */
export function normalisePath(raw: string, steps?: string[]): string {
  let input = raw;
  if (raw.includes('%')) {
    const d = raw
      .replace(splitNibbles, (_m, a: string, b: string) => `%${nibble(a)}${nibble(b)}`)
      .replace(laxOverlong, (m, h: string) => laxMap[parseInt(h, 16) & 0x3f] ?? m);
    if (d !== raw) {
      input = d;
      steps?.push('split-nibble escapes (%%32%%66) joined, overlong %c0/%c1 bytes read by their low six bits');
    }
  }
  let s = decode(input, false, steps);
  if (/[\ue000-\uf8ff]/.test(s)) {
    // Private-use characters (%uF025) are no file name's; the lists use them as separators.
    s = s.replace(/[\ue000-\uf8ff]+/g, '/');
    steps?.push('private-use characters as separators');
  }
  if (s.includes('%')) {
    const d = s.replace(bogusEscape, '/');
    if (d !== s) {
      s = d;
      steps?.push('bogus escapes (%bg, %9v) as separators');
    }
  }
  if (s.includes('0x')) {
    const d = s.replace(spelled, (m) => spelledMap[m] ?? m);
    if (d !== s) {
      s = d;
      steps?.push('0x2e/0x2f/0x5c spelled bytes');
    }
  }
  if (s.includes('\\')) {
    s = s.replaceAll('\\', '/');
    steps?.push('backslash as separator');
  }
  return s;
}

// Inside a segment, bytes that are not part of a file name (control characters, ;, ?, %,
// spaces, quotes): servers and filters drop or ignore them around dots (`..;/`, `..%00/`).
// eslint-disable-next-line no-control-regex
const junk = /[^a-z0-9._~@!$&'()+,=\-[\]{}\u0080-\uffff]|[\s"']/g;

/** A segment that means "up": two or more dots, whatever junk sits between or after them. */
function isUp(seg: string): boolean {
  if (seg.length < 2) return false;
  // `.?` / `?.`: a dot written as the one-character wildcard (dotdotpwn, Windows).
  if (/^[.?]*\.[.?]*$/.test(seg) && seg.includes('?')) return true;
  if (seg === '??') return true;
  const clean = seg.includes('.') ? seg.replace(junk, '') : seg;
  return clean.length >= 2 && /^\.+$/.test(clean);
}

// (any folder of /var, two levels into /usr, three into /opt or a macOS volume: no shop
// parameter holds such a path; /home and /tmp are left out, shop routes use such names)
const systemDir =
  /^(?:file:)?\/+(?:(?:etc|proc|root|boot|sys|usr\/(?:local\/)?[\w.-]+|home\/[^/]+\/\.|xampp|wamp\d*|appserv|private\/(?:etc|var)|library\/(?:webserver|preferences|keychains|logs))\/[\w.-]|var\/[\w.-]+(?:\/|$)|(?:opt|volumes)\/[\w.-]+\/[\w.-]+\/)|^[a-z]:\/+[a-z]/;
const configScript =
  /^(?:\.?\/)?(?:[\w-]+\/){0,3}((?:_?config|configuration|settings|database|dbase|db|connect|connection|wp-config|localsettings|parameters|secrets?|credentials)(?:\.inc)?\.(?:php\d?|asp|aspx|inc|ini|jsp|cfm|conf|cnf|yml|yaml))$/;
const hiddenAfterFolders = /^(?:\.\/)*(?:[\w-]+\/){1,3}\.$/;
const dotDot = /\.\.|\.\?|\?[.?]/;
// What a web application keeps beside its pages and never serves: Java's WEB-INF and META-INF,
// Magento's app/etc configuration, IIS's web.config and ASP's global.asa.
const siteSecret =
  /^(?:web-inf|meta-inf)\/[\w.-]+|^app\/etc\/(?:env\.php|local\.xml|config\.php)\b|^(?:[\w-]+\/){0,3}(?:web\.config|global\.asax?)$/;
const infFile = /(?:^|\/)((?:web-inf|meta-inf)\/[\w.-]+)/;
// A hidden file alone at the root (`/.forward`, `/.sh_history`); not /.well-known (no dot inside).
const rootHidden = /^\.(?!well-known)[a-z][\w-]{2,}$/;

/**
 * Reads a normalised value as a path: how far it climbs from its first `..`, and what it names.
 * `absoluteCounts`: a value that is itself an absolute path to a sensitive file counts (a file
 * parameter), which is not so for the request path itself.
 */
export function analysePath(norm: string, absoluteCounts: boolean): PathVerdict | null {
  const first = norm.search(dotDot);
  if (first < 0) {
    if (!absoluteCounts) {
      // a request path naming Java's WEB-INF or META-INF files anywhere (`/id/WEB-INF/web.xml`): no
      // servlet container serves them, so only a probe for the site's configuration asks
      const inf = infFile.exec(norm);
      return inf === null ? null : { path: norm.slice(0, 200), climbs: 0, sensitive: inf[1] ?? inf[0] };
    }
    // (`~/` and `~user/` are a home folder, as the shell reads them: `~/.ssh/id_rsa`)
    const abs = /^(?:file:\/*|[a-z]:\/+|\/+|~[\w.-]*\/+)/.exec(norm);
    // A hidden file or folder named from the current directory (`.htaccess`, `./.ssh/id_rsa`).
    const dot = abs === null ? /^(?:\.\/)*(?=\.[a-z])/.exec(norm) : null;
    if (abs === null && dot === null) {
      // the site's own secrets, named from its root (`?file=WEB-INF/web.xml`, `app/etc/env.php`)
      const site = siteSecret.exec(norm);
      if (site !== null) return { path: norm.slice(0, 200), climbs: 0, sensitive: site[0] };
      // a configuration script named by a parameter (`?file=config.inc.php`, `db.php`)
      const cfg = configScript.exec(norm);
      if (cfg !== null) return { path: norm.slice(0, 200), climbs: 0, sensitive: cfg[1] ?? cfg[0] };
      // plain folder names, then a hidden sensitive file (`members/.htpasswd`)
      const h = sensitiveRe.exec(norm);
      return h !== null && h.index > 0 && hiddenAfterFolders.test(norm.slice(0, h.index + 2))
        ? { path: norm.slice(0, 200), climbs: 0, sensitive: h[0].replace(/^\//, '') }
        : null;
    }
    const m = sensitiveRe.exec(abs === null ? norm.slice(dot?.[0].length ?? 0) : norm);
    // an absolute path into the system's own directories (`/etc/…`, `/var/log/…`, `c:\…`)
    const sys = abs === null || m !== null ? null : systemDir.exec(norm);
    if (sys !== null) return { path: norm.slice(0, 200), climbs: 0, sensitive: sys[0].replace(/^(?:file:)?\/+/, '') };
    if (m === null && abs !== null) {
      // from the root: a configuration script (`/config.asp`) or a hidden file (`/.forward`)
      const rel = norm.slice(abs[0].length);
      const cfg = /^[a-z]:/.test(abs[0]) ? null : (configScript.exec(rel) ?? rootHidden.exec(rel));
      return cfg === null ? null : { path: norm.slice(0, 200), climbs: 0, sensitive: cfg[1] ?? cfg[0] };
    }
    // relative: the name must open the value, or follow plain folder names (`members/.htpasswd`)
    if (m !== null && abs === null && m.index !== 0 && !hiddenAfterFolders.test(norm.slice(0, m.index + 2)))
      return null;
    return m === null ? null : { path: norm.slice(0, 200), climbs: 0, sensitive: m[0].replace(/^\//, '') };
  }
  // Start at the first `..` (a routed parameter or a JSON string starts there).
  let tail = norm.slice(first);
  // `..X..X` with the same junk X (bogus encodings such as %c1%8s, %bg%qf, %uF025 that old
  // servers read as a slash): the repeated junk is the separator.
  const rep = /^\.{2,}([^./a-z0-9]{1,12}|[^./]*[^./a-z0-9][^./]{0,10})\.{2,}/.exec(tail);
  if (rep !== null && rep[1] !== undefined && !tail.startsWith(`${tail.slice(0, 2)}/`))
    tail = tail.split(rep[1]).join('/');
  let depth = 0;
  let climbs = 0;
  const kept: string[] = [];
  for (const seg of tail.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (isUp(seg)) {
      depth--;
      if (-depth > climbs) climbs = -depth;
      kept.pop();
    } else {
      depth++;
      kept.push(seg.replace(junk, ''));
    }
  }
  if (climbs === 0) return null;
  const resolved = kept.join('/');
  const m = sensitiveRe.exec(resolved);
  // (one level up to a configuration script, `../config.asp`, names it as surely as from the root)
  const cfg = m === null ? configScript.exec(resolved) : null;
  const sensitive = m !== null ? m[0].replace(/^\//, '') : cfg !== null ? (cfg[1] ?? cfg[0]) : null;
  return { path: tail.slice(0, 200), climbs, sensitive };
}

// A sensitive name whose separators may be any junk (the separator encodings no decoder knows),
// or none left (a decoder that dropped them: `....etcpasswd`, `c:windowswin.ini`).
const looseSensitive =
  /^(?:etc.{0,12}(?:passwd|shadow|group|hosts|issue)|boot\.ini|win\.ini|system\.ini|windows.{0,12}(?:win\.ini|system32)|winnt.{0,12}win\.ini|proc.{0,12}self|wp-config\.php|\.env\b|app.{0,12}etc.{0,12}env\.php|web-inf.{0,12}web\.xml|inetpub.{0,12}wwwroot)/;
const repeatedUnit = /^(.{2,24}?)\1{2,}/;

/**
 * The shape dotdotpwn-style payloads keep whatever bogus encoding they use: one short unit of
 * dots and junk (`..%c1%8s`, `?.%uEFC8`, `.?0x5c`) repeated, then a sensitive file. Looked for
 * at the start of the value and after each `/`, `=` or `:`.
 */
function repeatedClimb(norm: string): PathVerdict | null {
  const text = norm.length > 600 ? norm.slice(0, 600) : norm;
  for (let at = 0; at >= 0 && at < text.length; at = nextStart(text, at)) {
    const m = repeatedUnit.exec(text.slice(at));
    if (m === null) continue;
    const unit = m[1] ?? '';
    if (!/[.?]/.test(unit) || /^[a-z0-9]+$/.test(unit)) continue;
    const rest = text.slice(at + m[0].length);
    // `..2f..2f..2f` (an escape whose % was lost), `..0x5c`…: dots then one separator that is
    // not a word, three times or more, climbs whatever it names
    const sep = /^\.{2,}([^.\s]{1,12})$/.exec(unit)?.[1];
    if (sep !== undefined && !/^[a-z]+$/.test(sep)) {
      const named = sensitiveRe.exec(rest.split(sep).join('/'));
      return {
        path: text.slice(at, at + 200),
        climbs: Math.floor(m[0].length / unit.length),
        sensitive: named?.[0] ?? null,
      };
    }
    const s = looseSensitive.exec(rest);
    if (s !== null)
      return { path: text.slice(at, at + 200), climbs: Math.floor(m[0].length / unit.length), sensitive: s[0] };
  }
  return null;
}

function nextStart(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '/' || c === '=' || c === ':' || c === '"') return i + 1;
  }
  return -1;
}

// A value (or path segment) that is base64 text: both cases, the alphabet only, whole quanta.
export const base64Like = /^(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9+/ ]{7,}(?:=|%3[dD]){0,2}$/;

/** `%XX` and `%uXXXX` decoded, to any depth (at most four), with the case kept. */
export function percentDecoded(s: string): string {
  let t = s;
  for (let round = 0; round < 4 && t.includes('%'); round++) {
    const d = t.replace(/%u([0-9a-f]{4})|%([0-9a-f]{2})/gi, (_m, u: string | undefined, x: string | undefined) =>
      String.fromCharCode(parseInt(u ?? x ?? '0', 16)),
    );
    if (d === t) break;
    t = d;
  }
  return t;
}

/** The text a base64 value decodes to, when it is printable (a path, not binary data). */
function fromBase64(value: string): string | null {
  const b = value.replace(/%3[dD]/g, '=').replaceAll(' ', '+');
  if (b.replace(/=+$/, '').length % 4 === 1) return null;
  const text = Buffer.from(b, 'base64').toString('latin1');
  return text.length >= 4 && /^[\x20-\x7e]+$/.test(text) ? text : null;
}

const evasiveClimb =
  /0x2e0x2e|\.\.0x(?:2f|5c)|%25(?:25)*(?:2e|2f|5c)|%c0%(?:ae|af|2e|2f|5c)|%c1%(?:9c|1c)|%e0%80%a[ef]|%f0%80%80%a[ef]|%u(?:002e|ff0e|2215|2216|2044)/i;
// `..\`, `..;\`: one level up written with Windows' separator (junk allowed between).
const backslashClimb = /\.\.[^\w/]{0,3}\\/;
// Segments with no letter or digit (`>>`, `^^`, `~~`): dots in an encoding no decoder knows
// (dotdotpwn's `%c0%fe%c0%fe`, read by their low bits); no file or folder is named so.
const opaqueRun = /(?:^|\/)((?:[^a-z0-9/\s]{2,}\/)+)/;

/**
 * A sensitive file behind what stands for climbing without spelling it: segments of only
 * punctuation (`>>/>>/etc/passwd`), or a drive with no root (`c:windows/system32`, read from
 * the drive's current folder). Counts only with the sensitive name right after.
 */
function opaqueClimb(norm: string): PathVerdict | null {
  const run = opaqueRun.exec(norm);
  let rest: string | null = null;
  let climbs = 0;
  if (run !== null) {
    rest = norm.slice(run.index + run[0].length);
    climbs = (run[1] ?? '').split('/').length - 1;
  } else if (/^[a-z]:[a-z]/.test(norm)) {
    rest = norm.slice(2);
    // (its separators lost as well: `c:windowswin.ini`)
    const loose = looseSensitive.exec(rest);
    if (loose !== null) return { path: norm.slice(0, 200), climbs: 0, sensitive: loose[0] };
  }
  if (rest === null) return null;
  const m = sensitiveRe.exec(`/${rest}`);
  return m === null || m.index !== 0 ? null : { path: norm.slice(0, 200), climbs, sensitive: m[0].replace(/^\//, '') };
}

function verdictOf(raw: string, absoluteCounts: boolean, steps?: string[]): PathVerdict | null {
  const norm = normalisePath(raw, steps);
  const v = analysePath(norm, absoluteCounts);
  if (v !== null && (v.climbs >= 2 || v.sensitive !== null)) return v;
  // one level up written with a backslash (`..\x`): Windows' separator, which no link a shop
  // writes uses (one level up with `/`, a return link such as `../cart`, is left alone)
  if (v !== null && backslashClimb.test(raw.includes('\\') ? raw : decode(raw, false))) return v;
  // … or with its dots or slash in an encoding no browser or link writes (encoded twice, overlong
  // UTF-8, %u, full-width, hex literals: `%252e%252e%252f`, `%c0%ae%c0%ae/`, `0x2e0x2e/`): a probe of the
  // decoder, one level or more
  if (v !== null && (raw.includes('%') || raw.includes('0x')) && evasiveClimb.test(raw)) return v;
  const o = opaqueClimb(norm);
  if (o !== null) return o;
  return norm.length >= 12 && /[.?]/.test(norm) ? repeatedClimb(norm) : null;
}

/**
 * A traversal: climbing two or more levels, or climbing to a sensitive file; also in a value or
 * a path segment that is base64 of such a path (`Li4vLi4v…`, `L2V0Yy9wYXNzd2Q=`), which an
 * application decodes before it opens the file.
 */
export function detectTraversal(raw: string, absoluteCounts: boolean, steps?: string[]): PathVerdict | null {
  const v = verdictOf(raw, absoluteCounts, steps);
  if (v !== null) return v;
  // `..2f..2fetc2fpasswd`: escapes that lost their `%`, read as the separators they were
  // (also when the dots themselves came encoded: `%2e%2e2f`)
  const norm = raw.includes('%') ? normalisePath(raw) : raw;
  if (/\.\.(?:25)?(?:2f|5c)/i.test(norm)) {
    const w = analysePath(normalisePath(raw).replace(/(?:25)?(?:2f|5c)/g, '/'), absoluteCounts);
    if (w !== null && (w.climbs >= 2 || w.sensitive !== null)) {
      steps?.push('bare 2f/5c after dots as separators');
      return w;
    }
  }
  for (const segment of raw.length > 600 ? [] : raw.split('/')) {
    // (an encoded base64 text is decoded with its case kept: `ZXRj…%253D`, `%5A%58…`)
    const part = segment.includes('%') ? percentDecoded(segment) : segment;
    if (!base64Like.test(part)) continue;
    const text = fromBase64(part);
    if (text === null || !/[./\\]/.test(text)) continue;
    // decoded text is a file name already: `etc/shadow` reads from the root as well
    const b = verdictOf(text, true) ?? (/^[\w.]/.test(text) ? verdictOf(`/${text}`, true) : null);
    if (b !== null) {
      steps?.push('base64 decoded');
      return { ...b, path: `base64 ${b.path}` };
    }
  }
  return null;
}

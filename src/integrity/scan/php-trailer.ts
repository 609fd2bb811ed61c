// Payloads packed after a PHP file's end: the `$OOO0O0O00=__FILE__;` family of packers ends the
// code with `?>` and appends the real program in base64 written with a shuffled alphabet; the
// loader opens its own file, reads past the code, maps the alphabet back with strtr and evals the
// result. The trailer is read here the same way (decoded, never run) so that the scanner judges
// what the program does, not how it is packed (vendors pack licence code with the same tools).

const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const standardSet = new Set(standard);
const quotedAlphabet = /['"]([A-Za-z0-9+/=]{64,65})['"]/g;

/** Each 64 first characters of a quoted base64 alphabet (standard or shuffled), in order of appearance. */
function alphabetsIn(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(quotedAlphabet)) {
    const a = (m[1] as string).slice(0, 64);
    if (new Set(a).size === 64 && [...a].every((c) => standardSet.has(c))) out.push(a);
  }
  return out;
}

/** The strtr map from a shuffled alphabet to the standard one, when the sources name such a pair. */
function shuffleMap(sources: readonly string[]): Map<string, string> | null {
  for (const source of sources) {
    const found = alphabetsIn(source);
    for (let i = 0; i + 1 < found.length; i++) {
      const from = found[i] as string;
      if (found[i + 1] !== standard || from === standard) continue;
      const map = new Map<string, string>();
      for (let k = 0; k < 64; k++) map.set(from[k] as string, standard[k] as string);
      return map;
    }
  }
  return null;
}

const value = (c: string) => standard.indexOf(c);

/** Base64 of one or more chunks laid end to end (each may end with its `=`), non-alphabet bytes skipped. */
function decodeChunks(s: string, max: number): string {
  let out = '';
  for (const chunk of s.split(/=+/)) {
    let bits = 0;
    let acc = 0;
    for (let i = 0; i < chunk.length && out.length < max; i++) {
      const v = value(chunk[i] as string);
      if (v < 0) continue;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += String.fromCharCode((acc >> bits) & 0xff);
      }
    }
  }
  return out;
}

const printable = (s: string) => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) n++;
  }
  return s.length === 0 ? 0 : n / s.length;
};

/**
 * The program a self-reading loader keeps after its `?>`, decoded with the shuffled alphabet its
 * code (or a layer of it eval runs, given in `layers`) names; null when the file is not one.
 */
export function trailerPayload(text: string, layers: readonly string[], max = 4_000_000): string | null {
  if (!text.includes('__FILE__')) return null;
  const end = text.indexOf('?>');
  if (end < 0) return null;
  const trailer = text.slice(end + 2);
  if (trailer.length < 64) return null;
  const map = shuffleMap([text, ...layers]);
  if (map === null) return null;
  let mapped = '';
  let inAlphabet = 0;
  for (let i = 0; i < trailer.length; i++) {
    const c = trailer[i] as string;
    const to = map.get(c);
    if (to !== undefined) inAlphabet++;
    mapped += to ?? (c === '=' ? '=' : ' ');
  }
  // A trailer of shuffled base64 is alphabet almost throughout; HTML after a `?>` is not.
  if (inAlphabet < trailer.length * 0.9) return null;
  // The loader reads from an offset of its own choosing, possibly inside a leading junk byte or
  // two: of the four alignments, the one that decodes to text is the program.
  const compact = mapped.replace(/ /g, '');
  let best: string | null = null;
  let bestScore = 0.9;
  for (let skip = 0; skip < 4; skip++) {
    const head = decodeChunks(compact.slice(skip, skip + 400), 300);
    const score = printable(head);
    if (score > bestScore) {
      bestScore = score;
      best = compact.slice(skip);
    }
  }
  return best === null ? null : decodeChunks(best, max);
}

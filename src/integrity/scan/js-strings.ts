// Partial evaluation of javascript-obfuscator's string arrays, the packer most skimmers wear:
// every string of the script is moved into one array (base64-encoded, optionally RC4-encrypted
// with a key per call site), the array is rotated at start-up, and each use becomes a call of a
// decoder (`_0x6563('0x1f', 'Kq!t')`). Nothing of the script runs here: the array, the rotation
// count, the index offset and the keys are literals read from the tree, and the decoding is this
// module's own base64, UTF-8 and RC4, bounded in steps and sizes. When the rotation cannot be
// read (newer versions rotate until a checksum matches), each rotation is tried on a sample of
// calls and kept only when it turns them all into plain text.

import type { AnyNode, Program } from 'acorn';

type Walk = (node: AnyNode | Program, cb: (n: AnyNode) => void) => void;

/** Limits: arrays, calls and work per script, so a crafted script cannot make the scan slow. */
const maxArray = 5000;
const maxCalls = 5000;
const maxRotationTrials = 2_000_000;

const swapCase = (s: string) => s.replace(/[a-zA-Z]/g, (c) => (c <= 'Z' ? c.toLowerCase() : c.toUpperCase()));

/**
 * javascript-obfuscator's base64, then UTF-8. Its newer versions put the lower case first in
 * the alphabet (`swapped`), older ones use the standard one; the decoder's text tells which.
 */
export function obfuscatorBase64(s: string, swapped = true): string | null {
  if (!/^[A-Za-z0-9+/=]*$/.test(s)) return null;
  const bytes = Buffer.from(swapped ? swapCase(s) : s, 'base64');
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? bytes.toString('latin1') : text;
}

/** RC4 over the characters of `data` (codes below 256) with `key`. */
export function rc4(data: string, key: string): string {
  if (key.length === 0) return data;
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key.charCodeAt(i % key.length) & 0xff)) & 0xff;
    const t = s[i] as number;
    s[i] = s[j] as number;
    s[j] = t;
  }
  let out = '';
  let i = 0;
  j = 0;
  for (let y = 0; y < data.length; y++) {
    i = (i + 1) & 0xff;
    j = (j + (s[i] as number)) & 0xff;
    const t = s[i] as number;
    s[i] = s[j] as number;
    s[j] = t;
    out += String.fromCharCode(data.charCodeAt(y) ^ (s[((s[i] as number) + (s[j] as number)) & 0xff] as number));
  }
  return out;
}

/** Text a program would show or use: no control characters but tabs and line ends. */
export const isPlainText = (s: string) => /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(s);

interface DecoderCall {
  at: number;
  index: number;
  key: string | null;
}

const numberOf = (n: AnyNode | undefined): number | null => {
  if (n?.type !== 'Literal') return null;
  if (typeof n.value === 'number') return n.value;
  if (typeof n.value === 'string' && /^(?:0x[0-9a-f]+|\d+)$/i.test(n.value)) return Number(n.value);
  return null;
};

/**
 * The strings that calls of a string-array decoder stand for, by the call's start offset.
 * `arrays` are the script's arrays of string literals by variable name.
 */
export function decodeArrayCalls(
  program: Program,
  text: string,
  arrays: ReadonlyMap<string, readonly string[]>,
  walk: Walk,
): Map<number, string> {
  const out = new Map<number, string>();
  if (arrays.size === 0) return out;
  const rotation = new Map<string, number>();
  /** Decoder function name -> the array it reads and the offset it subtracts from an index. */
  const decoders = new Map<string, { array: string; offset: number; swapped: boolean }>();
  const calls = new Map<string, DecoderCall[]>();
  const decoderBody = (name: string, fn: AnyNode) => {
    const body = text.slice(fn.start, Math.min(fn.end, fn.start + 20_000));
    for (const array of arrays.keys()) {
      if (!new RegExp(`\\b${array.replace(/\$/g, '\\$')}\\b`).test(body)) continue;
      const off = /\b([\w$]+)\s*=\s*\1\s*-\s*(0x[0-9a-f]+|\d+)/i.exec(body);
      decoders.set(name, {
        array,
        offset: off === null ? 0 : Number(off[2]),
        swapped: !/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/.test(body),
      });
      return;
    }
  };
  walk(program, (n: AnyNode) => {
    if (n.type === 'CallExpression') {
      const [a0, a1] = n.arguments;
      // (function (arr, n) { … arr.push(arr.shift()) … })(_0xabc, 0x1b3): the start-up rotation.
      if (
        (n.callee.type === 'FunctionExpression' || n.callee.type === 'ArrowFunctionExpression') &&
        a0?.type === 'Identifier' &&
        arrays.has(a0.name)
      ) {
        const count = numberOf(a1 as AnyNode | undefined);
        if (count !== null && /push[\s\S]{0,40}shift|shift[\s\S]{0,40}push/.test(text.slice(n.start, n.end)))
          rotation.set(a0.name, count);
        return;
      }
      if (n.callee.type !== 'Identifier' || arrays.has(n.callee.name)) return;
      const index = numberOf(a0 as AnyNode | undefined);
      if (index === null || n.arguments.length > 2) return;
      const key = a1?.type === 'Literal' && typeof a1.value === 'string' ? a1.value : null;
      if (a1 !== undefined && key === null) return;
      const list = calls.get(n.callee.name) ?? [];
      if (list.length < maxCalls) list.push({ at: n.start, index, key });
      calls.set(n.callee.name, list);
      return;
    }
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init?.type === 'FunctionExpression')
      decoderBody(n.id.name, n.init);
    else if (n.type === 'FunctionDeclaration' && n.id !== null) decoderBody(n.id.name, n);
  });
  for (const [name, list] of calls) {
    const dec = decoders.get(name);
    const items = dec === undefined ? undefined : arrays.get(dec.array);
    if (dec === undefined || items === undefined || items.length > maxArray || list.length === 0) continue;
    let swapped = dec.swapped;
    // Without keys, an array is base64 only when nearly all of it decodes to ASCII text.
    const ascii = (t: string | null) => t !== null && /^[\t\n\r\x20-\x7e]*$/.test(t);
    const base64Mode = items.filter((v) => ascii(obfuscatorBase64(v, swapped))).length * 10 >= items.length * 8;
    const decode = (c: DecoderCall, rot: number): string | null => {
      const i = c.index - dec.offset;
      if (i < 0 || i >= items.length) return null;
      const raw = items[(i + rot) % items.length] as string;
      if (c.key === null) return base64Mode ? obfuscatorBase64(raw, swapped) : raw;
      const b = obfuscatorBase64(raw, swapped);
      return b === null ? null : rc4(b, c.key);
    };
    const sample = list.slice(0, 12);
    const works = (rot: number) =>
      sample.every((c) => {
        const s = decode(c, rot);
        return s !== null && isPlainText(s);
      });
    let rot = (rotation.get(dec.array) ?? 0) % items.length;
    // Without RC4 every rotation reads as text; with it only the right one does, so it is
    // searched for (in the other base64 alphabet too, when the decoder did not show its own).
    if (!works(rot) && sample.some((c) => c.key !== null)) {
      const budget = Math.floor(maxRotationTrials / Math.max(1, sample.length * 64 * 2));
      rot = -1;
      for (const alphabet of [swapped, !swapped]) {
        swapped = alphabet;
        for (let r = 0; r < Math.min(items.length, budget) && rot < 0; r++) if (works(r)) rot = r;
        if (rot >= 0) break;
      }
      if (rot < 0) continue;
    }
    for (const c of list) {
      const s = decode(c, rot);
      if (s !== null && s.length <= 10_000 && isPlainText(s)) out.set(c.at, s);
    }
  }
  return out;
}

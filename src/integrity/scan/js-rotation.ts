// Strings hidden by a rotation cipher: a skimmer kit writes each string with its letters read in
// a stride (`c("SOPT", 14, 23)` is "POST") and ships the three-line decoder that walks them back:
//   function c(s, start, step) { for (var t = start % s.length, r = ""; r.length < s.length;
//   t = (t + step) % s.length) r += s.charAt(t); return r }
// A function of the script is taken for that decoder only when its source is that walk; its calls
// with a literal string and two numbers are then read here (bounded), never run.

import type { AnyNode, Program } from 'acorn';

type Walk = (node: AnyNode | Program, cb: (n: AnyNode) => void) => void;

/**
 * The decoder's body with any names, in the two ways minifiers write it: a loop from
 * start % length stepping by step % length, the length read each time or kept in a variable.
 * Each gives the names of the string, the start and the step, in that order.
 */
const rotationBodies: { re: RegExp; groups: [number, number, number] }[] = [
  {
    // for(var t=e%n.length,r="";r.length<n.length;t=(t+i)%n.length)r+=n.charAt(t);return r
    re: /^\{\s*for\s*\(\s*var\s+([\w$]+)\s*=\s*([\w$]+)\s*%\s*([\w$]+)\.length\s*,\s*([\w$]+)\s*=\s*(?:""|'')\s*;\s*\4\.length\s*<\s*\3\.length\s*;\s*\1\s*=\s*\(\s*\1\s*\+\s*([\w$]+)\s*\)\s*%\s*\3\.length\s*\)\s*\4\s*\+=\s*\3\.charAt\(\s*\1\s*\)\s*;?\s*return\s+\4\s*;?\s*\}$/,
    groups: [3, 2, 5],
  },
  {
    // for(var i="",r=t.length,a=e%r;i.length<r;a=(a+n)%r)i+=t.charAt(a);return i
    re: /^\{\s*for\s*\(\s*var\s+([\w$]+)\s*=\s*(?:""|'')\s*,\s*([\w$]+)\s*=\s*([\w$]+)\.length\s*,\s*([\w$]+)\s*=\s*([\w$]+)\s*%\s*\2\s*;\s*\1\.length\s*<\s*\2\s*;\s*\4\s*=\s*\(\s*\4\s*\+\s*([\w$]+)\s*\)\s*%\s*\2\s*\)\s*\1\s*\+=\s*\3\.charAt\(\s*\4\s*\)\s*;?\s*return\s+\1\s*;?\s*\}$/,
    groups: [3, 5, 6],
  },
];

/** Reads a rotated string: from `start` (mod its length), every `step`th letter, as long as the string. */
export function unrotate(s: string, start: number, step: number): string {
  const n = s.length;
  if (n === 0) return '';
  let t = ((start % n) + n) % n;
  const k = ((step % n) + n) % n;
  let out = '';
  while (out.length < n) {
    out += s.charAt(t);
    t = (t + k) % n;
  }
  return out;
}

const maxCalls = 5000;

/** The strings that calls of the script's rotation decoders stand for, by the call's start offset. */
export function decodeRotationCalls(program: Program, text: string, walk: Walk): Map<number, string> {
  const out = new Map<number, string>();
  const decoders = new Set<string>();
  const calls: { at: number; name: string; s: string; start: number; step: number }[] = [];
  walk(program, (n: AnyNode) => {
    if (n.type === 'FunctionDeclaration' && n.id !== null && n.params.length === 3 && n.end - n.start < 400) {
      const [s, start, step] = n.params.map((p) => (p.type === 'Identifier' ? p.name : ''));
      const body = text.slice(n.body.start, n.body.end);
      // Its own parameters in their places: the string, where to start, the stride.
      for (const { re, groups } of rotationBodies) {
        const m = re.exec(body);
        if (m !== null && m[groups[0]] === s && m[groups[1]] === start && m[groups[2]] === step)
          decoders.add(n.id.name);
      }
      return;
    }
    if (n.type !== 'CallExpression' || n.callee.type !== 'Identifier' || calls.length >= maxCalls) return;
    const [a, b, c] = n.arguments;
    if (a?.type !== 'Literal' || typeof a.value !== 'string' || a.value.length > 10_000) return;
    if (b?.type !== 'Literal' || typeof b.value !== 'number' || c?.type !== 'Literal' || typeof c.value !== 'number')
      return;
    calls.push({ at: n.start, name: n.callee.name, s: a.value, start: b.value, step: c.value });
  });
  if (decoders.size === 0) return out;
  for (const c of calls)
    if (decoders.has(c.name) && Number.isSafeInteger(c.start) && Number.isSafeInteger(c.step))
      out.set(c.at, unrotate(c.s, c.start, c.step));
  return out;
}

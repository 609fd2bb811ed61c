// Unified diff of a baseline file against the file as it is (Myers' O(ND) algorithm on lines),
// and the test that decides a file is binary (then only sizes and hashes are shown). The
// lines are attacker-controlled: callers escape them when they print.

export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** The edit script from a to b; null when more than maxEdits edits would be needed. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 4000): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)))
        x = v[offset + k + 1] as number;
      else x = (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
    if (found >= 0) {
      trace.push(v.slice());
      break;
    }
  }
  if (found < 0) return null;
  // Walk back through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number)) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: ' ', line: a[x] as string, a: x, b: y });
    }
    if (x === prevX) {
      y--;
      ops.push({ kind: '+', line: b[y] as string, a: x, b: y });
    } else {
      x--;
      ops.push({ kind: '-', line: a[x] as string, a: x, b: y });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ kind: ' ', line: a[x] as string, a: x, b: y });
  }
  return ops.reverse();
}

/** A unified diff (`---`/`+++` headers, `@@` hunks with `context` lines around changes). */
export function unifiedDiff(a: string, b: string, nameA: string, nameB: string, context = 3): string {
  const la = splitLines(a);
  const lb = splitLines(b);
  const ops = diffLines(la, lb) ?? [
    ...la.map((line, i) => ({ kind: '-' as const, line, a: i, b: 0 })),
    ...lb.map((line, i) => ({ kind: '+' as const, line, a: la.length, b: i })),
  ];
  const out: string[] = [`--- ${nameA}`, `+++ ${nameB}`];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && (ops[i] as Op).kind === ' ') i++;
    if (i >= ops.length) break;
    let start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while changes are within 2*context of each other.
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== ' ') end++;
      let j = end;
      while (j < ops.length && (ops[j] as Op).kind === ' ' && j - end < 2 * context) j++;
      if (j < ops.length && (ops[j] as Op).kind !== ' ') end = j;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const first = hunk[0] as Op;
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${aCount === 0 ? first.a : first.a + 1},${aCount} +${bCount === 0 ? first.b : first.b + 1},${bCount} @@`,
    );
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    i = stop;
    start = stop;
  }
  return out.join('\n');
}

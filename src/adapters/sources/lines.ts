// Splits bytes into lines at the byte level, so every batch knows the exact byte offset after
// its last line (what the checkpoint stores). Bytes are decoded as UTF-8 with U+FFFD for
// invalid sequences; a trailing CR is dropped.

/** Lines longer than this (no newline in sight) are cut, so one hostile line cannot exhaust memory. */
export const MAX_LINE_BYTES = 1 << 20;

export interface Split {
  lines: string[];
  /** Bytes of `buf` consumed (up to and including the last newline used). */
  consumed: number;
}

/** Takes up to `maxLines` complete lines from the start of `buf`. */
export function takeLines(buf: Buffer, maxLines: number, final = false): Split {
  let pos = 0;
  const lines: string[] = [];
  // Each line is decoded on its own: one big decode followed by split() would leave every line a
  // slice of a large external string, keeping megabytes alive until a major GC.
  while (lines.length < maxLines) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
    lines.push(buf.toString('utf8', pos, end));
    pos = nl + 1;
  }
  if (lines.length < maxLines) {
    const rest = buf.length - pos;
    // An over-long line with no newline, or the last line of a finished file, counts as a line.
    if ((final && rest > 0) || rest >= MAX_LINE_BYTES) {
      const end = final ? buf.length : pos + MAX_LINE_BYTES;
      let l = buf.toString('utf8', pos, end);
      if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
      lines.push(l);
      pos = end;
    }
  }
  return { lines, consumed: pos };
}

// A string cut from a log line (a field, an excerpt) is a slice that keeps the whole line, or
// the whole batch of lines it was cut from, in memory for as long as it lives. Anything kept
// for long (cache keys, counting windows, evidence) keeps its own copy instead.

/** A copy of `s` that shares no memory with the text it was cut from. */
export function detach(s: string): string {
  // V8 copies slices shorter than 13 characters anyway; a longer one is copied by flattening
  // a concatenation before slicing it (the slice's parent is then that copy).
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

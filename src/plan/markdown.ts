// Escaping for the plan's Markdown: values the owner typed (names, phone numbers, paths) are
// shown as text, never read as markup, in PLAN.md and in the HTML made from it.

/** Backslash-escapes what Markdown or HTML would read as markup in a value, on one line. */
export function escapeMarkdown(v: unknown): string {
  return String(v)
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/[\\`*_[\]<>&|~]/g, (c) => `\\${c}`);
}

// Help text that fits the terminal: prose is written as paragraphs and wrapped here to the
// width commander uses for the rest of the help, so no sentence breaks mid-line on a narrow
// or wide terminal. Lines that are indented, bullets or commands are kept as written.

import type { AddHelpTextContext } from 'commander';

const preformatted = /^(?:\s|[-*•]\s|\$ |ripcord\b|npm\b|sudo\b|auth\b|session\b|account\b)/;

/** Re-flows paragraphs of `text` to `width` columns. */
export function reflow(text: string, width: number): string {
  const w = Math.max(40, width);
  return text
    .split(/\n[ \t]*\n/)
    .map((para) => {
      const lines = para.split('\n');
      if (lines.some((l) => preformatted.test(l))) return para;
      const words = lines.join(' ').split(/\s+/).filter(Boolean);
      const out: string[] = [];
      let line = '';
      for (const word of words) {
        if (line !== '' && line.length + 1 + word.length > w) {
          out.push(line);
          line = word;
        } else line = line === '' ? word : `${line} ${word}`;
      }
      if (line !== '') out.push(line);
      return out.join('\n');
    })
    .join('\n\n');
}

/** For `addHelpText`: the text, wrapped to the help's width when it is shown. */
export function wrapped(text: string): (ctx: AddHelpTextContext) => string {
  return (ctx) => {
    const width = ctx.command.createHelp().helpWidth ?? process.stdout.columns ?? 80;
    const leading = /^\n*/.exec(text)?.[0] ?? '';
    return leading + reflow(text.slice(leading.length), width);
  };
}

// The plan's Prompter in a real terminal, over @inquirer/prompts: each question is preceded by
// its one-line why (dimmed), and shows its default. Ctrl-C ends the interview without writing
// anything (AppError 'refused'). Loaded only by `ripcord init`.

import { checkbox, input, number, select } from '@inquirer/prompts';
import { AppError } from '../../core/errors.ts';
import type { Prompter } from '../../plan/ports.ts';

export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

const dim = (s: string) => `\x1b[2m${s}\x1b[22m`;
const bold = (s: string) => `\x1b[1m${s}\x1b[22m`;

/** Turns the prompt library's "user pressed Ctrl-C" into Ripcord's error. */
async function asked<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError'))
      throw new AppError('refused', 'the interview was cancelled; nothing was written');
    throw e;
  }
}

export function terminalPrompter(io: TerminalStreams = { input: process.stdin, output: process.stdout }): Prompter {
  const ctx = { input: io.input, output: io.output };
  const why = (text: string) => io.output.write(`${dim(`  ${text}`)}\n`);
  return {
    async text(q) {
      why(q.why);
      const validate = q.validate;
      return (
        await asked(
          input(
            {
              message: q.message,
              default: q.default,
              ...(validate ? { validate: (v: string) => validate(v.trim()) } : {}),
            },
            ctx,
          ),
        )
      ).trim();
    },
    async number(q) {
      why(q.why);
      const v = await asked(
        number({ message: q.message, default: q.default, min: q.min ?? 0, required: true, step: 'any' }, ctx),
      );
      return v ?? q.default;
    },
    async select(q) {
      why(q.why);
      return asked(
        select(
          { message: q.message, default: q.default, choices: q.choices.map((c) => ({ value: c.value, name: c.name })) },
          ctx,
        ),
      );
    },
    async checkbox(q) {
      why(q.why);
      return asked(
        checkbox(
          {
            message: q.message,
            choices: q.choices.map((c) => ({ value: c.value, name: c.name, checked: q.default.includes(c.value) })),
          },
          ctx,
        ),
      );
    },
    section(title) {
      io.output.write(`\n${bold(title)}\n`);
    },
  };
}

// What the plan needs from the outside: a way to ask the owner questions in the terminal
// (adapters/prompt/inquirer.ts, over @inquirer/prompts). The interview (interview.ts) decides
// what to ask, in which order, with which default and why; the prompter only asks.

export interface Question<T> {
  message: string;
  /** One line saying why the question matters, shown before it. */
  why: string;
  default: T;
}

export interface Choice<T extends string> {
  value: T;
  name: string;
}

export interface Prompter {
  text(q: Question<string> & { validate?: (value: string) => true | string }): Promise<string>;
  number(q: Question<number> & { min?: number }): Promise<number>;
  select<T extends string>(q: Question<T> & { choices: readonly Choice<T>[] }): Promise<T>;
  /** Several of a list; `default` are the ones ticked to begin with. */
  checkbox<T extends string>(q: Question<readonly T[]> & { choices: readonly Choice<T>[] }): Promise<T[]>;
  /** A heading between groups of questions. */
  section(title: string): void;
}

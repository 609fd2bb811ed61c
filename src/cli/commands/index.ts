// Every top-level command, each in its own module that registers itself on the program.

import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];

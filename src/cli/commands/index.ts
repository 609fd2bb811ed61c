// Every top-level command, each in its own module that registers itself on the program.

import type { Command } from 'commander';
import { register as ingest } from './ingest.ts';
import { register as obligations } from './obligations.ts';

export type Register = (program: Command) => void;

export const commands: Register[] = [ingest, obligations];

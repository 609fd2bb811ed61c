// Every top-level command, each in its own module that registers itself on the program.

import type { Command } from 'commander';
import { register as ingest } from './ingest.ts';
import { register as logs } from './logs.ts';
import { register as findings } from './findings.ts';
import { register as run } from './run.ts';
import { register as demo } from './demo.ts';
import { register as config } from './config.ts';
import { register as obligations } from './obligations.ts';
import { register as repo } from './repo.ts';
import { register as integrity } from './integrity.ts';
import { register as alerts } from './alerts.ts';
import { register as hook } from './hook.ts';
import { register as rules } from './rules.ts';
import { register as detect } from './detect.ts';

export type Register = (program: Command) => void;

export const commands: Register[] = [demo, run, ingest, logs, findings, config, obligations, repo, alerts, hook, integrity, rules, detect];

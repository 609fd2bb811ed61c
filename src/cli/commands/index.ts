// Every top-level command, each in its own module that registers itself on the program.
// Modules are loaded on demand: a command loads only its own code (and so only the parts of
// the app it uses), which keeps start-up short; `--help` loads them all.

import type { Command } from 'commander';

export type Register = (program: Command) => void;

type Loader = () => Promise<{ register: Register }>;

/** In the order `ripcord --help` lists them. */
const commandModules: Record<string, Loader> = {
  init: () => import('./init.ts'),
  demo: () => import('./demo.ts'),
  run: () => import('./run.ts'),
  ingest: () => import('./ingest.ts'),
  logs: () => import('./logs.ts'),
  findings: () => import('./findings.ts'),
  detect: () => import('./detect.ts'),
  rules: () => import('./rules.ts'),
  alerts: () => import('./alerts.ts'),
  hook: () => import('./hook.ts'),
  integrity: () => import('./integrity.ts'),
  repo: () => import('./repo.ts'),
  backup: () => import('./backup.ts'),
  obligations: () => import('./obligations.ts'),
  software: () => import('./software.ts'),
  vulns: () => import('./vulns.ts'),
  notices: () => import('./notices.ts'),
  incident: () => import('./incident.ts'),
  plan: () => import('./plan.ts'),
  tokens: () => import('./tokens.ts'),
  dashboard: () => import('./dashboard.ts'),
  config: () => import('./config.ts'),
};

/** The commands a command line needs: the one it names, or all of them (help, typos). */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const name = commandName(argv);
  // Their key derivation can run on the thread pool while their modules load (see key-warmup.ts).
  if (name === 'repo' || name === 'backup') (await import('../../app/key-warmup.ts')).warmRepositoryKey(argv);
  const loaders =
    name !== null && commandModules[name] !== undefined ? [commandModules[name]] : Object.values(commandModules);
  return Promise.all(loaders.map(async (load) => (await load()).register));
}

/** The first word that is not a global option or its value. */
function commandName(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '--config' || a === '--state-dir') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return null;
}

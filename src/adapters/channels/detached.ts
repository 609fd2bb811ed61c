// Starts a program detached from us (own session, no stdio, not waited for), without a shell:
// the PAM hook hands delivery to such a child so the login never waits for the mail server.

import { spawn } from 'node:child_process';

export function spawnDetached(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  const child = spawn(file, args, { detached: true, stdio: 'ignore', env });
  child.on('error', () => {});
  child.unref();
}

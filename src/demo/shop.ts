// The demo shop "Harbor & Pine" on disk: its bundled files (examples/demo-shop/www) laid out
// under examples/demo-shop/.demo with a day of generated logs, and the attacker's later file
// changes (a webshell, a skimmer in the checkout JavaScript).

import { appendFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { demoAttack, demoShell, demoSkimmer, demoTraffic } from './traffic.ts';

export { demoAttack } from './traffic.ts';

export const demoDir = resolve(import.meta.dirname, '..', '..', 'examples', 'demo-shop');
export const demoConfigPath = join(demoDir, 'ripcord.yml');

/** Lays out the shop's files and logs afresh (what was there before is removed); returns the site folder. */
export function layOutShop(now: number): { site: string } {
  const work = join(demoDir, '.demo');
  rmSync(work, { recursive: true, force: true });
  const site = join(work, 'site');
  cpSync(join(demoDir, 'www'), site, { recursive: true });
  mkdirSync(join(work, 'logs'), { recursive: true });
  const traffic = demoTraffic(now);
  writeFileSync(join(work, 'logs', 'access.log'), traffic.access);
  writeFileSync(join(work, 'logs', 'auth.log'), traffic.auth);
  return { site };
}

/** The attacker's file changes, made after the known-good baseline. */
export function attackShop(site: string): void {
  const shell = join(site, demoAttack.shell);
  mkdirSync(dirname(shell), { recursive: true });
  writeFileSync(shell, demoShell);
  const skimmed = join(site, demoAttack.skimmedFile);
  if (existsSync(skimmed)) appendFileSync(skimmed, demoSkimmer);
}

// The demo shop "Harbor & Pine" on disk: its bundled files (examples/demo-shop/www) laid out
// under examples/demo-shop/.demo with a day of generated logs, and the attacker's later file
// changes (a webshell, a skimmer in the checkout JavaScript).

import { appendFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { demoAttack, demoShell, demoSkimmer, demoTraffic } from './traffic.ts';

export { demoAttack } from './traffic.ts';

export const demoDir = resolve(import.meta.dirname, '..', '..', 'examples', 'demo-shop');
export const demoConfigPath = join(demoDir, 'ripcord.yml');

/** The files beside the demo's configuration that it names (copied with it to another folder). */
const demoFiles = ['ripcord.yml', 'notice-values.yml', 'breach-facts.yml'];

/**
 * Lays out the shop's files and logs afresh under `dir`/.demo (what was there before is
 * removed); a `dir` other than the bundled one first gets a copy of the demo's configuration.
 * Returns the site folder and the configuration to run with.
 */
export function layOutShop(now: number, dir: string = demoDir): { site: string; config: string } {
  if (resolve(dir) !== demoDir) {
    mkdirSync(dir, { recursive: true });
    for (const f of demoFiles) cpSync(join(demoDir, f), join(dir, f));
  }
  const work = join(dir, '.demo');
  rmSync(work, { recursive: true, force: true });
  const site = join(work, 'site');
  cpSync(join(demoDir, 'www'), site, { recursive: true });
  mkdirSync(join(work, 'logs'), { recursive: true });
  const traffic = demoTraffic(now);
  writeFileSync(join(work, 'logs', 'access.log'), traffic.access);
  writeFileSync(join(work, 'logs', 'auth.log'), traffic.auth);
  return { site, config: join(dir, 'ripcord.yml') };
}

/** The attacker's file changes, made after the known-good baseline. */
export function attackShop(site: string): void {
  const shell = join(site, demoAttack.shell);
  mkdirSync(dirname(shell), { recursive: true });
  writeFileSync(shell, demoShell);
  const skimmed = join(site, demoAttack.skimmedFile);
  if (existsSync(skimmed)) appendFileSync(skimmed, demoSkimmer);
}

/** The demo shop's small SQLite database (customers, orders, a CMS block) as SQL; app/demo.ts creates it. */
export function demoShopSql(): string {
  const names = ['Ada Byron', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson'];
  // where the demo's customers live: the notices pick a variant and the obligations a law by it
  const places = [
    ['US', 'CA'],
    ['US', 'ME'],
    ['US', 'MA'],
    ['US', 'NY'],
    ['DE', ''],
    ['GB', ''],
    ['CA', 'QC'],
    ['US', 'TX'],
  ] as const;
  const lines = [
    'CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, country TEXT, region TEXT);',
    'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total_cents INTEGER NOT NULL, status TEXT NOT NULL);',
    'CREATE TABLE cms_block (id INTEGER PRIMARY KEY, identifier TEXT NOT NULL, content TEXT NOT NULL);',
  ];
  for (let i = 0; i < 24; i++) {
    const [country, region] = places[i % places.length] as readonly [string, string];
    const name = `${names[i % names.length]}${i >= names.length ? ` ${Math.floor(i / names.length) + 1}` : ''}`;
    lines.push(
      `INSERT INTO customers VALUES (${i + 1}, 'customer${i + 1}@example.test', '${name}', '${country}', '${region}');`,
    );
  }
  for (let i = 1; i <= 48; i++)
    lines.push(
      `INSERT INTO orders VALUES (${i}, ${(i % names.length) + 1}, ${1000 + ((i * 737) % 9000)}, '${i % 7 === 0 ? 'refunded' : 'complete'}');`,
    );
  lines.push(
    "INSERT INTO cms_block VALUES (1, 'footer_links', '<ul><li><a href=\"/about\">About Harbor &amp; Pine</a></li></ul>');",
  );
  return lines.join('\n');
}

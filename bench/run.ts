// Runs one benchmark: `npm run bench -- <name>` runs bench/<name>.ts (its default export when
// it has one, else the file itself).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2];
if (name === undefined || !/^[a-z0-9_-]+$/i.test(name)) {
  console.error('usage: npm run bench -- <name>   (a file bench/<name>.ts)');
  process.exit(2);
}
const file = join(import.meta.dirname, `${name}.ts`);
if (!existsSync(file)) {
  console.error(`no benchmark bench/${name}.ts`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(file).href)) as { default?: (args: string[]) => unknown };
if (typeof mod.default === 'function') await mod.default(process.argv.slice(3));

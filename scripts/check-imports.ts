// Enforces the import rules of docs/ARCHITECTURE.md (from DESIGN.md): core imports nothing
// from src; a subsystem imports core, itself, and other subsystems only through their
// index.ts; adapters implement ports; cli and http import only app and core; and only
// adapters (and app, which wires them) import drivers, sockets and child processes.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const subsystems = new Set([
  'logs',
  'detect',
  'alerts',
  'snapshots',
  'integrity',
  'backup',
  'obligations',
  'notices',
  'incident',
  'plan',
]);
const drivers = [
  'pg',
  'mysql2',
  'mysql2/promise',
  'nodemailer',
  'smtp-server',
  'chokidar',
  'node:sqlite',
  'node:child_process',
  'node:net',
  'node:dgram',
  'node:http',
  'node:https',
  'node:tls',
];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const importRe = /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems: string[] = [];

for (const file of walk(src)) {
  const rel = relative(src, file).split(sep);
  const area = rel[0] ?? '';
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined) continue;
    const where = `src/${rel.join('/')}: imports ${spec}`;
    if (!spec.startsWith('.')) {
      const isDriver = drivers.some((d) => spec === d || spec.startsWith(`${d}/`));
      if (isDriver && area !== 'adapters' && area !== 'app' && !(area === 'http' && spec.startsWith('node:http'))) {
        problems.push(`${where} (drivers, sockets and child processes belong in src/adapters)`);
      }
      continue;
    }
    const target = relative(src, resolve(dirname(file), spec)).split(sep);
    const tArea = target[0] ?? '';
    if (tArea === '..') {
      problems.push(`${where} (outside src)`);
      continue;
    }
    if (tArea === area) continue;
    if (area === 'core') problems.push(`${where} (core imports nothing from src)`);
    else if (subsystems.has(area)) {
      if (tArea === 'core') continue;
      if (subsystems.has(tArea) && target.length === 2 && target[1] === 'index.ts') continue;
      problems.push(`${where} (a subsystem imports core, itself, and other subsystems through their index.ts)`);
    } else if (area === 'adapters') {
      if (tArea === 'core' || subsystems.has(tArea)) continue;
      problems.push(`${where} (adapters import core and the ports of subsystems)`);
    } else if (area === 'cli' || area === 'http') {
      if (tArea === 'core' || tArea === 'app') continue;
      problems.push(`${where} (${area} imports only app and core)`);
    } else if (area === 'app') {
      if (tArea === 'cli' || tArea === 'http') problems.push(`${where} (app does not import cli or http)`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`import rules broken (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('import rules: ok\n');
}

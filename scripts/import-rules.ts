// The import rules of docs/ARCHITECTURE.md (from DESIGN.md), as data and a pure checker over the
// import graph; scripts/check-imports.ts feeds it the imports that oxc-parser reads from the
// TypeScript of src/ (static imports, re-exports and dynamic import() with a literal), so a
// comment or a string that looks like an import is never mistaken for one.

import { parseSync } from 'oxc-parser';

export interface Import {
  /** Path of the importing file relative to src/, with '/' separators. */
  file: string;
  line: number;
  /** The module specifier as written. */
  spec: string;
  /** `import type` / `export type`: no code runs, so I/O rules do not apply. */
  typeOnly: boolean;
}

export interface Violation {
  file: string;
  line: number;
  spec: string;
  rule: string;
}

export const subsystems: ReadonlySet<string> = new Set([
  'logs',
  'detect',
  'alerts',
  'snapshots',
  'integrity',
  'backup',
  'obligations',
  'software',
  'notices',
  'incident',
  'plan',
]);

/** Drivers, sockets and child processes: the edges, only in adapters. */
export const drivers: readonly string[] = [
  'pg',
  'pg-copy-streams',
  'mysql2',
  'nodemailer',
  'smtp-server',
  'chokidar',
  'ssh2',
  'ssh2-sftp-client',
  'node:sqlite',
  'node:child_process',
  'node:net',
  'node:dgram',
  'node:http',
  'node:https',
  'node:http2',
  'node:tls',
];

/** The file system is an edge too: adapters, the composition root and the demo generator use it. */
const fsModules = new Set(['node:fs', 'node:fs/promises']);
const fsAreas = new Set(['adapters', 'app', 'demo']);

/**
 * Modules outside those areas whose subject is the local file system, each with the reason.
 * Anything else reads and writes files through a port.
 */
export const fsExceptions: Readonly<Record<string, string>> = {
  'integrity/walk.ts': "integrity's subject is the site's files: the walk reads the tree",
  'integrity/hash.ts': "integrity's subject is the site's files: hashing reads them",
  'integrity/revert.ts':
    "integrity's subject is the site's files: revert writes them back, checking every path component",
  'integrity/state.ts': 'the baseline pointer and quick-check index are files beside the repository',
  'integrity/baseline.ts': "integrity's subject is the site's files: the baseline records them",
  'integrity/operations.ts': 'scan and diff read the site files they report on',
  'integrity/scanning.ts': 'the scan reads each site file once',
  'integrity/watch.ts': "the watch re-reads a changed site file's state",
  'integrity/scan/rules.ts': 'code rules are data files (rules/code/*.yml) loaded once',
  'detect/load.ts': 'detection rules are data files (rules/*.yml) loaded once',
  'obligations/load.ts': 'the obligations data set is files (data/obligations/*.yml) loaded once',
  'snapshots/snapshot.ts': 'a snapshot reads the tree it records',
  'snapshots/restore.ts': 'a restore writes the files back under its target, refusing paths that leave it',
  'snapshots/open-worker.ts': "a restore's worker thread writes small files under the target and reads local packs",
  'snapshots/new-file.ts': 'a restore fills the files it creates under its target (main thread and workers alike)',
  'snapshots/repository.ts': 'a local repository folder is created where it is initialised',
  'snapshots/copy.ts': 'a copy resumes from a state file beside the target',
};

/** Where a specifier inside src resolves to, relative to src ('..' when it leaves src). */
export function resolveInSrc(file: string, spec: string): string {
  const parts = file.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') {
      if (parts.length === 0) return '..';
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/** Checks one import against the rules; null when it keeps them. */
export function checkImport(imp: Import): string | null {
  const area = imp.file.split('/')[0] ?? '';
  const { spec } = imp;
  if (!spec.startsWith('.')) {
    const driver = drivers.some((d) => spec === d || spec.startsWith(`${d}/`));
    if (driver && !imp.typeOnly && area !== 'adapters' && !(area === 'http' && spec.startsWith('node:http')))
      return 'drivers, sockets, threads and child processes are imported only in src/adapters';
    if (fsModules.has(spec) && !imp.typeOnly && !fsAreas.has(area) && fsExceptions[imp.file] === undefined)
      return 'the file system is an edge: node:fs only in adapters, app, demo and the listed modules whose subject is files';
    return null;
  }
  const target = resolveInSrc(imp.file, spec);
  if (target === '..' || target.startsWith('../')) return 'imports from outside src';
  const [tArea = '', ...rest] = target.split('/');
  const tFile = rest.join('/');
  if (tArea === area) return null;
  if (area === 'core') return 'core imports nothing from the rest of src';
  if (subsystems.has(area)) {
    if (tArea === 'core') return null;
    if (subsystems.has(tArea) && tFile === 'index.ts') return null;
    return 'a subsystem imports core, itself, and other subsystems only through their index.ts';
  }
  if (area === 'adapters') {
    if (tArea === 'core') return null;
    if (subsystems.has(tArea) && (tFile === 'ports.ts' || tFile === 'index.ts')) return null;
    return "adapters import core and only subsystems' ports.ts or index.ts";
  }
  if (area === 'cli' || area === 'http') {
    if (tArea === 'core' || tArea === 'app') return null;
    // `ripcord run` serves the API: the CLI starts the http layer, never the other way round
    if (area === 'cli' && tArea === 'http') return null;
    return `${area} imports only app and core`;
  }
  if (area === 'demo') {
    if (tArea === 'core' || (subsystems.has(tArea) && tFile === 'index.ts')) return null;
    return 'the demo imports core and subsystems through their index.ts';
  }
  if (area === 'app') {
    if (tArea === 'cli' || tArea === 'http') return 'app does not import cli or http';
    return null;
  }
  return null;
}

/** Cycles between top-level folders (a -> b -> a), each listed once, smallest first. */
export function areaCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const imp of imports) {
    if (!imp.spec.startsWith('.')) continue;
    const from = imp.file.split('/')[0] ?? '';
    const to = resolveInSrc(imp.file, imp.spec).split('/')[0] ?? '';
    if (to === from || to === '..') continue;
    const set = edges.get(from) ?? new Set<string>();
    set.add(to);
    edges.set(from, set);
  }
  // Tarjan's strongly connected components: any component of two or more areas is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}

/** Every violation of a set of imports, in file order. */
export function checkImports(imports: readonly Import[]): { violations: Violation[]; cycles: string[][] } {
  const violations: Violation[] = [];
  for (const imp of imports) {
    const rule = checkImport(imp);
    if (rule !== null) violations.push({ file: imp.file, line: imp.line, spec: imp.spec, rule });
  }
  return { violations, cycles: areaCycles(imports) };
}

/** The imports of one module: static imports, re-exports, and import() of a literal. */
export function importsOf(file: string, text: string): Import[] {
  const r = parseSync(file, text);
  if (r.errors.length > 0) throw new Error(`${file}: ${r.errors[0]?.message ?? 'does not parse'}`);
  const lineAt = (offset: number) => {
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    return line;
  };
  const out: Import[] = [];
  for (const i of r.module.staticImports)
    out.push({
      file,
      line: lineAt(i.start),
      spec: i.moduleRequest.value,
      typeOnly: i.entries.length > 0 && i.entries.every((e) => e.isType),
    });
  for (const e of r.module.staticExports)
    for (const x of e.entries)
      if (x.moduleRequest !== null)
        out.push({ file, line: lineAt(e.start), spec: x.moduleRequest.value, typeOnly: x.isType });
  for (const d of r.module.dynamicImports) {
    const raw = text.slice(d.moduleRequest.start, d.moduleRequest.end);
    const m = /^\s*(['"`])([^'"`$]+)\1\s*$/.exec(raw);
    if (m?.[2] !== undefined) out.push({ file, line: lineAt(d.start), spec: m[2], typeOnly: false });
  }
  return out;
}

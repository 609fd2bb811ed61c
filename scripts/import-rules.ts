// The import rules of docs/ARCHITECTURE.md, read from each file's syntax tree (oxc-parser, a
// TypeScript parser: the repo's typescript 7 is the native port and has no JS compiler API).
// Every `import`, `export … from`, dynamic `import()` and type-level `import('…')` is an edge;
// the rules judge each edge, and the edges between top-level folders must form no cycle.
// scripts/check-imports.ts runs this on src/; the unit test runs it on small fake trees.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type ImportDeclaration, parseSync, Visitor } from 'oxc-parser';

/** The subsystems: domain code that talks to the world only through its own ports. */
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
  // The demo shop generator: a tool, held to a subsystem's rules (it writes files, see fsAllowed).
  'demo',
]);

/** Every top-level folder of src/ the rules know; any other is itself a violation. */
const layers = new Set([...subsystems, 'core', 'adapters', 'app', 'cli', 'http']);

/** Drivers, sockets, child processes and mail: only adapters import them. */
export const drivers: readonly string[] = [
  'pg',
  'mysql2',
  'nodemailer',
  'smtp-server',
  'chokidar',
  'ssh2',
  'node:sqlite',
  'node:child_process',
  'node:net',
  'node:dgram',
  'node:http',
  'node:https',
  'node:http2',
  'node:tls',
];

/**
 * File systems are an edge too: `node:fs` is for adapters, app (reads the config file, opens
 * stores by path), and the files below, each with why. Type-only imports (`Stats`) do no I/O
 * and are free everywhere.
 */
export const fsAllowed: Readonly<Record<string, string>> = {
  // integrity's job is the live web root: walking, hashing, watching and restoring it is the domain.
  'integrity/walk.ts': 'walks the web root (lstat, readdir, readlink)',
  'integrity/hash.ts': 'hashes files through one descriptor so a swap mid-read is seen',
  'integrity/revert.ts': 'writes known-good copies back into the web root',
  'integrity/operations.ts': 'checks that the web root exists before a scan',
  'integrity/scanning.ts': 'lstat of a changed file before scanning it',
  'integrity/watch.ts': 'lstat of a path the watcher reported',
  'integrity/state.ts': "integrity's own state file beside the repository (atomic rename)",
  'integrity/baseline.ts': 'reads and removes the baseline files integrity keeps',
  'integrity/scan/rules.ts': 'loads the code-scan rule files shipped in rules/',
  // snapshots own their repository: its files are the data, not an external system.
  'snapshots/repository.ts': "creates the repository's own folders",
  'snapshots/snapshot.ts': 'reads the files a snapshot is taken of',
  'snapshots/restore.ts': 'writes restored files to the target folder',
  // Shipped data read at start: rule packs and legal requirements.
  'detect/load.ts': 'loads detection rule files (rules/ or the config)',
  'obligations/load.ts': 'loads the legal requirement files shipped in data/',
  'demo/shop.ts': "lays out the demo shop's files",
};

/**
 * Known violations waiting for a refactor under way on another branch. Each entry names the
 * issue; the check warns when one no longer matches so it can be deleted.
 */
export interface Allowance {
  /** The importing file, relative to src/ ("logs/events.ts"), or a folder prefix ending in "/". */
  from: string;
  /** The import as written, or the target relative to src/ ("detect/finding.ts"). */
  to: string;
  why: string;
}

/** A known cycle between top-level folders, e.g. ['detect', 'logs'], with the issue that removes it. */
export interface CycleAllowance {
  folders: string[];
  why: string;
}

export interface Violation {
  file: string;
  line: number;
  spec: string;
  rule: string;
}

export interface Report {
  violations: Violation[];
  /** Allow-list entries that matched nothing (the refactor landed: delete them). */
  unusedAllowances: Allowance[];
  unusedCycleAllowances: CycleAllowance[];
  files: number;
}

interface Edge {
  /** Path relative to src/, split on "/". */
  from: string[];
  spec: string;
  /** Path relative to src/ for a relative import; null for a package. */
  to: string[] | null;
  line: number;
  typeOnly: boolean;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every module reference in one file, from its syntax tree. */
export function edgesOf(srcDir: string, file: string, text: string): { edges: Edge[]; errors: Violation[] } {
  const from = relative(srcDir, file).split(sep);
  const rel = from.join('/');
  const parsed = parseSync(file, text, { lang: 'ts', sourceType: 'module' });
  const errors: Violation[] = parsed.errors.map((e) => ({
    file: rel,
    line: lineAt(text, e.labels[0]?.start ?? 0),
    spec: '',
    rule: `does not parse: ${e.message}`,
  }));
  const edges: Edge[] = [];
  const add = (spec: string, start: number, typeOnly: boolean): void => {
    const to = spec.startsWith('.') ? relative(srcDir, resolve(dirname(file), spec)).split(sep) : null;
    edges.push({ from, spec, to, line: lineAt(text, start), typeOnly });
  };
  const importTypeOnly = (n: ImportDeclaration): boolean =>
    n.importKind === 'type' ||
    (n.specifiers.length > 0 && n.specifiers.every((s) => s.type === 'ImportSpecifier' && s.importKind === 'type'));
  new Visitor({
    ImportDeclaration: (n) => add(n.source.value, n.start, importTypeOnly(n)),
    ExportNamedDeclaration: (n) => {
      if (n.source) add(n.source.value, n.start, n.exportKind === 'type');
    },
    ExportAllDeclaration: (n) => add(n.source.value, n.start, n.exportKind === 'type'),
    ImportExpression: (n) => {
      const s = n.source;
      if (s.type === 'Literal' && typeof s.value === 'string') add(s.value, n.start, false);
      else if (s.type === 'TemplateLiteral' && s.expressions.length === 0 && s.quasis[0])
        add(s.quasis[0].value.cooked ?? s.quasis[0].value.raw, n.start, false);
      else
        errors.push({
          file: rel,
          line: lineAt(text, n.start),
          spec: '',
          rule: 'import() of a computed name cannot be checked',
        });
    },
    TSImportType: (n) => add(n.source.value, n.start, true),
  }).visit(parsed.program);
  return { edges, errors };
}

const isPackage = (spec: string, names: readonly string[]): boolean =>
  names.some((d) => spec === d || spec.startsWith(`${d}/`));

/** The rule an edge breaks, or null. */
export function judge(e: Edge): string | null {
  const area = e.from[0] ?? '';
  const file = e.from.join('/');
  if (!layers.has(area)) return `src/${area}/ is no known layer (add it to scripts/import-rules.ts)`;
  if (e.to === null) {
    if (e.typeOnly) return null;
    if (isPackage(e.spec, drivers) && area !== 'adapters')
      return 'drivers, sockets, child processes and mail belong in src/adapters';
    if (isPackage(e.spec, ['node:fs']) && area !== 'adapters' && area !== 'app' && !(file in fsAllowed))
      return 'node:fs belongs in adapters and app (or a named exception in fsAllowed, with a reason)';
    return null;
  }
  const tArea = e.to[0] ?? '';
  // package.json (the version, for --version) is the one file outside src/ that src/ may read.
  if (tArea === '..') return e.to.join('/') === '../package.json' ? null : 'imports from outside src';
  if (tArea === area) return null;
  const toIndexOrPorts = e.to.length === 2 && (e.to[1] === 'index.ts' || e.to[1] === 'ports.ts');
  if (area === 'core') return 'core imports nothing from src';
  if (subsystems.has(area)) {
    if (tArea === 'core') return null;
    if (subsystems.has(tArea) && e.to.length === 2 && e.to[1] === 'index.ts') return null;
    return 'a subsystem imports core, itself, and other subsystems only through their index.ts';
  }
  if (area === 'adapters') {
    if (tArea === 'core') return null;
    if (subsystems.has(tArea) && toIndexOrPorts) return null;
    return "adapters import core and only subsystems' ports.ts or index.ts";
  }
  if (area === 'cli' || area === 'http') {
    if (tArea === 'core' || tArea === 'app') return null;
    return `${area} imports only app and core`;
  }
  if (area === 'app' && (tArea === 'cli' || tArea === 'http')) return 'app does not import cli or http';
  return null;
}

function allowed(e: Edge, list: readonly Allowance[], used: Set<Allowance>): boolean {
  const file = e.from.join('/');
  const target = e.to?.join('/');
  for (const a of list) {
    const fromOk = a.from.endsWith('/') ? file.startsWith(a.from) : file === a.from;
    if (fromOk && (a.to === e.spec || a.to === target)) {
      used.add(a);
      return true;
    }
  }
  return false;
}

/** Cycles between top-level folders (Tarjan's strongly connected components). */
export function folderCycles(
  edges: readonly Edge[],
  allowedCycles: readonly CycleAllowance[] = [],
  used = new Set<CycleAllowance>(),
): Violation[] {
  const graph = new Map<string, Map<string, Edge>>();
  for (const e of edges) {
    const a = e.from[0] ?? '';
    const b = e.to?.[0];
    if (b === undefined || b === a || b === '..') continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.has(b)) graph.set(b, new Map());
    const out = graph.get(a)!;
    if (!out.has(b)) out.set(b, e);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!.keys()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) components.push(c.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  const out: Violation[] = [];
  for (const c of components) {
    const known = allowedCycles.find((a) => [...a.folders].sort().join() === c.join());
    if (known) {
      used.add(known);
      continue;
    }
    const members = new Set(c);
    for (const a of c) {
      for (const [b, e] of graph.get(a)!) {
        if (!members.has(b)) continue;
        out.push({
          file: e.from.join('/'),
          line: e.line,
          spec: e.spec,
          rule: `import cycle between top-level folders ${c.join(' <-> ')} (this edge: ${a} -> ${b})`,
        });
      }
    }
  }
  return out;
}

/** Checks every .ts file under srcDir. */
export function checkTree(
  srcDir: string,
  allowances: readonly Allowance[] = [],
  allowedCycles: readonly CycleAllowance[] = [],
): Report {
  const files = walk(srcDir);
  const violations: Violation[] = [];
  const used = new Set<Allowance>();
  const kept: Edge[] = [];
  for (const file of files) {
    const { edges, errors } = edgesOf(srcDir, file, readFileSync(file, 'utf8'));
    violations.push(...errors);
    for (const e of edges) {
      const rule = judge(e);
      const isAllowed = allowed(e, allowances, used);
      if (rule !== null && !isAllowed) violations.push({ file: e.from.join('/'), line: e.line, spec: e.spec, rule });
      // An allowed edge is left out of the cycle search too: the allowance names the cycle it waits on.
      if (!isAllowed) kept.push(e);
    }
  }
  const usedCycles = new Set<CycleAllowance>();
  violations.push(...folderCycles(kept, allowedCycles, usedCycles));
  return {
    violations,
    unusedAllowances: allowances.filter((a) => !used.has(a)),
    unusedCycleAllowances: allowedCycles.filter((a) => !usedCycles.has(a)),
    files: files.length,
  };
}

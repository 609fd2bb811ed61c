// The server's own software: Debian/Ubuntu packages through `dpkg-query -W` (the OSV ecosystem
// from /etc/os-release: Debian:12, Ubuntu:24.04), and the versions the web server and PHP
// binaries print (`nginx -v`, `apache2 -v`, `php -v`). Argument arrays only, no shell.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { BinaryProbe, Component, PackageProbe } from '../software/index.ts';

function run(cmd: string, args: string[], maxBuffer = 64 * 1024 * 1024): Promise<{ out: string; err: string } | null> {
  return new Promise((resolvePromise) => {
    execFile(cmd, args, { maxBuffer, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } }, (e, out, err) => {
      if (e !== null && (e as NodeJS.ErrnoException).code === 'ENOENT') resolvePromise(null);
      else if (e !== null && out === '' && err === '') resolvePromise(null);
      else resolvePromise({ out: String(out), err: String(err) });
    });
  });
}

/** `Debian:12`, `Ubuntu:24.04`, or null when the distribution is neither. */
function osvEcosystemOfOs(osRelease: string): string | null {
  const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(osRelease)?.[1];
  const id = get('ID');
  if (id === 'debian') {
    const v = get('VERSION_ID');
    return v === undefined ? 'Debian' : `Debian:${v}`;
  }
  if (id === 'ubuntu') return `Ubuntu:${get('VERSION_ID') ?? ''}`;
  return null;
}

/** Parses `dpkg-query -W -f '${Package}\t${Version}\t${Source}\t${db:Status-Abbrev}\n'`: installed packages by source package. */
function parseDpkg(out: string, ecosystem: string): Component[] {
  const seen = new Set<string>();
  const list: Component[] = [];
  for (const line of out.split('\n')) {
    const [pkg, version, source, status] = line.split('\t');
    if (pkg === undefined || version === undefined || version === '' || !status?.startsWith('ii')) continue;
    // Debian advisories name source packages; `Source` may carry its own version in parentheses.
    const src = (source ?? '').trim();
    const m = /^(\S+)(?: \(([^)]+)\))?$/.exec(src);
    const name = m?.[1] ?? pkg;
    const v = m?.[2] ?? version;
    const key = `${name}|${v}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ ecosystem, name, version: v, where: `dpkg-query (${pkg})`, kind: 'package' });
  }
  return list;
}

export class DpkgProbe implements PackageProbe {
  async installed(): Promise<Component[]> {
    let eco: string | null = null;
    try {
      eco = osvEcosystemOfOs(readFileSync('/etc/os-release', 'utf8'));
    } catch {
      eco = null;
    }
    if (eco === null) return [];
    const r = await run('dpkg-query', ['-W', '-f', '${Package}\t${Version}\t${Source}\t${db:Status-Abbrev}\n']);
    return r === null ? [] : parseDpkg(r.out, eco);
  }
}

const binaries: { cmd: string; args: string[]; name: string; re: RegExp }[] = [
  { cmd: 'nginx', args: ['-v'], name: 'nginx', re: /nginx\/(\d+\.\d+\.\d+)/ },
  { cmd: 'apache2', args: ['-v'], name: 'apache2', re: /Apache\/(\d+\.\d+\.\d+)/ },
  { cmd: 'httpd', args: ['-v'], name: 'apache2', re: /Apache\/(\d+\.\d+\.\d+)/ },
  { cmd: 'php', args: ['-v'], name: 'php', re: /^PHP (\d+\.\d+\.\d+)/m },
];

/** The binary's path on PATH and the Debian package that installed it, or null (built by hand, or no dpkg). */
async function packageOwning(cmd: string): Promise<{ path: string; pkg: string } | null> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, cmd);
    if (!existsSync(candidate)) continue;
    let path: string;
    try {
      path = realpathSync(candidate);
    } catch {
      continue;
    }
    const r = await run('dpkg-query', ['-S', path], 1024 * 1024);
    const pkg = r === null ? undefined : /^([^:,\s]+)(?::[^:\s]+)?(?:, [^:]+)?: /m.exec(r.out)?.[1];
    return pkg === undefined ? null : { path, pkg };
  }
  return null;
}

/** Server binaries' versions; their advisories are filed under the distribution's packages, so ecosystem `binary`. */
export class LocalBinaryProbe implements BinaryProbe {
  async versions(): Promise<Component[]> {
    const out: Component[] = [];
    const seen = new Set<string>();
    for (const b of binaries) {
      if (seen.has(b.name)) continue;
      const r = await run(b.cmd, b.args, 1024 * 1024);
      if (r === null) continue;
      const m = b.re.exec(`${r.out}\n${r.err}`);
      if (m === null) continue;
      seen.add(b.name);
      const owner = await packageOwning(b.cmd);
      out.push({
        ecosystem: 'binary',
        name: b.name,
        version: m[1] as string,
        // A distribution's binary carries back-ported fixes under its upstream version: its
        // advisories are matched on the package (dpkg inventory), and the listing says which.
        where: `${b.cmd} ${b.args.join(' ')}${owner === null ? '' : ` (${owner.path}, Debian package ${owner.pkg})`}`,
        kind: 'server',
      });
    }
    return out;
  }
}

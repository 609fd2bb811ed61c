// Pure readers of the version files shops carry. Every input is attacker-writable text: it is
// matched with bounded regular expressions, never evaluated; names and versions are cut to
// sane lengths and must look like names and versions, or the entry is reported as skipped.

import type { Component } from './component.ts';

export interface Parsed {
  components: Component[];
  /** Entries that could not be read, with the reason (shown to the owner, never dropped silently). */
  skipped: string[];
}

// A release (`v2.4.7-p1`, `1:2.3-1`) or a Composer branch (`dev-master`).
const versionLike = /^(?:[vV]?[0-9][0-9A-Za-z.+~:_-]{0,63}|dev-[A-Za-z0-9._/-]{1,60})$/;
const nameLike = /^[A-Za-z0-9@][A-Za-z0-9@._/+-]{0,199}$/;

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function ok(name: unknown, version: unknown): name is string {
  return typeof name === 'string' && nameLike.test(name) && typeof version === 'string' && versionLike.test(version);
}

/** composer.lock (`packages`, `packages-dev`) or vendor/composer/installed.json (v1 array or v2 `{packages}`). */
export function parseComposer(text: string, file: string): Parsed {
  const out: Parsed = { components: [], skipped: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    out.skipped.push(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    return out;
  }
  const lists: unknown[] = [];
  if (Array.isArray(doc)) lists.push(doc);
  else if (doc !== null && typeof doc === 'object') {
    const o = doc as Record<string, unknown>;
    for (const k of ['packages', 'packages-dev']) if (Array.isArray(o[k])) lists.push(o[k]);
  }
  for (const list of lists) {
    for (const p of list as unknown[]) {
      const o = (p ?? {}) as Record<string, unknown>;
      const name = o.name;
      const version = o.version;
      if (!ok(name, version)) {
        out.skipped.push(
          `${file}: a package without a readable name and version${typeof name === 'string' ? ` (${JSON.stringify(name.slice(0, 80))})` : ''}`,
        );
        continue;
      }
      const at = text.indexOf(`"name": "${name}"`);
      const magento = /^magento\/(product-|magento2-base$|magento-lts)/.test(name) || name === 'openmage/magento-lts';
      out.components.push({
        ecosystem: 'Packagist',
        name: name.toLowerCase(),
        version: version as string,
        where: `${file}:${at >= 0 ? lineOf(text, at) : 1}`,
        kind: magento ? 'platform' : o.type === 'magento2-module' ? 'module' : 'library',
      });
    }
  }
  return out;
}

/** package-lock.json (v1 `dependencies`, v2/v3 `packages` keyed by node_modules path). */
export function parsePackageLock(text: string, file: string): Parsed {
  const out: Parsed = { components: [], skipped: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    out.skipped.push(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    return out;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    out.skipped.push(`${file}: not a package-lock object`);
    return out;
  }
  const doc = parsed as Record<string, unknown>;
  const seen = new Set<string>();
  const add = (name: string, version: unknown) => {
    if (!ok(name, version)) return;
    const key = `${name}@${version}`;
    if (seen.has(key)) return;
    seen.add(key);
    const at = text.indexOf(`node_modules/${name}"`);
    out.components.push({
      ecosystem: 'npm',
      name,
      version: version as string,
      where: `${file}:${at >= 0 ? lineOf(text, at) : 1}`,
      kind: 'frontend',
    });
  };
  const pkgs = doc.packages;
  if (pkgs !== null && typeof pkgs === 'object') {
    for (const [path, v] of Object.entries(pkgs as Record<string, unknown>)) {
      const i = path.lastIndexOf('node_modules/');
      if (i < 0) continue;
      add(path.slice(i + 'node_modules/'.length), (v as Record<string, unknown> | null)?.version);
    }
  } else if (doc.dependencies !== null && typeof doc.dependencies === 'object') {
    const walk = (deps: Record<string, unknown>, depth: number) => {
      if (depth > 50) return;
      for (const [name, v] of Object.entries(deps)) {
        const o = (v ?? {}) as Record<string, unknown>;
        add(name, o.version);
        if (o.dependencies !== null && typeof o.dependencies === 'object')
          walk(o.dependencies as Record<string, unknown>, depth + 1);
      }
    };
    walk(doc.dependencies as Record<string, unknown>, 0);
  }
  return out;
}

/** A PHP string assignment `$name = '1.2.3';` (WordPress version.php). */
export function phpVariable(text: string, variable: string): { value: string; line: number } | null {
  const re = new RegExp(`\\$${variable}\\s*=\\s*['"]([^'"\\n]{1,64})['"]\\s*;`);
  const m = re.exec(text);
  return m ? { value: m[1] as string, line: lineOf(text, m.index) } : null;
}

/** A PHP constant `define('NAME', '1.2.3')` or `const NAME = '1.2.3'`. */
export function phpConstant(text: string, constant: string): { value: string; line: number } | null {
  const re = new RegExp(
    `(?:define\\(\\s*['"]${constant}['"]\\s*,\\s*['"]([^'"\\n]{1,64})['"]|const\\s+${constant}\\s*=\\s*['"]([^'"\\n]{1,64})['"])`,
  );
  const m = re.exec(text);
  return m ? { value: (m[1] ?? m[2]) as string, line: lineOf(text, m.index) } : null;
}

/** Magento 1 / OpenMage app/Mage.php: getVersionInfo() array (major, minor, revision, patch) or OpenMage's getOpenMageVersionInfo(). */
export function parseMagePhp(text: string): { version: string; line: number; openmage: boolean } | null {
  const pick = (fn: string): { version: string; line: number } | null => {
    const at = text.indexOf(`function ${fn}(`);
    if (at < 0) return null;
    const body = text.slice(at, at + 2000);
    const get = (k: string) => new RegExp(`['"]${k}['"]\\s*=>\\s*['"](\\d{1,6})['"]`).exec(body)?.[1];
    const major = get('major');
    const minor = get('minor');
    if (major === undefined || minor === undefined) return null;
    const parts = [major, minor, get('revision') ?? '0', get('patch') ?? '0'];
    return { version: parts.join('.'), line: lineOf(text, at) };
  };
  const om = pick('getOpenMageVersionInfo');
  if (om !== null) {
    // OpenMage tags three parts (v20.0.19); its info array has major, minor, patch.
    const at = text.indexOf('function getOpenMageVersionInfo(');
    const body = text.slice(at, at + 2000);
    const get = (k: string) => new RegExp(`['"]${k}['"]\\s*=>\\s*['"](\\d{1,6})['"]`).exec(body)?.[1];
    return { version: [get('major'), get('minor'), get('patch') ?? '0'].join('.'), line: om.line, openmage: true };
  }
  const m1 = pick('getVersionInfo');
  return m1 === null ? null : { ...m1, openmage: false };
}

/** A WordPress plugin or theme header field (`Version:`, `Stable tag:`). */
export function headerField(text: string, field: string): { value: string; line: number } | null {
  const re = new RegExp(`^[ \\t/*#@]*${field}:[ \\t]*([^\\r\\n]{1,64})`, 'im');
  const m = re.exec(text.slice(0, 8192));
  if (!m) return null;
  const value = (m[1] as string).trim();
  return versionLike.test(value) ? { value, line: lineOf(text, m.index) } : null;
}

/**
 * Web server and PHP versions from a shop's response headers (`Server: Apache/2.4.62 (Debian)`,
 * `X-Powered-By: PHP/8.2.26`). Only products with a version are listed; attacker-controlled text
 * never reaches here (the shop's own answer), but the values are still length-capped.
 */
export function serverHeaderComponents(
  headers: { server?: string | null; poweredBy?: string | null },
  where: string,
): { name: string; version: string; where: string }[] {
  const out: { name: string; version: string; where: string }[] = [];
  const products: Record<string, string> = {
    nginx: 'nginx',
    openresty: 'openresty',
    apache: 'apache2',
    litespeed: 'litespeed',
    'microsoft-iis': 'iis',
    caddy: 'caddy',
    php: 'php',
  };
  const seen = new Set<string>();
  for (const [header, value] of [
    ['Server', headers.server],
    ['X-Powered-By', headers.poweredBy],
  ] as const) {
    if (value === undefined || value === null) continue;
    for (const m of value.slice(0, 512).matchAll(/([A-Za-z][\w-]*)\/(\d+(?:\.\d+){1,3}(?:[-~+][\w.~+-]*)?)/g)) {
      const name = products[(m[1] as string).toLowerCase()];
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      out.push({ name, version: m[2] as string, where: `${header} header of ${where}` });
    }
  }
  return out;
}

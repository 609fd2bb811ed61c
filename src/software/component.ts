// What the inventory finds: one piece of software, its version, the OSV ecosystem its
// advisories are filed under, and where the version was read (file:line, a command, a header).

export interface Component {
  /** OSV ecosystem: Packagist, npm, WordPress, Debian:12, Ubuntu:24.04, … */
  ecosystem: string;
  /** Package name as advisories name it (magento/product-community-edition, plugin slug, openssl, …). */
  name: string;
  version: string;
  /** Where the version was read: `composer.lock:120`, `dpkg-query`, `nginx -v`. */
  where: string;
  /** What it is to the shop: platform, module, library, plugin, theme, frontend, server, package. */
  kind: 'platform' | 'module' | 'library' | 'plugin' | 'theme' | 'frontend' | 'server' | 'package';
}

export function componentKey(c: Pick<Component, 'ecosystem' | 'name' | 'version'>): string {
  return `${c.ecosystem}|${c.name}|${c.version}`;
}

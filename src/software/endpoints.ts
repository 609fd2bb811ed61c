// Where a known hole is knocked on: request paths of well-known shop advisories, and the routes
// a module or plugin serves. Globs as the traffic record's pathGlob takes them.

import type { Component } from './component.ts';

/** Paths of advisories whose exploitation is seen in access logs (by id or alias). */
export const knownPaths: Record<string, readonly string[]> = {
  // CosmicSting: XXE through the guest cart's shipping-estimate endpoint.
  'CVE-2024-34102': [
    '/rest/*/V1/guest-carts/*/estimate-shipping-methods',
    '/rest/V1/guest-carts/*/estimate-shipping-methods',
  ],
  // TrojanOrders: template injection through checkout / order addresses.
  'CVE-2022-24086': [
    '/rest/*/V1/guest-carts/*/payment-information',
    '/rest/V1/guest-carts/*/payment-information',
    '/checkout/*',
  ],
  'CVE-2022-24087': ['/rest/*/V1/guest-carts/*/payment-information', '/rest/V1/guest-carts/*/payment-information'],
  // Magento 1 Shoplift (SUPEE-5344).
  'CVE-2015-1397': ['/admin/Cms_Wysiwyg/directive/*', '/index.php/admin/Cms_Wysiwyg/directive/*'],
  // PrestaShop ps_facetedsearch / SQL injection through blockwishlist.
  'CVE-2022-31181': ['/module/blockwishlist/*'],
};

/** The request paths that reach a component's code, when they can be told from its name. */
export function componentPaths(c: Component): string[] {
  if (c.ecosystem === 'WordPress' && c.name.startsWith('plugin:')) return [`/wp-content/plugins/${c.name.slice(7)}/*`];
  if (c.ecosystem === 'WordPress' && c.name.startsWith('theme:')) return [`/wp-content/themes/${c.name.slice(6)}/*`];
  if (c.ecosystem === 'Packagist' && c.name.startsWith('magento/module-')) {
    const m = c.name.slice('magento/module-'.length).replace(/-/g, '');
    return [`/${m}/*`, `/rest/*/V1/${m}*`];
  }
  return [];
}

export function advisoryPaths(ids: readonly string[]): string[] {
  return [...new Set(ids.flatMap((id) => knownPaths[id] ?? []))];
}

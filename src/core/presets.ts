// What each shop platform keeps in its tree that is not code: caches, sessions and logs (left
// out of the integrity baseline and of file backups), and upload/media folders (left out too,
// except files a web server could execute: a PHP file dropped among product images is exactly
// what must be caught). Pure data, in core: the backup job schema and the plan use it without
// loading the integrity subsystem.

import type { IntegrityPreset } from './config/integrity.ts';

export type Platform = Exclude<IntegrityPreset, 'auto' | 'none'>;

export interface Preset {
  /** Globs relative to the site root, left out entirely (folders are not even walked). */
  exclude: readonly string[];
  /** Upload and media folders: walked, but only executable or server-config files are covered. */
  uploads: readonly string[];
}

/** Left out on every platform: version control and Ripcord's own state. */
export const commonExclude: readonly string[] = ['.git/**', '.svn/**', '.hg/**', '.ripcord/**', '**/.DS_Store'];

const wordpress: Preset = {
  exclude: [
    'wp-content/cache/**',
    'wp-content/upgrade/**',
    'wp-content/upgrade-temp-backup/**',
    'wp-content/wflogs/**',
    'wp-content/et-cache/**',
    'wp-content/litespeed/**',
    'wp-content/w3tc-config/**',
    'wp-content/debug.log',
    'wp-content/**/*.log',
  ],
  uploads: ['wp-content/uploads/**'],
};

export const presets: Record<Platform, Preset> = {
  magento2: {
    exclude: [
      'var/cache/**',
      'var/page_cache/**',
      'var/session/**',
      'var/log/**',
      'var/report/**',
      'var/tmp/**',
      'var/import_history/**',
      'var/export/**',
      'var/view_preprocessed/**',
      'var/composer_home/**',
      'pub/static/_cache/**',
      'pub/static/deployed_version.txt',
      'generated/metadata/**',
    ],
    uploads: ['pub/media/**', 'var/import/**'],
  },
  magento1: {
    exclude: [
      'var/cache/**',
      'var/full_page_cache/**',
      'var/session/**',
      'var/log/**',
      'var/report/**',
      'var/locks/**',
      'var/tmp/**',
      'var/export/**',
      'media/css_secure/**',
      'media/js/**',
    ],
    uploads: ['media/**', 'var/import/**'],
  },
  wordpress,
  woocommerce: {
    exclude: [...wordpress.exclude],
    uploads: [...wordpress.uploads],
  },
  prestashop: {
    exclude: [
      'var/cache/**',
      'var/logs/**',
      'var/sessions/**',
      'cache/smarty/**',
      'cache/cachefs/**',
      'cache/purifier/**',
      'cache/class_index.php',
      'app/cache/**',
      'app/logs/**',
      'log/**',
    ],
    uploads: ['img/**', 'upload/**', 'download/**'],
  },
  opencart: {
    exclude: [
      'system/storage/cache/**',
      'system/storage/logs/**',
      'system/storage/session/**',
      'storage/cache/**',
      'storage/logs/**',
      'storage/session/**',
      'image/cache/**',
    ],
    uploads: [
      'image/**',
      'system/storage/upload/**',
      'system/storage/download/**',
      'storage/upload/**',
      'storage/download/**',
    ],
  },
};

/** The preset to use: `auto` follows site.platform (`custom` has none). */
export function resolvePreset(preset: IntegrityPreset, sitePlatform: string): Preset | null {
  const name = preset === 'auto' ? sitePlatform : preset;
  if (name === 'none' || !(name in presets)) return null;
  return presets[name as Platform];
}

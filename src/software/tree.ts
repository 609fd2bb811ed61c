// The shop tree's software: reads the platform's own version files under the site root with
// size limits (through ShopFiles, which never follows a link out of the root), never running
// the shop's code.

import type { Component } from './component.ts';
import {
  headerField,
  parseComposer,
  parseMagePhp,
  parsePackageLock,
  phpConstant,
  phpVariable,
  type Parsed,
} from './parse.ts';
import type { ShopFiles } from './ports.ts';

/** Version files are small; a lock file of a large shop is a few MB. */
const SMALL = 256 * 1024;
const LOCK = 16 * 1024 * 1024;
const MAX_EXTENSIONS = 5000;

export interface TreeOptions {
  /** site.platform, or `auto` to recognise it from the files. */
  platform?: string;
}

class Tree {
  readonly fs: ShopFiles;
  readonly out: Parsed = { components: [], skipped: [] };
  constructor(fs: ShopFiles) {
    this.fs = fs;
  }

  read(rel: string, limit = SMALL): string | null {
    return this.fs.read(rel, limit, this.out.skipped);
  }

  dirs(rel: string): string[] {
    return this.fs.dirs(rel, MAX_EXTENSIONS);
  }

  files(rel: string, suffix: string): string[] {
    return this.fs.files(rel, suffix, 50);
  }

  add(p: Parsed): void {
    this.out.components.push(...p.components);
    this.out.skipped.push(...p.skipped);
  }

  push(c: Component): void {
    this.out.components.push(c);
  }
}

function composer(t: Tree): void {
  const lock = t.read('composer.lock', LOCK);
  if (lock !== null) t.add(parseComposer(lock, 'composer.lock'));
  else {
    const installed = t.read('vendor/composer/installed.json', LOCK);
    if (installed !== null) t.add(parseComposer(installed, 'vendor/composer/installed.json'));
  }
}

function magento1(t: Tree): void {
  const text = t.read('app/Mage.php');
  if (text === null) return;
  const v = parseMagePhp(text);
  if (v === null) {
    t.out.skipped.push('app/Mage.php: no getVersionInfo() with major and minor');
    return;
  }
  t.push({
    ecosystem: 'Packagist',
    name: v.openmage ? 'openmage/magento-lts' : 'magento/magento1',
    version: v.version,
    where: `app/Mage.php:${v.line}`,
    kind: 'platform',
  });
}

function wordpress(t: Tree): void {
  const text = t.read('wp-includes/version.php');
  if (text !== null) {
    const v = phpVariable(text, 'wp_version');
    if (v !== null)
      t.push({
        ecosystem: 'WordPress',
        name: 'wordpress',
        version: v.value,
        where: `wp-includes/version.php:${v.line}`,
        kind: 'platform',
      });
    else t.out.skipped.push('wp-includes/version.php: no $wp_version');
  }
  for (const slug of t.dirs('wp-content/plugins')) {
    const dir = `wp-content/plugins/${slug}`;
    let found: { value: string; line: number; file: string } | null = null;
    for (const f of t.files(dir, '.php')) {
      const text = t.read(`${dir}/${f}`, 64 * 1024);
      if (text === null || !/Plugin Name:/i.test(text.slice(0, 8192))) continue;
      const v = headerField(text, 'Version');
      if (v !== null) found = { ...v, file: `${dir}/${f}` };
      break;
    }
    if (found === null) {
      const readme = t.read(`${dir}/readme.txt`);
      const v = readme === null ? null : headerField(readme, 'Stable tag');
      if (v !== null) found = { ...v, file: `${dir}/readme.txt` };
    }
    if (found === null) {
      t.out.skipped.push(`${dir}: no plugin header with a Version, nor a readme.txt Stable tag`);
      continue;
    }
    t.push({
      ecosystem: 'WordPress',
      name: `plugin:${slug.toLowerCase()}`,
      version: found.value,
      where: `${found.file}:${found.line}`,
      kind: slug.toLowerCase() === 'woocommerce' ? 'platform' : 'plugin',
    });
  }
  for (const slug of t.dirs('wp-content/themes')) {
    const file = `wp-content/themes/${slug}/style.css`;
    const text = t.read(file, 64 * 1024);
    const v = text === null ? null : headerField(text, 'Version');
    if (v === null) {
      t.out.skipped.push(`wp-content/themes/${slug}: no style.css Version header`);
      continue;
    }
    t.push({
      ecosystem: 'WordPress',
      name: `theme:${slug.toLowerCase()}`,
      version: v.value,
      where: `${file}:${v.line}`,
      kind: 'theme',
    });
  }
}

function prestashop(t: Tree): void {
  for (const [file, name] of [
    ['app/AppKernel.php', 'VERSION'],
    ['config/settings.inc.php', '_PS_VERSION_'],
    ['install/install_version.php', '_PS_INSTALL_VERSION_'],
  ] as const) {
    const text = t.read(file);
    if (text === null) continue;
    const v = phpConstant(text, name);
    if (v === null) continue;
    t.push({
      ecosystem: 'Packagist',
      name: 'prestashop/prestashop',
      version: v.value,
      where: `${file}:${v.line}`,
      kind: 'platform',
    });
    return;
  }
}

function opencart(t: Tree): void {
  for (const file of ['index.php', 'upload/index.php', 'admin/index.php']) {
    const text = t.read(file);
    if (text === null) continue;
    const v = phpConstant(text, 'VERSION');
    if (v === null) continue;
    t.push({
      ecosystem: 'Packagist',
      name: 'opencart/opencart',
      version: v.value,
      where: `${file}:${v.line}`,
      kind: 'platform',
    });
    return;
  }
}

function frontends(t: Tree): void {
  const candidates = ['package-lock.json'];
  for (const slug of t.dirs('wp-content/themes')) candidates.push(`wp-content/themes/${slug}/package-lock.json`);
  for (const vendor of t.dirs('app/design/frontend'))
    for (const theme of t.dirs(`app/design/frontend/${vendor}`))
      candidates.push(`app/design/frontend/${vendor}/${theme}/package-lock.json`);
  for (const file of candidates) {
    const text = t.read(file, LOCK);
    if (text !== null) t.add(parsePackageLock(text, file));
  }
}

/** Everything the shop tree says about its software. */
export function readTree(files: ShopFiles, _opts: TreeOptions = {}): Parsed {
  const t = new Tree(files);
  composer(t);
  magento1(t);
  wordpress(t);
  prestashop(t);
  opencart(t);
  frontends(t);
  // Magento 2's edition: the product metapackage in composer.lock already names it
  // (product-community-edition / product-enterprise-edition); nothing else to read.
  return t.out;
}

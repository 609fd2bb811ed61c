// The inventory on shop trees laid out here: Magento 2 (composer.lock), WordPress with plugins
// and a theme, OpenMage (app/Mage.php), PrestaShop; hostile files are read as data (a link out
// of the root is refused, an oversized file is skipped with its name, PHP is never run).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { shopFiles } from '../../../src/adapters/shop-files.ts';
import { readTree, type Component } from '../../../src/software/index.ts';
import { parseComposer, parsePackageLock } from '../../../src/software/parse.ts';

function tree(files: Record<string, string>): { root: string; done(): void } {
  const root = mkdtempSync(join(tmpdir(), 'ripcord-sw-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

const find = (cs: Component[], name: string) => cs.find((c) => c.name === name);

test('Magento 2: composer.lock packages with their lines, and the front-end package-lock', () => {
  const lock = JSON.stringify(
    {
      packages: [
        { name: 'magento/product-community-edition', version: '2.4.6-p3', type: 'metapackage' },
        { name: 'magento/module-checkout', version: '100.4.6-p3', type: 'magento2-module' },
        { name: 'Monolog/Monolog', version: 'v2.9.1', type: 'library' },
        { name: '../../etc/passwd', version: '1.0' },
      ],
      'packages-dev': [{ name: 'phpunit/phpunit', version: '9.6.13' }],
    },
    null,
    4,
  );
  const t = tree({
    'composer.lock': lock,
    'app/design/frontend/Acme/shop/package-lock.json': JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': {},
        'node_modules/jquery': { version: '3.4.1' },
        'node_modules/a/node_modules/lodash': { version: '4.17.20' },
      },
    }),
  });
  try {
    const r = readTree(shopFiles(t.root));
    const m = find(r.components, 'magento/product-community-edition');
    assert.deepEqual(m, {
      ecosystem: 'Packagist',
      name: 'magento/product-community-edition',
      version: '2.4.6-p3',
      where: 'composer.lock:4',
      kind: 'platform',
    });
    assert.equal(find(r.components, 'magento/module-checkout')?.kind, 'module');
    assert.equal(find(r.components, 'monolog/monolog')?.version, 'v2.9.1');
    assert.equal(find(r.components, 'phpunit/phpunit')?.version, '9.6.13');
    assert.equal(find(r.components, 'jquery')?.ecosystem, 'npm');
    assert.equal(find(r.components, 'lodash')?.version, '4.17.20');
    assert.equal(r.components.filter((c) => c.name.includes('passwd')).length, 0);
    assert.ok(r.skipped.some((s) => s.startsWith('composer.lock: a package without')));
  } finally {
    t.done();
  }
});

test('WordPress: core, plugins (header, else readme Stable tag), WooCommerce, a theme', () => {
  const t = tree({
    'wp-includes/version.php': "<?php\n/** comment */\n$wp_version = '6.4.2';\n$wp_db_version = 56657;\n",
    'wp-content/plugins/woocommerce/woocommerce.php':
      '<?php\n/**\n * Plugin Name: WooCommerce\n * Version: 8.2.1\n */\n',
    'wp-content/plugins/contact-form-7/wp-contact-form-7.php':
      '<?php\n/*\nPlugin Name: Contact Form 7\nVersion: 5.8\n*/\n',
    'wp-content/plugins/old-thing/readme.txt': '=== Old ===\nContributors: x\nStable tag: 1.2.3\n',
    'wp-content/plugins/broken/broken.php': '<?php echo 1;',
    'wp-content/themes/storefront/style.css': '/*\nTheme Name: Storefront\nVersion: 4.5.3\n*/',
  });
  try {
    const r = readTree(shopFiles(t.root));
    assert.deepEqual(find(r.components, 'wordpress'), {
      ecosystem: 'WordPress',
      name: 'wordpress',
      version: '6.4.2',
      where: 'wp-includes/version.php:3',
      kind: 'platform',
    });
    assert.equal(find(r.components, 'plugin:woocommerce')?.version, '8.2.1');
    assert.equal(find(r.components, 'plugin:woocommerce')?.where, 'wp-content/plugins/woocommerce/woocommerce.php:4');
    assert.equal(find(r.components, 'plugin:contact-form-7')?.version, '5.8');
    assert.equal(find(r.components, 'plugin:old-thing')?.version, '1.2.3');
    assert.equal(find(r.components, 'theme:storefront')?.version, '4.5.3');
    assert.ok(r.skipped.some((s) => s.includes('wp-content/plugins/broken')));
  } finally {
    t.done();
  }
});

test('OpenMage and Magento 1 from app/Mage.php; PrestaShop from its version constant', () => {
  const mage = (fn: string, ver: string[]) =>
    `<?php\nfinal class Mage {\n    public static function ${fn}()\n    {\n        return [\n            'major' => '${ver[0]}',\n            'minor' => '${ver[1]}',\n            'revision' => '${ver[2]}',\n            'patch' => '${ver[3]}',\n        ];\n    }\n}\n`;
  const om = tree({
    'app/Mage.php': `${mage('getVersionInfo', ['1', '9', '4', '5'])}\n    public static function getOpenMageVersionInfo(): array\n    { return ['major' => '20', 'minor' => '0', 'patch' => '19']; }`,
  });
  const m1 = tree({ 'app/Mage.php': mage('getVersionInfo', ['1', '9', '4', '5']) });
  const ps = tree({
    'app/AppKernel.php': "<?php\nclass AppKernel extends Kernel\n{\n    const VERSION = '8.1.2';\n",
    'config/settings.inc.php': "<?php define('_PS_VERSION_', '1.7.8.8');",
  });
  try {
    assert.deepEqual(find(readTree(shopFiles(om.root)).components, 'openmage/magento-lts'), {
      ecosystem: 'Packagist',
      name: 'openmage/magento-lts',
      version: '20.0.19',
      where: 'app/Mage.php:14',
      kind: 'platform',
    });
    assert.equal(find(readTree(shopFiles(m1.root)).components, 'magento/magento1')?.version, '1.9.4.5');
    const p = find(readTree(shopFiles(ps.root)).components, 'prestashop/prestashop');
    assert.equal(p?.version, '8.1.2');
    assert.equal(p?.where, 'app/AppKernel.php:4');
  } finally {
    om.done();
    m1.done();
    ps.done();
  }
});

test('a symbolic link out of the root and an oversized lock file are refused by name', () => {
  const t = tree({ 'wp-includes/.keep': '' });
  const outside = tree({ 'version.php': "$wp_version = '9.9';" });
  try {
    symlinkSync(join(outside.root, 'version.php'), join(t.root, 'wp-includes/version.php'));
    writeFileSync(join(t.root, 'composer.lock'), Buffer.alloc(16 * 1024 * 1024 + 10, 32));
    const r = readTree(shopFiles(t.root));
    assert.equal(find(r.components, 'wordpress'), undefined);
    assert.ok(r.skipped.some((s) => s.startsWith('wp-includes/version.php: a symbolic link out of the site root')));
    assert.ok(r.skipped.some((s) => s.startsWith('composer.lock: larger than')));
  } finally {
    t.done();
    outside.done();
  }
});

test('the lock-file parsers never throw on arbitrary text (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
      const a = parseComposer(s, 'composer.lock');
      const b = parsePackageLock(s, 'package-lock.json');
      for (const c of [...a.components, ...b.components]) assert.ok(c.version.length <= 64 && c.name.length <= 200);
    }),
    { numRuns: 300 },
  );
});

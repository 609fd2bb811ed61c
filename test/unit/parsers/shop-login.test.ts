// deriveShopAdminLogin: admin logins of Magento 2/1, WordPress/WooCommerce, PrestaShop and
// OpenCart read from access-log requests (see the table in src/logs/parsers/shop-login.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpEvent } from '../../../src/logs/events.ts';
import { deriveShopAdminLogin } from '../../../src/logs/parsers/index.ts';

function req(method: string, target: string, status: number): HttpEvent {
  const q = target.indexOf('?');
  return {
    kind: 'http',
    time: 1_800_000_000_000,
    ip: '203.0.113.7',
    method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    protocol: 'HTTP/1.1',
    status,
    bytes: 0,
    referer: null,
    userAgent: null,
    user: null,
    vhost: 'shop.example',
    durationMs: null,
  };
}

function outcome(platform: string, method: string, target: string, status: number): string | null {
  const e = deriveShopAdminLogin(req(method, target, status), platform);
  return e === null ? null : `${e.program} ${e.method} ${e.outcome}`;
}

test('Magento 2: admin form (default and custom admin path), 302 success / 200 failure; REST admin token', () => {
  assert.equal(outcome('magento2', 'POST', '/admin/admin/index/index/key/abc123/', 302), 'magento2 form success');
  assert.equal(outcome('magento2', 'POST', '/admin_x7k2/admin/index/index/', 200), 'magento2 form failure');
  assert.equal(outcome('magento2', 'POST', '/backoffice/admin/auth/login/', 200), 'magento2 form failure');
  assert.equal(outcome('magento2', 'POST', '/admin', 302), 'magento2 form success');
  assert.equal(outcome('magento2', 'POST', '/rest/V1/integration/admin/token', 200), 'magento2 api-token success');
  assert.equal(
    outcome('magento2', 'POST', '/rest/default/V1/integration/admin/token', 401),
    'magento2 api-token failure',
  );
  assert.equal(outcome('magento2', 'GET', '/admin/admin/index/index/', 200), null); // showing the form is not a login
  assert.equal(outcome('magento2', 'POST', '/checkout/cart/add/', 302), null);
  assert.equal(outcome('magento2', 'POST', '/admin/admin/index/index/', 503), 'magento2 form info');
});

test('Magento 1: /index.php/admin/', () => {
  assert.equal(outcome('magento1', 'POST', '/index.php/admin/', 302), 'magento1 form success');
  assert.equal(outcome('magento1', 'POST', '/index.php/admin/index/login/key/x/', 200), 'magento1 form failure');
  assert.equal(outcome('magento', 'POST', '/index.php/admin/', 200) !== null, true);
});

test('WordPress / WooCommerce: wp-login.php and xmlrpc.php', () => {
  assert.equal(outcome('wordpress', 'POST', '/wp-login.php', 302), 'wordpress form success');
  assert.equal(outcome('woocommerce', 'POST', '/blog/wp-login.php', 200), 'wordpress form failure');
  assert.equal(outcome('WooCommerce', 'POST', '/wp-login.php?action=login', 200), 'wordpress form failure');
  assert.equal(outcome('wordpress', 'POST', '/wp-login.php?action=lostpassword', 302), null);
  assert.equal(outcome('wordpress', 'POST', '/xmlrpc.php', 200), 'wordpress xmlrpc info');
  assert.equal(outcome('wordpress', 'POST', '/xmlrpc.php', 403), 'wordpress xmlrpc failure');
  assert.equal(outcome('wordpress', 'GET', '/wp-login.php', 200), null);
});

test('PrestaShop: AdminLogin controller in a renamed admin folder', () => {
  assert.equal(
    outcome('prestashop', 'POST', '/admin123abc/index.php?controller=AdminLogin&token=t', 302),
    'prestashop form success',
  );
  assert.equal(
    outcome('prestashop', 'POST', '/admin123abc/index.php?controller=AdminLogin&submitLogin=1', 200),
    'prestashop form failure',
  );
  assert.equal(
    outcome('prestashop', 'POST', '/admin123abc/index.php?rand=1&controller=AdminLogin', 200),
    'prestashop form info',
  );
  assert.equal(outcome('prestashop', 'POST', '/index.php?controller=cart', 302), null);
});

test('OpenCart: route=common/login (2.x/3.x form, 4.x JSON)', () => {
  assert.equal(outcome('opencart', 'POST', '/admin/index.php?route=common/login', 302), 'opencart form success');
  assert.equal(outcome('opencart', 'POST', '/admin/index.php?route=common/login', 200), 'opencart form failure');
  assert.equal(outcome('opencart', 'POST', '/admin/index.php?route=common%2Flogin', 200), 'opencart form failure');
  assert.equal(
    outcome('opencart', 'POST', '/admin/index.php?route=common/login.login&login_token=x', 200),
    'opencart form info',
  );
});

test('auto tries every platform; unknown platforms and non-POST requests give nothing', () => {
  assert.equal(outcome('auto', 'POST', '/wp-login.php', 200), 'wordpress form failure');
  assert.equal(outcome('auto', 'POST', '/admin/index.php?route=common/login', 302), 'opencart form success');
  assert.equal(outcome('custom', 'POST', '/wp-login.php', 200), null);
  assert.equal(outcome('shopware', 'POST', '/admin', 200), null);
});

test('the derived event: shop-admin login from the request, no user, no query in the message', () => {
  const e = deriveShopAdminLogin(req('POST', '/admin/index.php?route=common/login&user_token=SECRET', 302), 'opencart');
  assert.ok(e !== null);
  assert.deepEqual(
    [e.kind, e.service, e.action, e.user, e.ip, e.host, e.time, e.message],
    [
      'auth',
      'shop-admin',
      'login',
      null,
      '203.0.113.7',
      'shop.example',
      1_800_000_000_000,
      'POST /admin/index.php -> 302',
    ],
  );
  assert.ok(!e.message.includes('SECRET'));
});

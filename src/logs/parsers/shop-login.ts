// Shop admin logins as seen in the web access log. The access log has no form body and no
// redirect target, so this is a heuristic on method, path, query and status:
//
// | platform        | request                                                   | success | failure  |
// | --------------- | --------------------------------------------------------- | ------- | -------- |
// | Magento 2       | POST /<admin>/admin[/index/index|/auth/login|/dashboard][/key/K]/ | 302/303 | 200      |
// |                 | POST /rest[/<store>]/V1/integration/admin/token           | 200     | 400-403  |
// | Magento 1       | POST /index.php/admin[/index/index|/index/login][/key/K]/ | 302/303 | 200      |
// | WordPress, Woo  | POST …/wp-login.php (no action, or action=login)           | 302/303 | 200, 403, 429 |
// |                 | POST …/xmlrpc.php                                         | (info: the XML-RPC method, e.g. wp.getUsersBlogs, is in the body) |
// | PrestaShop      | POST /<admin dir>/index.php?controller=AdminLogin…        | 302/303 | 200 with submitLogin in the query; else info (AJAX login) |
// | OpenCart        | POST …/index.php?route=common/login…                      | 302/303 | 200 (2.x/3.x); info for 4.x `login.login` (JSON) |
//
// Limits: the user name is never in the access log (user = null); a failed Magento login
// that redirects back to the form (302) counts as a success, and a custom admin path that
// does not follow the layouts above is not seen. The shop-admin JSON format (a shop
// extension writing each login) is exact where this is a guess. 5xx answers are `info`.

import type { AuthEvent, AuthOutcome, HttpEvent } from '../events.ts';
import { shortMessage } from './util.ts';

type Platform = 'magento2' | 'magento1' | 'wordpress' | 'prestashop' | 'opencart';

const ALL: readonly Platform[] = ['magento2', 'magento1', 'wordpress', 'prestashop', 'opencart'];

/** Config spellings -> the platforms to look for; empty for platforms this does not know. */
function platforms(name: string): readonly Platform[] {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  switch (n) {
    case 'magento2':
    case 'adobecommerce':
      return ['magento2'];
    case 'magento1':
    case 'openmage':
      return ['magento1'];
    case 'magento':
      return ['magento2', 'magento1'];
    case 'wordpress':
    case 'woocommerce':
    case 'wp':
      return ['wordpress'];
    case 'prestashop':
      return ['prestashop'];
    case 'opencart':
      return ['opencart'];
    case '':
    case 'auto':
    case 'any':
    case 'all':
      return ALL;
    default:
      return [];
  }
}

const M2_FORM =
  /^\/(?:index\.php\/)?[^/]+\/admin(?:\/index\/index|\/auth\/login|\/dashboard(?:\/index)?|\/index)?(?:\/key\/[^/]+)?\/?$/i;
const M2_BARE = /^\/(?:index\.php\/)?admin\/?$/i;
const M2_TOKEN = /^\/(?:index\.php\/)?rest\/(?:[^/]+\/)?v1\/integration\/admin\/token\/?$/i;
const M1_FORM = /^\/index\.php\/admin(?:\/index(?:\/index|\/login)?)?(?:\/key\/[^/]+)?\/?$/i;
const WP_ACTION_OK = /(?:^|&)action=login(?:&|$)/;

function formOutcome(status: number): AuthOutcome {
  if (status === 302 || status === 303) return 'success';
  if (status === 200 || status === 403 || status === 429) return 'failure';
  return 'info';
}

interface Hit {
  platform: Platform;
  method: string;
  outcome: AuthOutcome;
}

function classify(e: HttpEvent, p: Platform): Hit | null {
  const path = e.path;
  const q = e.query;
  switch (p) {
    case 'magento2':
      if (M2_TOKEN.test(path)) {
        const outcome: AuthOutcome =
          e.status === 200 ? 'success' : e.status >= 400 && e.status <= 403 ? 'failure' : 'info';
        return { platform: p, method: 'api-token', outcome };
      }
      if (M2_FORM.test(path) || M2_BARE.test(path))
        return { platform: p, method: 'form', outcome: formOutcome(e.status) };
      return null;
    case 'magento1':
      return M1_FORM.test(path) ? { platform: p, method: 'form', outcome: formOutcome(e.status) } : null;
    case 'wordpress':
      if (path.endsWith('/wp-login.php')) {
        if (q !== '' && !WP_ACTION_OK.test(q)) return null; // lost password, register, logout, …
        return { platform: p, method: 'form', outcome: formOutcome(e.status) };
      }
      if (path.endsWith('/xmlrpc.php'))
        return { platform: p, method: 'xmlrpc', outcome: e.status === 403 || e.status === 429 ? 'failure' : 'info' };
      return null;
    case 'prestashop': {
      if (!path.endsWith('/index.php') || !/(?:^|&)controller=AdminLogin(?:&|$)/i.test(q)) return null;
      let outcome = formOutcome(e.status);
      if (e.status === 200 && !/submitLogin/i.test(q)) outcome = 'info';
      return { platform: p, method: 'form', outcome };
    }
    case 'opencart': {
      if (!path.endsWith('/index.php')) return null;
      const m = /(?:^|&)route=common(?:\/|%2F)login([^&]*)/i.exec(q);
      if (m === null) return null;
      let outcome = formOutcome(e.status);
      if (e.status === 200 && (m[1] ?? '') !== '') outcome = 'info'; // 4.x: login.login answers JSON
      return { platform: p, method: 'form', outcome };
    }
  }
}

/**
 * A shop admin login read from an access-log request, or null when the request is not one.
 * `platform`: magento2, magento1, magento (both), wordpress / woocommerce, prestashop,
 * opencart, or auto (all of them).
 */
export function deriveShopAdminLogin(e: HttpEvent, platform: string): AuthEvent | null {
  if (e.method !== 'POST') return null;
  for (const p of platforms(platform)) {
    const hit = classify(e, p);
    if (hit === null) continue;
    return {
      kind: 'auth',
      time: e.time,
      service: 'shop-admin',
      action: 'login',
      outcome: hit.outcome,
      user: null,
      ip: e.ip,
      port: null,
      method: hit.method,
      invalidUser: false,
      targetUser: null,
      command: null,
      host: e.vhost,
      program: hit.platform,
      // The path only: queries can carry tokens (OpenCart user_token, PrestaShop token).
      message: shortMessage(`POST ${e.path} -> ${e.status}`),
    };
  }
  return null;
}

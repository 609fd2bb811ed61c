// A deterministic generator of realistic e-commerce access logs (nginx combined format) for
// benchmarks: shoppers browsing categories and products, searches (including benign
// look-alikes such as "select", "union jack", "<3"), carts, checkouts, REST calls, static
// assets and crawlers, over many IPs (a tenth IPv6). Same seed, same lines.

import { seededRandom as rng } from '../src/core/random.ts';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

const uas = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
];
const words = [
  'blanket',
  'wool',
  'candle',
  'pine',
  'union jack',
  'select',
  'selection',
  'drop leaf table',
  'mug',
  'cedar',
  'soap',
  'apron',
  'lantern',
  'gift',
  'kids',
  'sale',
  'order by price',
  'rock & roll',
  'tom & jerry',
  "children's",
  '<3',
  'C++ book',
  '50% off',
  'script writing kit',
  'alert buzzer',
  'or 1',
  'and/or',
  '../ sale',
  'cat 5 cable',
  'exec chair',
  'sleep mask',
  'benchmark',
  'update drawer',
];
const categories = [
  'home-decor',
  'kitchen',
  'bath',
  'gifts',
  'sale',
  'women/dresses',
  'men/shirts',
  'kids/toys',
  'garden',
];

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

export interface GenOptions {
  lines: number;
  seed?: number;
  /** First timestamp (ms); lines advance ~20 per second. */
  start?: number;
}

/** Yields `lines` access-log lines (without newline). */
export function* accessLines(o: GenOptions): Generator<string> {
  const r = rng(o.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const nIps = Math.max(100, Math.floor(o.lines / 40));
  const ips: string[] = [];
  for (let i = 0; i < nIps; i++) {
    ips.push(
      i % 10 === 0
        ? `2001:db8:${(i % 65535).toString(16)}::${(i * 7).toString(16)}`
        : `${(i % 200) + 11}.${(i >> 8) % 256}.${(i * 13) % 256}.${((i * 29) % 254) + 1}`,
    );
  }
  let t = o.start ?? Date.UTC(2026, 9, 1, 0, 0, 0);
  let lastSec = -1;
  let stamp = '';
  for (let n = 0; n < o.lines; n++) {
    t += Math.floor(r() * 100);
    const sec = Math.floor(t / 1000);
    if (sec !== lastSec) {
      const d = new Date(sec * 1000);
      stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
      lastSec = sec;
    }
    const ip = ips[Math.floor(r() ** 2 * ips.length)] as string;
    const ua = pick(uas);
    const x = r();
    let method = 'GET';
    let target: string;
    let status = 200;
    let bytes = 0;
    if (x < 0.3) {
      target = `/static/version1731${Math.floor(r() * 9)}/frontend/Harbor/pine/en_US/${pick(['js/app.js', 'css/styles-m.css', 'images/logo.svg', 'fonts/opensans.woff2', 'Magento_Checkout/js/view/payment.js'])}`;
      status = r() < 0.2 ? 304 : 200;
      bytes = status === 304 ? 0 : Math.floor(r() * 90_000);
    } else if (x < 0.45) {
      target = `/media/catalog/product/cache/${Math.floor(r() * 9)}/image/700x700/${Math.floor(r() * 99999).toString(16)}.jpg`;
      bytes = Math.floor(r() * 150_000);
    } else if (x < 0.6) {
      target = `/${pick(categories)}.html${r() < 0.3 ? `?p=${Math.floor(r() * 9) + 1}&product_list_order=${pick(['price', 'name', 'position'])}` : ''}`;
      bytes = 20_000 + Math.floor(r() * 20_000);
    } else if (x < 0.75) {
      target = `/product-${Math.floor(r() * 5000)}.html`;
      bytes = 30_000 + Math.floor(r() * 10_000);
    } else if (x < 0.82) {
      target = `/catalogsearch/result/?q=${enc(pick(words))}${r() < 0.2 ? `+${enc(pick(words))}` : ''}`;
      bytes = 18_000 + Math.floor(r() * 5000);
    } else if (x < 0.86) {
      method = 'POST';
      target = `/checkout/cart/add/uenc/${Buffer.from(`https://shop.example/product-${Math.floor(r() * 5000)}.html`).toString('base64url')}/product/${Math.floor(r() * 5000)}/`;
      status = 302;
    } else if (x < 0.9) {
      method = pick(['GET', 'POST', 'PUT']);
      target = `/rest/default/V1/${pick(['carts/mine', 'carts/mine/totals', 'guest-carts/abc123/estimate-shipping-methods', 'carts/mine/payment-information', 'customers/me'])}`;
      status = pick([200, 200, 200, 400, 401]);
      bytes = Math.floor(r() * 4000);
    } else if (x < 0.94) {
      target = pick([
        '/checkout/',
        '/checkout/cart/',
        '/customer/account/login/',
        '/customer/account/',
        '/checkout/onepage/success/',
      ]);
      bytes = 25_000 + Math.floor(r() * 20_000);
    } else if (x < 0.97) {
      target = pick(['/', '/robots.txt', '/sitemap.xml', '/favicon.ico', '/contact/', '/about-us']);
      bytes = Math.floor(r() * 30_000);
    } else {
      target = `/${pick(['old-page', 'product-99999', 'images/missing.png', 'apple-touch-icon.png', 'blog/2019/sale'])}${r() < 0.5 ? '.html' : ''}`;
      status = 404;
      bytes = 340;
    }
    const referer = r() < 0.5 ? `https://shop.example/${pick(categories)}.html` : '-';
    yield `${ip} - - [${stamp}] "${method} ${target} HTTP/1.1" ${status} ${bytes} "${referer}" "${ua}"`;
  }
}

/** Writes the log to `path` unless a file of that name already exists; returns the path. */
export async function ensureAccessLog(path: string, lines: number, seed = 7): Promise<string> {
  if (existsSync(path) && statSync(path).size > 0) return path;
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let buf = '';
  for (const l of accessLines({ lines, seed })) {
    buf += `${l}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

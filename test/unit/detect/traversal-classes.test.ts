// The path normaliser on climbs it cannot spell out: segments of only punctuation standing for
// dots in an encoding no decoder knows, a drive with no root, hidden files under plain folders,
// a file name followed by a routed REST id's tail, one level up with Windows' separator.
// Defanged samples written here, beside shop paths and values that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectTraversal } from '../../../src/detect/traversal.ts';
import { matchStructure } from '../../../src/detect/structure.ts';
import { flagged } from './requests.ts';

const hit = (target: string): string | null => matchStructure('traversal', 'target', target);

test('traversal: punctuation segments, drive-relative paths, hidden files under folders, REST tails', () => {
  for (const t of [
    // overlong leads whose low bits are no dot (`%c0%fe` is `>`), then a real separator
    '/p?f=%c0%fe%c0%fe%2fetc%2fissue',
    '/p?f=%c0%5e%c0%5e%c1%9c%c0%5e%c0%5e%c1%9cetc%c1%9cgroup',
    '/catalog/product/view/id/%c0%fe%c0%fe%c1%pcboot.ini',
    '/p?f=~~/~~/etc/hosts',
    // a drive without a root: read from the drive's current folder
    '/p?f=d:winnt/win.ini',
    '/p?f=c:windows%5csystem32%5cdrivers',
    // plain folders, then a hidden password file
    '/p?id=staff/.htpasswd',
    '/c?data=%7B%22sku%22%3A%22team%2F.htpasswd%22%7D',
    // BSD's password database, and a file name followed by the route's tail
    '/p?f=/etc2/master.passwd',
    '/rest/default/V1/orders//usr/local/etc/php.ini/items',
    '/rest/default/V1/orders//srv/apache/httpd.conf/items',
    // routed into the path: a drive with no root, Program Files, a web server's logs
    '/catalog/product/view/id/d:winnt/system32/',
    '/rest/default/V1/orders//Program%20Files%5Capp%5Capache%5Cconf%5Chttpd.conf/items',
    '/catalog/product/view/id//www/logs/ftpd.log',
    // one level up with a backslash
    '/p?f=..%5cdemo',
    '/p?f=..\\demo',
  ])
    assert.notEqual(hit(t), null, t);
  for (const t of [
    '/media/catalog/product/-/-/shirt.jpg',
    '/media/catalog/product/cache/1/image/9df78eab33525d08d6e5fb8d27136e95/m/b/mb01-blue-0.jpg',
    '/p?size=m:large',
    '/p?q=a:b',
    '/p?q=c:drive+adapter',
    '/checkout?back=../cart',
    '/p?q=members/profile',
    '/p?q=team/.well-known',
    '/p?q=--/--/sale',
    '/p?q=**/new',
    '/p?q=passwd+reset+help',
    '/p?q=php.ini+guide',
    '/p?f=/media/wysiwyg/home/banner.jpg',
    '/p?q=12/2024',
    '/p?q=%3E%3E/more',
    '/catalog/product/view/id/a:b/c',
    '/blog/2024/c:sale',
    '/p?url=http://www.example.com/logs/',
    '/catalog/product/view/id/program-files-organiser',
  ])
    assert.equal(hit(t), null, t);
});

test('property: punctuation units standing for dots reach a system file whatever the unit', () => {
  const punct = fc.constantFrom('>', '^', '~', '*', '!', '$', ',');
  fc.assert(
    fc.property(
      fc.array(punct, { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom('etc/passwd', 'etc/issue', 'boot.ini', 'windows/win.ini', 'proc/self/environ'),
      fc.constantFrom('/', '%2f', '%5c', '\\'),
      (unit, n, file, sep) => {
        const u = unit.join('');
        const path = `${`${u}${sep}`.repeat(n)}${file.replaceAll('/', sep)}`;
        return detectTraversal(path, true) !== null && detectTraversal(`/x/${path}`, false) !== null;
      },
    ),
  );
});

test('property: punctuation segments before shop paths are never a traversal', () => {
  const punct = fc.constantFrom('>', '^', '~', '*', '-', '_', ',');
  const shop = fc.constantFrom('sale', 'women/tops', 'media/catalog/product/x.jpg', 'cart', 'etc-sale', 'issue-42');
  fc.assert(
    fc.property(
      fc.array(punct, { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      shop,
      (unit, n, rest) => {
        const path = `${`${unit.join('')}/`.repeat(n)}${rest}`;
        return detectTraversal(path, true) === null && detectTraversal(`/x/${path}`, false) === null;
      },
    ),
  );
});

test('traversal: a routed segment opening with a backslash is a Windows path from its own root', () => {
  assert.notEqual(matchStructure('traversal', 'target', '/catalog/product/view/id/%5Cxampp%5Cphp%5Cphp.ini'), null);
  assert.notEqual(matchStructure('traversal', 'target', '/rest/V1/products/%5Cwindows%5Cwin.ini'), null);
  assert.notEqual(matchStructure('traversal', 'target', '/rest/V1/products/%5Clogs%5Cerror_log'), null);
  // a backslash segment naming nothing sensitive is no path attack
  assert.equal(matchStructure('traversal', 'target', '/rest/V1/products/%5Cred%5Cdress'), null);
  assert.equal(matchStructure('traversal', 'target', '/catalog/product/view/id/%5Cmedia%5Cimage.jpg'), null);
});

test('traversal: separators a decoder dropped, and the site secrets a parameter names from the root', () => {
  // dots repeated, then a system file whose separators are gone
  assert.notEqual(detectTraversal('........etcpasswd', true), null);
  assert.notEqual(detectTraversal('file:........................etcpasswd', true), null);
  // a drive with no root and no separators left
  assert.notEqual(detectTraversal('c:windowswin.ini', true), null);
  // WEB-INF, META-INF and Magento's app/etc named as a file parameter
  for (const v of ['WEB-INF/web.xml', 'meta-inf/context.xml', 'app/etc/env.php', 'app/etc/local.xml'])
    assert.notEqual(matchStructure('traversal', 'target', `/download?file=${v}`), null, v);
  // words that merely look alike
  for (const v of ['web-info/page', 'inf/web', 'app/etc-guide', '....etc', 'c:windows+tips', 'etc passwd reset'])
    assert.equal(matchStructure('traversal', 'target', `/catalogsearch/result/?q=${encodeURIComponent(v)}`), null, v);
});

test('traversal: base64 of any absolute path to a sensitive file passes the gate and is read', () => {
  const found = (query: string) => flagged('traversal', '/download', query);
  const b64 = (s: string) => encodeURIComponent(Buffer.from(s).toString('base64'));
  assert.ok(found(`file=${b64('/master.passwd')}`));
  assert.ok(found(`file=${b64('/windows/win.ini')}`));
  assert.ok(!found(`file=${b64('/images/banner.jpg')}`));
  assert.ok(!found('token=L2FiY2RlZmdoaWprbG1ub3A'));
});

test('property: Java WEB-INF or META-INF files named in any place of the request are traversal', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('WEB-INF', 'web-inf', 'META-INF', 'Meta-Inf'),
      fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}\.(?:xml|properties|mf|class)$/),
      fc.constantFrom('/catalog/product/view/id/', '/rest/V1/products/', '/', '/p?file='),
      fc.boolean(),
      (inf, file, place, encode) => {
        const v = `${inf}/${file}`;
        const target = `${place}${encode ? encodeURIComponent(v) : v}`;
        assert.notEqual(hit(target), null, target);
      },
    ),
    { numRuns: 200 },
  );
  for (const t of ['/web-information/page', '/p?q=meta+inference', '/blog/web-inf-guide', '/c/web-inf'])
    assert.equal(hit(t), null, t);
});

test('a container secret named by its absolute path, or climbed to, is traversal', () => {
  for (const t of [
    '/p?f=/run/secrets/kubernetes.io/serviceaccount/token',
    '/p?f=../../../var/run/secrets/kubernetes.io/serviceaccount/namespace',
    '/catalog/product/view/id//run/secrets/db_password',
  ])
    assert.notEqual(hit(t), null, t);
  for (const t of ['/blog/run/secrets-of-running', '/p?q=run+secrets+book']) assert.equal(hit(t), null, t);
});

test('property: one level up in an encoding no browser writes is traversal; a plain return link is not', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(
        '%252e%252e%252f',
        '%25252e%25252e%25252f',
        '%c0%ae%c0%ae%c0%af',
        '%uff0e%uff0e%u2215',
        '..%252f',
        '..%c0%af',
        '%u002e%u002e/',
        '0x2e0x2e/',
        '..0x2f',
      ),
      fc.constantFrom('', 'cart', 'x.html'),
      (climb, tail) => {
        const t = `/p?back=${climb}${tail}`;
        assert.notEqual(hit(t), null, t);
      },
    ),
    { numRuns: 100 },
  );
  for (const t of ['/p?back=../cart', '/p?back=..%2Fcart', '/p?q=100%25+cotton', '/p?q=50%252e5'])
    assert.equal(hit(t), null, t);
});

test("a home folder named as the shell names it (`~/`, `~user/`), and a server's data files, are traversal", () => {
  for (const t of [
    '/p?file=~/.ssh/id_rsa',
    '/p?page=~/.bash_history',
    '/p?f=~root/.ssh/authorized_keys',
    '/p?f=%7E%2F.aws%2Fcredentials',
    // PostgreSQL's client authentication file, wherever its data folder is
    '/p?f=/home/postgres/data/pg_hba.conf',
    '/p?f=/var/lib/postgresql/15/main/postgresql.auto.conf',
    // XAMPP's and macOS's own folders, named from the root
    '/p?f=%5Cxampp%5Cwebalizer%5Cwebalizer.conf',
    '/p?f=/Library/WebServer/Documents/index.php',
    '/p?f=/private/etc/master.passwd',
  ])
    assert.notEqual(hit(t), null, t);
  for (const t of [
    '/p?f=~/Documents/cv.pdf',
    '/p?q=~/sale',
    '/p?return=/library/books',
    '/p?return=/private/orders',
    '/~john/index.html',
    '/p?q=postgresql+conference',
  ])
    assert.equal(hit(t), null, t);
  // through the shipped rules and their prefilter gate, every dotfile of a home folder
  for (const f of ['~/.profile', '~/.bashrc', '~/.viminfo', '~/.mysql_history', '~/.Xresources'])
    assert.ok(flagged('traversal', '/p', `file=${encodeURIComponent(f)}`), f);
  assert.ok(!flagged('traversal', '/p', `file=${encodeURIComponent('~/Documents/cv.pdf')}`));
});

// Which languages a file is read as, from its bytes as well as its name: short-tag PHP, PHP
// fragments whose calls span lines, and server configuration saved under any name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffLanguages } from '../../../src/integrity/scan/sniff.ts';

test('a file that opens with a short tag and a space is PHP, an XML declaration is not', () => {
  assert.ok(sniffLanguages('x/post', "<?\nfile_put_contents('a.txt', 'b');\n").includes('php'));
  assert.ok(!sniffLanguages('x/feed', '<?xml version="1.0"?>\n<rss></rss>\n').includes('php'));
});

test('a PHP fragment whose call spans several lines is PHP', () => {
  const fragment = [
    "$a = getenv('REMOTE_ADDR');",
    "$b = $_SERVER['SERVER_NAME'];",
    "$c = $_SERVER['REQUEST_URI'];",
    'notify("x@example.invalid", "subject " . $b',
    ', "body " . $c . "',
    '\\nfrom " . $a)',
    ';return true;',
  ].join('\n');
  assert.ok(sniffLanguages('0a1b2c', fragment).includes('php'));
  // Prose with a price in it is not.
  assert.deepEqual(sniffLanguages('README', 'The price is $5 per month.\nPay at the desk.\n'), []);
});

test('server configuration is read by its name and by its directives', () => {
  assert.deepEqual(sniffLanguages('media/.htaccess', 'Options -Indexes\n'), ['server-config']);
  assert.deepEqual(sniffLanguages('.user.ini', 'memory_limit = 256M\n'), ['server-config']);
  assert.deepEqual(sniffLanguages('0c1d2e', '<Files *.jpg>\nForceType application/x-httpd-php\n</Files>\n'), [
    'server-config',
  ]);
  assert.deepEqual(sniffLanguages('notes.txt', 'Remember to renew the certificate.\n'), []);
});

// The shell reader on argument injection: options smuggled into a program the application runs
// with the visitor's value as an argument — sendmail's log file and queue options through a
// contact form's sender address (the PHPMailer payloads of CVE-2016-10033/10045), ssh's
// ProxyCommand, git's and tar's options that run a command, and a value that is nothing but
// options and a host where a ping form's host goes. Defanged samples written here, beside shop
// values with dashes (sort orders, negative searches, sizes, part numbers) that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { flagged } from './requests.ts';

const samples = [
  // PHPMailer's sender address: sendmail writes its log (the mail, with PHP in it) where -X says
  '"attacker\\" -oQ/tmp/ -X/var/www/html/cache/x.php some"@example.com',
  'a@example.com -X/var/www/pub/media/log.phtml',
  "x' -OQueueDirectory=/tmp -X/srv/www/shell.php '@example.com",
  // ssh, git and tar options that run a command
  '-oProxyCommand=id example.org',
  'ssh://-oProxyCommand=x/repo',
  '--upload-pack=touch /tmp/x',
  'x --checkpoint=1 --checkpoint-action=exec=id',
  '--to-command=id',
  // only options and a host, given where a host goes
  '-c 10 127.0.0.1',
  '-c 10 example.com',
  '-n 31 127.0.0.1',
  '-c 3 -w 5 shop.example.org',
];

const shop = [
  'price',
  '-price',
  'name -asc',
  'shirt -red',
  'blue t-shirt -xl',
  'size -10 cm',
  'part -c10 bolts',
  '-50% sale',
  'x-small',
  'order -created_at',
  '-x men shirt',
  'usb-c 10 pack',
  '- 10 items',
  'item -c 10',
  'ab -c 10 x',
];

test('options a program runs a command or writes a file by, and a value of options and a host, are argument injection', () => {
  for (const s of samples) assert.notEqual(detectCmdi(s), null, s);
  for (const s of shop) assert.equal(detectCmdi(s), null, s);
});

test('the shipped rules find them in a query and a path segment (the gate lets them through); shop values stay quiet', () => {
  for (const s of samples) {
    const v = encodeURIComponent(s);
    assert.ok(flagged('cmdi', '/contact/post', `email=${v}`), `query ${s}`);
    if (!s.includes('/')) assert.ok(flagged('cmdi', `/tools/ping/${v}`, ''), `path ${s}`);
  }
  for (const s of shop) assert.ok(!flagged('cmdi', '/search', `q=${encodeURIComponent(s)}`), s);
});

test('property: ping options with any count before any address or host name are found; the count alone is not', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('-c', '-n', '-w', '-i', '--count'),
      fc.integer({ min: 1, max: 999 }),
      fc.oneof(fc.ipV4(), fc.domain()),
      (opt, n, host) => {
        assert.ok(
          flagged('cmdi', '/tools/ping', `host=${encodeURIComponent(`${opt} ${n} ${host}`)}`),
          `${opt} ${n} ${host}`,
        );
        assert.equal(detectCmdi(`${opt} ${n}`), null);
      },
    ),
    { numRuns: 80 },
  );
});

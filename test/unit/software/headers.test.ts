// Reading web server and PHP versions from response headers (serverHeaderComponents).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverHeaderComponents } from '../../../src/software/index.ts';

test('server headers: products with versions, mapped to the inventory names; others ignored', () => {
  assert.deepEqual(
    serverHeaderComponents({ server: 'Apache/2.4.62 (Debian) OpenSSL/3.0.15', poweredBy: 'PHP/8.2.26' }, 'x').map(
      (c) => [c.name, c.version],
    ),
    [
      ['apache2', '2.4.62'],
      ['php', '8.2.26'],
    ],
  );
  assert.deepEqual(
    serverHeaderComponents({ server: 'nginx/1.22.1', poweredBy: null }, 'x').map((c) => c.name),
    ['nginx'],
  );
  assert.deepEqual(serverHeaderComponents({ server: 'nginx', poweredBy: 'Express' }, 'x'), []);
  assert.deepEqual(serverHeaderComponents({ server: 'cloudflare', poweredBy: 'PHP/7.4.33-nmm1' }, 'x')[0], {
    name: 'php',
    version: '7.4.33-nmm1',
    where: 'X-Powered-By header of x',
  });
  assert.deepEqual(serverHeaderComponents({ server: 'x/'.repeat(10_000), poweredBy: null }, 'x'), []);
});

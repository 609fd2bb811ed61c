// The SQL reader on dialect shapes: comments a database executes or takes hints from, MSSQL
// procedures and admin statements, niladic system functions, database-only function families,
// JSON operators, a comment closed from another parameter. Defanged samples written here
// (harmless values in the shapes of real injections) beside shop searches that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectSqli, fingerprint } from '../../../src/detect/sqli.ts';
import { matchStructure } from '../../../src/detect/structure.ts';

const pct = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const payloads = [
  // executable and hint comments
  "7/*!2222'*/",
  '3 /*!50001 and 4=4*/',
  'x/*!union*/',
  '/*+ index(t) */ 1',
  '/*M!100000 select 1*/',
  // a closed comment ending the value after a number
  "5/*'*/",
  // MSSQL: a procedure after a number (stacked without `;`), admin statements
  "9 exec master..xp_demo 'x'",
  '4 execute sp_helpdb',
  "backup database shop to disk='\\\\host\\share\\a.bak'",
  "restore log shop from url='x'",
  // niladic system functions selected
  'select session_user;',
  'select current_schema;',
  // functions only a database has, opening the value
  "pg_ls_dir('.')",
  "json_extract('{}', '$.a')",
  'sqlite_version()',
  // JSON operators on quoted documents and paths
  `'{"a":1}'::jsonb @> '{"a":1}'`,
  `x ->> '$.name'`,
  `'[1,2]' ?| array['1']`,
  `'{"a":2}' < '$.c'`,
  `'[1, 2]'::jsonb || '3'`,
  // a function only a database has, with comments between its name and bracket
  `JSON_EXTRACT/**/(/**/' {"a":1} '/**/,/**/' $.a ')`,
  // a comment closed from another parameter, then the query's tail
  '*/=1--',
  '*/ or 2=2--',
  // the column-count probe with a large number
  ' order by 31337 ',
  // UNION ALL / DISTINCT after a closed string; cursors stacked after `;`
  "x' union all y",
  "x' union distinct y",
  '; open c1',
  // statements only a query writes, opening the value
  "load data infile 'a.csv' into table t",
  'rename table a to b',
  "alter user x identified by 'y'",
  'truncate table t1',
  // calls and clauses that only a query writes, anywhere in the value
  'x user()',
  '1 procedure analyse(1)',
  'end);',
  "x' regexp '^a'",
  "x' rlike y",
  'div(6,2)',
  'x iif(1=1,1,0)',
  'select char(65)',
  "match(a) against('b')",
  'merge into t using s on t.id = s.id',
  // a known function whose name has an underscore, opening the value
  'char_length(x)',
  'group_concat(x)',
  // database-only functions without a family prefix
  "hextoraw('41')",
  'curdate()',
  "jsonb_build_object('a', 1)",
  'yearweek(now())',
];

const prose = [
  // shop searches and product names that look a little like the shapes above
  'json shirt',
  'pg 13 movies',
  'st_patricks day hat',
  'exec chair 2',
  '2 exec chairs',
  'backup drive 2tb',
  'backup database software',
  'restore log book',
  'select current schema',
  'session user guide',
  '5*/2',
  'a */ b',
  'order by 12345 items',
  '/* nice */',
  'price -> high',
  "kid's ->> arrow",
  '{"sku":"24-MB01","qty":1}',
  'json_shirt size m',
  '"ux/ui" ->',
  '"[new] - sale"',
  '{"sku":"a-1","opts":["x","y"]}',
  '["red","blue"]',
  "it's [new] - 'sale'",
  'user guide',
  'user (manual)',
  'the end)',
  'alter ego t-shirt',
  'truncate tables',
  'rename table lamp',
  'load data cable',
  'open box deals',
  'fetch toy',
  'div 2 football',
  'my_cart(2)',
  'curd date',
  'merge into one set',
  'User(login_name),Images(url_170x135)',
  'match (the) against',
  'select charcoal',
  'tiff (iif) viewer',
  'day name (mon)',
  'year week 12',
  'raw to hex',
  "rock 'n' roll regexp",
  '10" x 8" frame',
];

test('sql dialects: executable comments, procedures, admin statements, system functions, JSON operators', () => {
  for (const s of payloads) assert.notEqual(detectSqli(s), null, s);
  for (const s of prose) assert.equal(detectSqli(s), null, s);
});

test('sql tokenizer: procedure names are calls; niladic system functions are values; a trailing comment ends the query', () => {
  assert.equal(fingerprint("1 exec master..xp_demo 'x'", ''), 'nEfs');
  assert.equal(fingerprint('select session_user;', ''), 'En;');
  assert.equal(fingerprint("1/*'*/", ''), 'nc');
  // a comment with more query after it is still a space
  assert.equal(fingerprint('1/**/and/**/2=2', ''), 'n&non');
  assert.equal(fingerprint("pg_ls_dir('.')", ''), 'f(s)');
  // a comment between a function's name and its bracket keeps it a call
  assert.equal(fingerprint('1 and sleep/**/(5)', ''), 'n&f(n)');
  // a word that only starts like a family is no call
  assert.equal(fingerprint('pgx(1)', ''), 'b(n)');
});

test('sql in a path: executable comments are read before comments become spaces', () => {
  assert.notEqual(matchStructure('sqli', 'target', '/catalog/product/view/id/1/*!50000union*/'), null);
  assert.notEqual(matchStructure('sqli', 'target', '/rest/V1/products/x/*+ index(t) */'), null);
  assert.equal(matchStructure('sqli', 'target', '/media/catalog/product/*/a.jpg'), null);
  assert.equal(matchStructure('sqli', 'target', '/static/*!/x.css'), null);
});

test('property: dialect payloads stay detected in a query value when encoded once or twice, or with + for spaces', () => {
  fc.assert(
    fc.property(fc.constantFrom(...payloads), fc.constantFrom('once', 'twice', 'plus', 'none'), (payload, enc) => {
      let p = payload.replaceAll('&', '%26').replaceAll('#', '%23').replaceAll('+', '%2b');
      if (enc === 'plus') p = p.replaceAll(' ', '+');
      if (enc === 'once') p = pct(payload);
      if (enc === 'twice') p = pct(payload).replaceAll('%', '%25');
      return matchStructure('sqli', 'target', `/p?id=${p}`) !== null;
    }),
  );
});

test('property: shop words around a JSON arrow or a database-like prefix are never SQL', () => {
  const words = fc.constantFrom('json', 'pg', 'st', 'sys', 'lo', 'exec', 'backup', 'shirt', 'red', '12', 'size');
  fc.assert(
    fc.property(
      fc.array(words, { minLength: 1, maxLength: 4 }),
      fc.constantFrom(' ', '_', ' -> ', ' ->> ', ' */ '),
      (ws, sep) => detectSqli(ws.join(sep)) === null,
    ),
  );
});

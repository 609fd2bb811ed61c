// The shell reader through noise a shell drops and encodings that reach the application one
// layer late: quote pairs and backslashes beside globs and braces (`{\c''\a""\t,/\e''*?/\p*\d}`),
// doubled backslashes (an escape for a layer in between), `+` meant as a space but decoded as
// itself (`+|+dir+c:/`), a Windows drive after `dir`, and a command after the quote it breaks
// out of. Defanged samples written here, beside shop values that look alike; all through the
// rule engine's gate too (structure.ts), so the gate cannot fall behind the reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { flagged } from './requests.ts';

const samples = [
  // quote and backslash noise inside words, beside globs and in brace expansion
  'c\\a\\t /e\\t\\c/p\\a\\s\\s\\w\\d',
  '; c\\\\a\\\\t \\\\/\\\\e\\\\t\\\\c/\\\\p\\\\a\\\\s\\\\sw\\\\d',
  ";{\\c''\\a\"\"\\t,/\\e''*?/\\p*\\d}",
  '{cat,/e*?/p*d}',
  "''ca''t /etc/hosts",
  // `+` for spaces, decoded one layer late
  '+|+dir+c:/',
  '$&&dir+c:/',
  '&&+|+dir c:/',
  '+dir+c:/',
  '+dir+c:+|',
  '127.0.0.1+&&+ls+/etc',
  // a command after the quote the value breaks out of
  '" ping.exe -n 31 127.0.0.1',
  "' ping -c 3 192.0.2.1",
  // a Windows drive after dir
  'dir c:/',
  'dir c:',
];

const shop = [
  'c++ primer',
  'c++',
  'a+b',
  'men+shoes+size+42',
  'dir+en+grey+t-shirt',
  'ls+sony',
  'cat+toy+mouse',
  'dog+&+cat',
  'tom+&+jerry',
  'rock+n+roll',
  'ping+pong+table',
  'salt+&+pepper+mill',
  '+49+30+1234567',
  'director c: cut',
  'directions',
  '"ping pong" set',
  '"cat toy"',
  "'head' scarf",
  "o''neil",
  'quote "" test',
  'c:\\users\\anna\\photo.jpg',
  '{red,blue}',
  '{small,medium,large}',
  'a\\b',
  'price {a,b}*2',
];

test('noise a shell drops, + for spaces, a quote broken out of and dir c:/ are read as shell', () => {
  for (const s of samples) assert.notEqual(detectCmdi(s), null, s);
  for (const s of shop) assert.equal(detectCmdi(s), null, s);
});

const found = (path: string, query: string): boolean => flagged('cmdi', path, query);

test('the gate lets them through in a query value, a path segment and encoded twice', () => {
  for (const s of samples) {
    const once = encodeURIComponent(s);
    assert.ok(found('/catalogsearch/result/', `q=${once}`), `query ${s}`);
    assert.ok(found(`/catalog/product/view/id/${once}`, ''), `path ${s}`);
    assert.ok(found('/catalogsearch/result/', `q=${encodeURIComponent(once)}`), `twice ${s}`);
  }
  for (const s of shop) {
    assert.equal(found('/catalogsearch/result/', `q=${encodeURIComponent(s)}`), false, `query ${s}`);
    assert.equal(found(`/catalog/product/view/id/${encodeURIComponent(s)}`, ''), false, `path ${s}`);
  }
});

test('property: backslashes and empty quotes between the letters of a command do not hide it', () => {
  const noise = fc.constantFrom('\\', "''", '""', '\\\\');
  fc.assert(
    fc.property(
      fc.constantFrom('cat', 'wget', 'curl', 'ls'),
      fc.array(noise, { minLength: 4, maxLength: 4 }),
      (cmd, ns) => {
        const spelled = [...cmd].map((c, i) => (i === 0 ? c : `${ns[i % ns.length]}${c}`)).join('');
        return detectCmdi(`x;${spelled} /etc/passwd`) !== null && detectCmdi(`{${spelled},/etc/passwd}`) !== null;
      },
    ),
  );
});

test('property: shop words joined by + (an encoded space) stay clean', () => {
  const words = fc.constantFrom('red', 'shoes', 'dress', 'size', '42', 'cotton', 'sale', 'kids', 'dir', 'ls');
  fc.assert(
    fc.property(fc.array(words, { minLength: 1, maxLength: 5 }), fc.constantFrom('+', '+&+', '+-+'), (ws, j) => {
      return detectCmdi(ws.join(j)) === null;
    }),
  );
});

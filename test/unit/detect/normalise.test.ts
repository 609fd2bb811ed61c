// Normalisation before matching: every decoding layer attackers stack, and the promise that
// plain text passes through as itself (lower-cased).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compactView, decode, sqlView } from '../../../src/detect/normalise.ts';

test('URL decoding, repeated until stable, with + as space where asked', () => {
  assert.equal(decode('%27%20OR%201=1', false), "' or 1=1");
  assert.equal(decode('%2527%2520or', false), "' or");
  assert.equal(decode('%25252e%25252e%25252f', false), '../');
  assert.equal(decode('a+b', true), 'a b');
  assert.equal(decode('a+b', false), 'a+b');
});

test('%u escapes, overlong UTF-8 and Latin-1 bytes decode leniently', () => {
  assert.equal(decode('%u003Cscript%u003E', false), '<script>');
  assert.equal(decode('%c0%ae%c0%ae%c0%af', false), '../');
  assert.equal(decode('caf%C3%A9', false), 'café');
  assert.equal(decode('%E8%F1', false), 'èñ');
});

test('HTML entities, backslash escapes, full-width forms and look-alike slashes', () => {
  assert.equal(decode('&lt;svg&gt;', false), '<svg>');
  assert.equal(decode('&#x3c;&#60;&#0000060', false), '<<<');
  assert.equal(decode('jav&#x09;ascript&colon;', false), 'jav\tascript:');
  assert.equal(decode('\\x3cscript\\u003e\\u{3c}', false), '<script><');
  assert.equal(decode('%EF%BC%9Cscript%EF%BC%9E', false), '<script>');
  assert.equal(decode('..%u2215..%u2216', false), '../..\\');
  assert.equal(decode('&#37;27', false), "'");
  assert.equal(decode('sel%00ect', false), 'select');
});

test('the SQL view removes comments and collapses whitespace; MySQL executable comments keep their content', () => {
  assert.equal(sqlView("1'/**/union/**/select/*x*/1#comment\n,2"), "1' union select 1 ,2");
  assert.equal(sqlView('/*!50000union*/ /*!select*/'), ' union select ');
  assert.equal(sqlView('1--\nunion\tselect'), '1 union select');
});

test('the compact view drops all whitespace and block comments', () => {
  assert.equal(compactView('java\tscript :\nalert(1)/**/'), 'javascript:alert(1)');
});

test('plain text passes through as itself, lower-cased (property)', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9 ./_=?-]{0,60}$/), (s) => {
      // (base64 that decodes to markup is read decoded: tested on its own below)
      fc.pre(!/P[CGH][A-Za-z0-9+/]{13}/.test(s));
      assert.equal(decode(s, false), s.toLowerCase());
    }),
  );
});

test('single and double URL-encoding decode back to the text (property)', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9 <>'"();=,*./-]{0,60}$/), (s) => {
      // (a tag opened as `<;x … >;` is read as mangled entities: tested on its own below)
      fc.pre(!/<;\/?[a-z]/i.test(s));
      assert.equal(decode(encodeURIComponent(s), false), s.toLowerCase());
      assert.equal(decode(encodeURIComponent(encodeURIComponent(s)), false), s.toLowerCase());
    }),
  );
});

test('decoding never throws and stays bounded on arbitrary input (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.boolean(), (s, plus) => {
      const d = decode(s, plus);
      assert.ok(d.length <= 8192 * 2);
      sqlView(d);
      compactView(d);
    }),
  );
});

test('split-nibble escapes (%%35%%63, sent as %25%35%25%63) decode to the byte they spell', () => {
  assert.equal(decode('..%25%35%25%63etc', false), '..\\etc');
  assert.equal(decode('%%32%%66', false), '/');
  // a percent sign in prose is left alone
  assert.equal(decode('50%25 off', true), '50% off');
});

test('property: any byte spelled as split nibbles decodes like its plain %XX form', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0x21, max: 0x7e }), (b) => {
      const h = b.toString(16).padStart(2, '0');
      const nib = [...h].map((c) => `%25%${c.charCodeAt(0).toString(16)}`).join('');
      assert.equal(decode(`a${nib}b`, false), decode(`a%${h}b`, false));
    }),
  );
});

test('entities that lost their name but kept the semicolon are read as markup only with a tag opened so', () => {
  assert.equal(
    decode('%3C;SCRIPT SRC=%22;http://x.example/a.js%22;%3E;', false),
    '<script src="http://x.example/a.js">',
  );
  assert.equal(decode('<;IMG SRC=&;#x6A&;#x61>;', false), '<img src=ja>');
  // … or with an attribute, the tag left open, or a comment opened so
  assert.equal(decode('<;SCRIPT SRC=http://x.example/a.js', false), '<script src=http://x.example/a.js');
  assert.equal(decode('<;!--[if gte IE 4]>;', false), '<!--[if gte ie 4]>');
  // (in a path `+` stays itself, where it stood for a space)
  assert.equal(decode('<;SCRIPT+SRC=x.js', false), '<script+src=x.js');
  // no tag opened with `<;`: semicolons stay
  assert.equal(decode('a<; b >; c";', false), 'a<; b >; c";');
  assert.equal(decode('a<;3 x=1 b', false), 'a<;3 x=1 b');
  assert.equal(decode('1 &lt; 2; x"; y', false), '1 < 2; x"; y');
});

test('property: a tag opened as `<;` with an attribute reads as the tag, plain or URL-encoded', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('script', 'img', 'svg', 'iframe', 'a', 'body'),
      fc.stringMatching(/^[a-z][a-z-]{0,10}$/),
      fc.stringMatching(/^[a-z0-9./:]{1,20}$/),
      fc.boolean(),
      (tag, attr, val, enc) => {
        const s = `<;${tag} ${attr}=${val}`;
        return decode(enc ? encodeURIComponent(s) : s, false) === `<${tag} ${attr}=${val}`;
      },
    ),
  );
});

test('numeric entities with any number of leading zeros', () => {
  assert.equal(decode('prompt&#00000000000000000040;1&#x000000000029;', false), 'prompt(1)');
  assert.equal(decode('&#0;a', false), 'a');
});

test('a value that is base64 of markup is read decoded; other base64 and words stay', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  assert.equal(decode(`q=${b64('<iframe src=//x.example>')}`, false), 'q=<iframe src=//x.example>');
  assert.equal(decode(`/p/${b64('<svg/onload=alert(1)>')}/x`, false), '/p/<svg/onload=alert(1)>/x');
  for (const v of [
    'token=PHPSESSID12345678abcdef',
    'q=PHILIPS+HUE+BULB+E27+WHITE',
    'img=PGAAAAAAAAAAAAAAAA',
    `d=${b64('plain text, not markup at all')}`,
    `d=x${b64('<b>bold</b>')}`,
  ])
    assert.equal(decode(v, false), v.toLowerCase(), v);
});

test('property: base64 of a tag with an attribute is always read decoded, whatever follows the tag name', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('img', 'svg', 'iframe', 'body', 'details'),
      fc.stringMatching(/^[a-z]{3,8}=[a-z0-9()]{3,12}$/),
      (tag, attr) => {
        const markup = `<${tag} ${attr}>`;
        return decode(`q=${Buffer.from(markup).toString('base64')}`, false) === `q=${markup}`;
      },
    ),
  );
});

test('legacy entity names without a semicolon are read, but not as query parameters', () => {
  assert.equal(decode('<div&nbsp style=x>', false), '<div  style=x>');
  assert.equal(decode('&lt&lt;script', false), '<<script');
  for (const v of ['?a=1&lt=5&gt=2', '?x=1&ltv=3', '?q=r&amp;s', '?q=tom&ltd'])
    assert.equal(decode(v, false), v.replace('&amp;', '&').toLowerCase(), v);
});

test('octal escapes are read when there are several; a doubled backslash escape is read as one', () => {
  assert.equal(decode('\\74svg o\\156load\\75x\\76', false), '<svg onload=x>');
  assert.equal(decode('al\\\\u0065rt(1)', false), 'alert(1)');
  // one or two numbers after backslashes stay: folders, prices
  for (const v of ['folder\\12\\photo.jpg', 'c:\\2024\\q1', 'a\\50 b']) assert.equal(decode(v, false), v, v);
});

test('base64 of a closing tag or a comment opening markup is read decoded', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  assert.equal(decode(`q=${b64('</script><svg onload=x>')}`, false), 'q=</script><svg onload=x>');
  assert.equal(decode(`q=${b64('<!--><img src=x>')}`, false), 'q=<!--><img src=x>');
  for (const v of ['q=PCGAMING2024BUNDLE', 'q=PC9000+SERIES', 'sku=PCE-12345-ABCDEFG'])
    assert.equal(decode(v, false), v.toLowerCase(), v);
});

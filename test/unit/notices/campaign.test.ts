// Campaign rules: the variant by jurisdiction (exact, prefix, rest), a notice version that
// changes with any template or value and never with key order, Message-IDs a relay log gives
// back (property), the retry backoff, header-safe customer text (property), and the compiled
// renderer that equals the full render for any name (property), including an apostrophe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AUTO_VARIANTS,
  chooseVariant,
  compileNotice,
  headerSafe,
  noticeMessageId,
  noticeVersion,
  parseTemplate,
  relayLogRows,
  renderNotice,
  retryDelayMs,
} from '../../../src/notices/index.ts';

test('variant: exact jurisdiction, then its prefix, then the rest', () => {
  assert.equal(chooseVariant('US-CA', AUTO_VARIANTS), 'california');
  assert.equal(chooseVariant('EU-DE', AUTO_VARIANTS), 'gdpr-art34');
  assert.equal(chooseVariant('GB', AUTO_VARIANTS), 'gdpr-art34');
  assert.equal(chooseVariant('US-MA', AUTO_VARIANTS), 'general');
  assert.equal(chooseVariant(null, AUTO_VARIANTS), 'general');
  assert.equal(chooseVariant('US-MA', { ...AUTO_VARIANTS, US: 'credentials' }), 'credentials');
  assert.equal(chooseVariant('US-CA', { ...AUTO_VARIANTS, US: 'credentials' }), 'california', 'exact wins');
  assert.throws(() => chooseVariant('US-CA', { EU: 'x' }), /"\*"/);
});

test('notice version: any change counts, key order does not', () => {
  const v = noticeVersion({ a: 'x' }, { shop: { name: 'S', url: 'u' } });
  assert.equal(v, noticeVersion({ a: 'x' }, { shop: { url: 'u', name: 'S' } }));
  assert.notEqual(v, noticeVersion({ a: 'x ' }, { shop: { name: 'S', url: 'u' } }));
  assert.notEqual(v, noticeVersion({ a: 'x' }, { shop: { name: 'T', url: 'u' } }));
  assert.match(v, /^[0-9a-f]{64}$/);
});

test('property: a Message-ID is found again in any relay log line around it', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1e9 }),
      fc.nat({ max: 1e12 }),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.domain(),
      fc.string(),
      (c, r, v, d, noise) => {
        const id = noticeMessageId(c, r, v, `Shop <privacy@${d}>`);
        const line = `${noise.replace(/[<>]/g, '')} postfix/cleanup[1]: 4AB: message-id=${id} ${noise.replace(/[<>]/g, '')}`;
        assert.ok(relayLogRows(line).has(`${c}.${r}`));
        assert.ok(!id.includes('@') || !/[\s"]/.test(id));
      },
    ),
  );
  assert.equal(relayLogRows('message-id=<other@x.com> <ripcord.notice.1.2.zz@x>').size, 0);
});

test('retry backoff doubles from 30 s and stops at an hour', () => {
  assert.deepEqual(
    [1, 2, 3].map((n) => retryDelayMs(n)),
    [30_000, 60_000, 120_000],
  );
  assert.equal(retryDelayMs(40), 3_600_000);
});

test('property: customer text in a header is one line without control or direction characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      const h = headerSafe(s);
      assert.ok(!/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(h), JSON.stringify(h));
      assert.ok(h.length <= 200);
    }),
  );
});

test('property: the compiled renderer gives what the full render gives, for any recipient', async () => {
  const t = parseTemplate(
    't.md',
    '---\ntitle: T\nsubject: "Hello {{ recipient.name }} at {{ shop.name }}"\n---\nDear {{ recipient.name }} ({{ recipient.email }}),\n\n**Act now**, {{ shop.name }}.\n',
  );
  const values = { shop: { name: 'Harbor & Pine' } };
  const render = compileNotice(t, values);
  const oneLine = (s: string) => s.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 30 }), fc.emailAddress(), async (name, email) => {
      const r = { name: oneLine(name), email };
      const [a, b] = await Promise.all([render(r), renderNotice(t, { ...values, recipient: r })]);
      assert.equal(a.html, b.html);
      assert.equal(a.text, b.text);
      assert.equal(a.subject, b.subject);
    }),
    { numRuns: 150 },
  );
  const oneil = await render({ name: "Siobhán O'Neil", email: 'a@b.c' });
  assert.match(oneil.html, /Siobhán O&#39;Neil/);
  assert.doesNotMatch(oneil.html, /&amp;#39;/);
  // a template that transforms a recipient field is rendered in full for each recipient
  const upper = compileNotice(
    parseTemplate('u.md', '---\ntitle: T\nsubject: "Hi"\n---\nDear {{ recipient.name | upcase }}.\n'),
    {},
  );
  assert.match((await upper({ name: 'ann' })).text, /Dear ANN\./);
});

// The interview's questions without a terminal: every one has a default and a one-line why,
// taking every default gives the default answers, and later defaults follow earlier answers
// (the platform's folder and database, the auth log on a VPS, the owner's address for alerts).
// And the answers parser never fails other than with a field-named error (property).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppError } from '../../../src/core/errors.ts';
import { defaultAnswers, interview, parseAnswers, type Prompter } from '../../../src/plan/index.ts';

interface Asked {
  message: string;
  why: string;
  default: unknown;
}

/** A prompter that records each question and answers from `replies` (by message start) or with the default. */
function scripted(replies: Record<string, unknown> = {}): { p: Prompter; asked: Asked[] } {
  const asked: Asked[] = [];
  const reply = <T>(q: { message: string; why: string; default: T }): T => {
    asked.push({ message: q.message, why: q.why, default: q.default });
    const key = Object.keys(replies).find((k) => q.message.startsWith(k));
    return (key === undefined ? q.default : replies[key]) as T;
  };
  return {
    asked,
    p: {
      text: async (q) => {
        const v = reply(q);
        const ok = q.validate?.(v) ?? true;
        if (ok !== true) throw new Error(`${q.message}: ${ok}`);
        return v;
      },
      number: async (q) => reply(q),
      select: async (q) => reply(q),
      checkbox: async (q) => [...reply(q)],
      section: () => {},
    },
  };
}

test('every question has a one-line why; Enter on each gives the default answers', async () => {
  const { p, asked } = scripted();
  const a = await interview(p);
  assert.deepEqual(a, defaultAnswers());
  assert.ok(asked.length >= 30, `${asked.length} questions`);
  for (const q of asked) {
    assert.ok(q.why.length > 10 && !q.why.includes('\n'), `${q.message}: why`);
    assert.notEqual(q.default, undefined, `${q.message}: default`);
  }
});

test('defaults follow earlier answers', async () => {
  const { p, asked } = scripted({
    Hosting: 'vps',
    'Shop platform': 'prestashop',
    'owner: phone': '+33 1 23 45 67 89, patron@boutique.example',
    'Off-site backup location': 'sftp://u1@box.example/ripcord',
    "The SFTP server's host key": `SHA256:${'B'.repeat(43)}`,
    'Countries where customers': 'FR, BE',
    'US states': '-',
  });
  const a = await interview(p);
  const dflt = (m: string) => asked.find((q) => q.message.startsWith(m))?.default;
  assert.equal(dflt("The shop's folder"), '/var/www/prestashop');
  assert.equal(dflt('Database name'), 'prestashop');
  assert.equal(dflt('Login log'), '/var/log/auth.log');
  assert.equal(dflt('E-mail address for alerts'), 'patron@boutique.example');
  assert.equal(a.alerts.email, 'patron@boutique.example');
  assert.deepEqual(a.customers.countries, ['FR', 'BE']);
  assert.deepEqual(a.customers.regions, []);
  assert.equal(a.offsite.hostKey, `SHA256:${'B'.repeat(43)}`);
});

test('the answers parser accepts or names the field, never fails otherwise (property)', () => {
  const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  const doc = fc.dictionary(
    fc.constantFrom(
      'shop',
      'hosting',
      'platform',
      'files',
      'database',
      'data',
      'customers',
      'activity',
      'contacts',
      'x',
    ),
    fc.oneof(leaf, fc.dictionary(fc.string({ maxLength: 12 }), leaf, { maxKeys: 3 }), fc.array(leaf, { maxLength: 3 })),
    { maxKeys: 4 },
  );
  fc.assert(
    fc.property(doc, (d) => {
      try {
        parseAnswers(d, 'prop');
      } catch (e) {
        assert.ok(isAppError(e), String(e));
        assert.equal(e.code, 'config_invalid');
        for (const line of e.details) assert.match(line, /^[A-Za-z(][^:]*: /);
      }
    }),
  );
});

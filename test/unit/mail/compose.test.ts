// The notice's MIME message (adapters/mail/compose.ts): whatever a customer's name or the
// subject holds (CR/LF, quotes, any Unicode), the header block has exactly the expected
// headers, every line stays under 78 characters plus CRLF, and the text part decodes back to
// the text given (property).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { composeNotice, loadEncoders } from '../../../src/adapters/mail/compose.ts';

function qpDecode(s: string): string {
  const text = s.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

test('property: names and subjects cannot add headers; lines are short; the text round-trips', async () => {
  const e = await loadEncoders();
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({ maxLength: 400 }),
      async (name, subject, text) => {
        const raw = composeNotice(e, {
          from: { name: 'Harbor & Pine', address: 'privacy@harborandpine.example' },
          to: { name, address: 'customer@example.com' },
          subject,
          text,
          html: '<p>x</p>',
          messageId: '<m@x.example>',
          date: new Date(0),
          headers: { 'List-Unsubscribe': '<mailto:u@x.example>' },
        }).toString('utf8');
        const [head = '', ...rest] = raw.split('\r\n\r\n');
        const keys = head
          .split('\r\n')
          .filter((l) => !/^[ \t]/.test(l))
          .map((l) => l.slice(0, l.indexOf(':')));
        assert.deepEqual(keys, [
          'From',
          'To',
          'Subject',
          'Message-ID',
          'Date',
          'MIME-Version',
          'List-Unsubscribe',
          'Content-Type',
        ]);
        for (const l of raw.split('\r\n')) assert.ok(l.length <= 78 || /^Content-Type: multipart/.test(l), l);
        const body = rest.join('\r\n\r\n');
        const textPart =
          body
            .split(/\r\n------_rc_[0-9a-f]+/)[0]
            ?.split('\r\n\r\n')
            .slice(1)
            .join('\r\n\r\n') ?? '';
        assert.equal(qpDecode(textPart), text.replace(/\r?\n/g, '\r\n'));
      },
    ),
    { numRuns: 300 },
  );
});

test('a name or subject holding CR LF with a byte that is not ASCII starts no header of its own', async () => {
  const e = await loadEncoders();
  // fast-check's counterexample: "\r\n\0" as the customer's name (encoded words leave ASCII as it is).
  for (const [name, subject] of [
    ['\r\n\u0000', 'x'],
    ['Ann\r\nBcc: all@example.com\u00e9', 'x'],
    ['Ann', 'Hi\r\nBcc: all@example.com\u0000'],
  ] as const) {
    const raw = composeNotice(e, {
      from: { name: 'Harbor & Pine', address: 'privacy@harborandpine.example' },
      to: { name, address: 'customer@example.com' },
      subject,
      text: 't',
      html: '<p>x</p>',
      messageId: '<m@x.example>',
      date: new Date(0),
      headers: {},
    }).toString('utf8');
    const head = raw.split('\r\n\r\n')[0] ?? '';
    const keys = head
      .split('\r\n')
      .filter((l) => !/^[ \t]/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')));
    assert.deepEqual(keys, ['From', 'To', 'Subject', 'Message-ID', 'Date', 'MIME-Version', 'Content-Type'], head);
    assert.doesNotMatch(head, /\0/);
  }
});

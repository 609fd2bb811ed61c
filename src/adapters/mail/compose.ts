// The MIME message of one notice, built straight from nodemailer's own encoders (mime-funcs for
// encoded words and header folding, qp for the bodies, its punycode for domains) without
// MailComposer's stream graph: a send of 100,000 notices spent a third of its time in that
// graph. The shape is fixed and simple — multipart/alternative of a UTF-8 text and HTML part,
// both quoted-printable — and every header value from customer data has its control characters
// made spaces and then goes through encodeWords, so neither CR/LF nor non-ASCII can shape the
// header block.

import { randomBytes } from 'node:crypto';

type MimeFuncs = typeof import('nodemailer/lib/mime-funcs');
type Qp = typeof import('nodemailer/lib/qp');
type Punycode = typeof import('nodemailer/lib/punycode');

export interface Encoders {
  mime: MimeFuncs;
  qp: Qp;
  punycode: Punycode;
}

export async function loadEncoders(): Promise<Encoders> {
  const [mime, qp, punycode] = await Promise.all([
    import('nodemailer/lib/mime-funcs'),
    import('nodemailer/lib/qp'),
    import('nodemailer/lib/punycode'),
  ]);
  return { mime, qp, punycode: (punycode as unknown as { default?: Punycode }).default ?? punycode };
}

export interface ComposeInput {
  from: { name: string | null; address: string };
  replyTo?: { name: string | null; address: string } | undefined;
  to: { name: string | null; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  date: Date;
  /** Further headers, values plain text (encoded here when needed). */
  headers: Record<string, string>;
}

/**
 * Control characters of a header value from customer data, as spaces: encodeWords leaves ASCII
 * alone, so a name holding CR LF (with a NUL to make it non-ASCII) would start a header of its own.
 */
const withoutControls = (s: string): string => s.replace(/[\x00-\x1f\x7f]+/g, ' ');

/** `Name <local@domain>` with the name quoted or encoded and the domain in ASCII. */
function address(e: Encoders, a: { name: string | null; address: string }): string {
  const at = a.address.lastIndexOf('@');
  const addr =
    at < 0 ? a.address : `${a.address.slice(0, at)}@${e.punycode.toASCII(a.address.slice(at + 1).toLowerCase())}`;
  if (a.name === null || a.name === '') return addr;
  const plain = withoutControls(a.name);
  const name = /^[\x20-\x7e]*$/.test(plain)
    ? `"${plain.replace(/["\\]/g, '\\$&')}"`
    : e.mime.encodeWords(plain, 'Q', 52, true);
  return `${name} <${addr}>`;
}

/** One header line, folded; a value with non-ASCII becomes encoded words. */
function header(e: Encoders, key: string, value: string): string {
  const plain = withoutControls(value);
  const v = /^[\x20-\x7e]*$/.test(plain) ? plain : e.mime.encodeWords(plain, 'Q', 52, true);
  return e.mime.foldLines(`${key}: ${v}`, 76);
}

const rfc2822 = (d: Date): string => d.toUTCString().replace(/GMT$/, '+0000');

export function composeNotice(e: Encoders, m: ComposeInput): Buffer {
  const boundary = `----_rc_${randomBytes(12).toString('hex')}`;
  const lines = [
    header(e, 'From', address(e, m.from)),
    ...(m.replyTo ? [header(e, 'Reply-To', address(e, m.replyTo))] : []),
    header(e, 'To', address(e, m.to)),
    header(e, 'Subject', m.subject),
    `Message-ID: ${m.messageId}`,
    `Date: ${rfc2822(m.date)}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([k, v]) => header(e, k, v)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    e.qp.wrap(e.qp.encode(m.text.replace(/\r?\n/g, '\r\n')), 76),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    e.qp.wrap(e.qp.encode(m.html.replace(/\r?\n/g, '\r\n')), 76),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

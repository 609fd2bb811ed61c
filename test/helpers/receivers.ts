// Test receivers for alert delivery: a real SMTP server (smtp-server) with just enough MIME
// decoding to read nodemailer's messages, and a real HTTP receiver that can be switched down.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  subject: string;
  headers: string;
  text: string;
  html: string;
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
  );
}

function qp(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Just enough MIME for nodemailer's multipart/alternative: headers, text and HTML parts. */
function parseMail(raw: string): Mail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subject = decodeWords(/^subject: (.*)$/im.exec(unfolded)?.[1] ?? '');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded)?.[1];
  const body = rest.join('\n\n');
  const parts = boundary ? body.split(`--${boundary}`) : [raw];
  let text = '';
  let html = '';
  for (const p of parts) {
    const [ph = '', ...pb] = p.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const content = pb.join('\n\n');
    const decoded = /content-transfer-encoding: base64/i.test(ph)
      ? Buffer.from(content, 'base64').toString('utf8')
      : /quoted-printable/i.test(ph)
        ? qp(content)
        : content;
    if (/content-type: text\/plain/i.test(ph)) text = decoded;
    if (/content-type: text\/html/i.test(ph)) html = decoded;
  }
  return { subject, headers: unfolded, text, html };
}

export async function smtpReceiver(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8')));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface Hooked {
  key: string;
  body: string;
  signature: string;
  message: { title: string; kind: string; user: string | null; ip: string | null; count: number };
}

export async function httpReceiver(): Promise<{
  url: string;
  accepted: Hooked[];
  refused: number;
  setDown(d: boolean): void;
  close(): Promise<void>;
}> {
  const state = { accepted: [] as Hooked[], refused: 0, down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.down) {
        state.refused++;
        res.writeHead(503).end('down');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { message: Hooked['message'] };
      state.accepted.push({
        key: String(req.headers['idempotency-key']),
        body,
        signature: String(req.headers['x-ripcord-signature']),
        message: parsed.message,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get accepted() {
      return state.accepted;
    },
    get refused() {
      return state.refused;
    },
    setDown: (d) => (state.down = d),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

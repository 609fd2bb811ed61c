// A local SMTP sink (smtp-server) for the demo shop: it takes every message, keeps each as an
// .eml file to open in a mail program, and writes a relay log line with its Message-ID (as
// Postfix's cleanup does), so `notices resume --relay-log` works in the demo too. It listens on
// loopback only and accepts no relaying anywhere: it is the end of the road for the demo's mail.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { AppError } from '../../core/errors.ts';

export interface MailSink {
  port: number;
  close(): Promise<void>;
}

export async function startMailSink(o: { port: number; dir: string; maxBytes?: number }): Promise<MailSink> {
  mkdirSync(o.dir, { recursive: true });
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: o.maxBytes ?? 5 * 1024 * 1024,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const id = /^message-id:\s*(<[^>\r\n]{1,300}>)/im.exec(raw.toString('latin1'))?.[1] ?? '-';
        n++;
        writeFileSync(join(o.dir, `${String(n).padStart(6, '0')}.eml`), raw, { mode: 0o600 });
        appendFileSync(join(o.dir, 'mail.log'), `${new Date().toISOString()} sink: queued: message-id=${id}\n`);
        cb();
      });
    },
  });
  server.on('error', () => {}); // a client that hangs up mid-message is not the sink's failure
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new AppError('unavailable', `the demo mail sink cannot listen on 127.0.0.1:${o.port}: ${e.code}`)),
    );
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  return { port: o.port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

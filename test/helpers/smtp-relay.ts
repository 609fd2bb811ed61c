// A real SMTP relay for the notice tests (smtp-server): it counts every message it accepts per
// recipient, keeps the raw messages when asked, writes a relay log (one line per accepted
// message with its Message-ID, like Postfix's cleanup lines) and injects faults on demand:
// 421 for a while, connections dropped at MAIL FROM, connections dropped after the message's
// end (the message is not taken, the client cannot know), and 550 for named recipients.

import { appendFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

interface Faults {
  /** Answer 421 to MAIL FROM until this time (ms since the epoch). */
  busyUntil?: number;
  /** Drop the connection at MAIL FROM for this share of transactions (0..1). */
  dropAtMail?: number;
  /** Drop the connection after the message's end, without taking it, for this share (0..1). */
  dropAfterData?: number;
  /** Refuse these recipients with 550. */
  refuse?: Set<string>;
}

export interface Relay {
  port: number;
  /** Accepted messages per recipient address. */
  counts: Map<string, number>;
  /** Raw accepted messages, when `keep` was set. */
  raw: string[];
  accepted(): number;
  faults: Faults;
  close(): Promise<void>;
}

export async function smtpRelay(o: { log?: string; keep?: boolean } = {}): Promise<Relay> {
  const counts = new Map<string, number>();
  const raw: string[] = [];
  const faults: Faults = {};
  let total = 0;
  const sockets = new Set<Socket>();
  const drop = (id: string): void => {
    const conns = (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections;
    for (const c of conns) if (c.id === id) c._socket.destroy();
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onMailFrom(_address, session, cb) {
      if (faults.busyUntil !== undefined && Date.now() < faults.busyUntil) {
        const e = new Error('Too busy, try later') as Error & { responseCode: number };
        e.responseCode = 421;
        cb(e);
        return;
      }
      if (faults.dropAtMail !== undefined && Math.random() < faults.dropAtMail) {
        drop(session.id);
        return;
      }
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (faults.refuse?.has(address.address)) {
        const e = new Error('No such user') as Error & { responseCode: number };
        e.responseCode = 550;
        cb(e);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (faults.dropAfterData !== undefined && Math.random() < faults.dropAfterData) {
          drop(session.id);
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        const id = /^message-id:\s*(\S+)/im.exec(text)?.[1] ?? '-';
        for (const r of session.envelope.rcptTo) counts.set(r.address, (counts.get(r.address) ?? 0) + 1);
        total++;
        if (o.keep) raw.push(text);
        // logged before the reply, as Postfix's cleanup logs before the client hears 250
        if (o.log !== undefined) appendFileSync(o.log, `relay[1]: queued: message-id=${id}\n`);
        cb();
      });
    },
  });
  // a client killed mid-message resets its connection: that is the test, not a failure
  server.on('error', () => {});
  server.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    counts,
    raw,
    accepted: () => total,
    faults,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

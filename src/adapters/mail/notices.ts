// NoticeMailer over SMTP with nodemailer's own parts: compose.ts builds the multipart message
// from nodemailer's encoders
// (headers encoded by it, so a name with CR/LF cannot add a header), DKIM signs it when a key is
// configured, and a pool of persistent SMTPConnections (one per worker, reused message after
// message) carries it. The message goes as a stream whose end waits for `beforeEnd`: that is
// how the sender knows whether a broken connection could have delivered it. Addresses never
// reach error messages: only the relay's status code and enhanced code are kept.

import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { AppError } from '../../core/errors.ts';
import type { NoticesSpec } from '../../core/config/notices.ts';
import { SendFailure, type NoticeMailer, type OutgoingNotice } from '../../notices/ports.ts';
import { composeNotice, loadEncoders } from './compose.ts';

type Smtp = NonNullable<NoticesSpec['smtp']>;

export interface NoticeMailerOptions {
  smtp: Smtp;
  from: string;
  replyTo?: string | undefined;
  unsubscribe?: string | undefined;
  dkim?: NoticesSpec['dkim'];
  /** Connections kept open (the sender's concurrency). */
  connections: number;
}

/** `421 4.7.0` from a reply line: the code and enhanced code, never the text. */
function replyStatus(reply: string | null | undefined): string | null {
  if (typeof reply !== 'string') return null;
  const m = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?/.exec(reply.trim());
  return m === null ? null : m[2] === undefined ? (m[1] as string) : `${m[1]} ${m[2]}`;
}

interface ErrShape {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
}

function failure(e: unknown, ended: boolean, connecting = false): SendFailure {
  const o = (typeof e === 'object' && e !== null ? e : {}) as ErrShape;
  const code = typeof o.code === 'string' ? o.code : '';
  const rc = typeof o.responseCode === 'number' ? o.responseCode : null;
  const status = replyStatus(typeof o.response === 'string' ? o.response : null) ?? (rc === null ? null : String(rc));
  const what = status !== null ? `SMTP ${status}` : code || 'error';
  if (code === 'EAUTH' || code === 'ETLS' || code === 'ECONFIG')
    return new SendFailure('fatal', `the relay refused us (${what}); check notices.smtp`, status);
  if (rc !== null && rc >= 500 && code !== 'EAUTH') return new SendFailure('permanent', `refused: ${what}`, status);
  // 421 is the relay closing the session (busy, throttled): the whole relay backs off
  if (rc !== null && rc >= 400)
    return new SendFailure('transient', `deferred: ${what}`, status, connecting || rc === 421 ? 'relay' : 'message');
  return new SendFailure(
    ended ? 'uncertain' : 'transient',
    `${ended ? 'connection lost after the message was written' : connecting ? 'cannot reach the relay' : 'connection trouble'}: ${what}`,
    status,
    connecting ? 'relay' : 'message',
  );
}

const addressOf = (from: string): string => /<([^>]+)>\s*$/.exec(from)?.[1] ?? from.trim();

export async function createNoticeMailer(o: NoticeMailerOptions): Promise<NoticeMailer> {
  // loaded on first use: commands that only read the configuration do not pay for them
  const { default: Connection } = await import('nodemailer/lib/smtp-connection');
  const { default: parseAddress } = await import('nodemailer/lib/addressparser');
  const enc = await loadEncoders();
  const { default: DKIM } = await import('nodemailer/lib/dkim');
  let dkim: InstanceType<typeof DKIM> | null = null;
  if (o.dkim !== undefined) {
    let privateKey: string;
    try {
      privateKey = readFileSync(o.dkim.privateKeyFile, 'utf8');
    } catch (e) {
      throw new AppError('not_found', `cannot read the DKIM key: ${(e as Error).message}`, {
        where: 'notices.dkim.privateKeyFile',
      });
    }
    dkim = new DKIM({ domainName: o.dkim.domain, keySelector: o.dkim.selector, privateKey });
  }
  const s = o.smtp;
  const idle: SMTPConnection[] = [];
  const open = new Set<SMTPConnection>();
  const sender = addressOf(o.from);

  const connect = (): Promise<SMTPConnection> =>
    new Promise((resolve, reject) => {
      const c = new Connection({
        host: s.host,
        port: s.port,
        secure: s.tls === 'tls',
        requireTLS: s.tls === 'starttls',
        ignoreTLS: s.tls === 'none',
        opportunisticTLS: s.tls === 'opportunistic',
        connectionTimeout: s.timeoutMs,
        greetingTimeout: s.timeoutMs,
        socketTimeout: s.timeoutMs,
        tls: { rejectUnauthorized: s.rejectUnauthorized },
      });
      let settled = false;
      // errors of an idle connection (the relay hung up) only drop it from the pool
      c.on('error', (e) => {
        open.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (!settled) {
          settled = true;
          reject(failure(e, false, true));
        }
      });
      c.on('end', () => {
        open.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
      });
      c.connect((err) => {
        if (err) {
          if (!settled) {
            settled = true;
            reject(failure(err, false, true));
          }
          return;
        }
        const done = (e?: unknown): void => {
          if (settled) return;
          settled = true;
          if (e) {
            c.close();
            reject(failure(e, false, true));
          } else {
            open.add(c);
            resolve(c);
          }
        };
        if (s.user !== undefined) c.login({ user: s.user, pass: s.password ?? '' }, (e) => done(e ?? undefined));
        else done();
      });
    });

  const one = (text: string, what: string): { name: string | null; address: string } => {
    const [a] = parseAddress(text) as { name?: string; address?: string }[];
    if (a?.address === undefined || a.address === '')
      throw new AppError('config_invalid', `not an address: ${text}`, { where: what });
    return { name: a.name !== undefined && a.name !== '' ? a.name : null, address: a.address };
  };
  const fromAddr = one(o.from, 'notices.from');
  const replyAddr = o.replyTo === undefined ? undefined : one(o.replyTo, 'notices.replyTo');

  const build = async (m: OutgoingNotice): Promise<Buffer> => {
    const list =
      o.unsubscribe === undefined
        ? {}
        : {
            'List-Unsubscribe': `<${o.unsubscribe}>`,
            ...(o.unsubscribe.startsWith('https:') ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
          };
    const raw = composeNotice(enc, {
      from: fromAddr,
      replyTo: replyAddr,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      date: new Date(),
      headers: { ...list, 'X-Ripcord-Campaign': m.campaign },
    });
    if (dkim === null) return raw;
    const chunks: Buffer[] = [];
    for await (const chunk of dkim.sign(raw)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  return {
    async send(m, beforeEnd) {
      const message = await build(m);
      const c = idle.pop() ?? (await connect());
      let ended = false;
      let pushed = false;
      // the body first; the end only once the outbox says "the relay may have it now"
      const body = new Readable({
        read() {
          if (!pushed) {
            pushed = true;
            this.push(message);
            return;
          }
          beforeEnd().then(
            () => {
              ended = true;
              this.push(null);
            },
            (e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))),
          );
        },
      });
      return new Promise((resolve, reject) => {
        c.send({ from: sender, to: [m.to.address] }, body, (err, info) => {
          if (err) {
            open.delete(c);
            c.close();
            reject(failure(err, ended));
            return;
          }
          idle.push(c);
          resolve({ reply: replyStatus(info?.response) ?? '250' });
        });
      });
    },
    async close() {
      for (const c of open) c.quit();
      open.clear();
      idle.length = 0;
    },
  };
}

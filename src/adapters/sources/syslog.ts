// A syslog receiver (RFC 3164 and RFC 5424 messages over UDP and TCP, TCP framed by newline
// or by octet counting as RFC 6587 describes), so rsyslog on other web servers can forward
// their auth and access logs. Messages carry no checkpoint: the sender's queue is the buffer.

import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { BatchSink, LineSource } from '../../logs/index.ts';
import type { Checkpoint } from '../../logs/ports.ts';
import { AppError } from '../../core/errors.ts';
import { Batcher } from './batcher.ts';
import { z } from 'zod';
import { sourceFields } from '../../core/config/sources.ts';
import type { SourceContext } from './context.ts';

export interface SyslogOptions {
  id: string;
  listen: string;
  protocol: 'udp' | 'tcp' | 'both';
  /** Called once the sockets listen, with the ports bound (tests listen on port 0). */
  onListening?: (ports: { udp?: number; tcp?: number }) => void;
}

const MAX_MESSAGE = 64 * 1024;

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen);
  if (!m) throw new AppError('config_invalid', `listen: "${listen}" is not host:port`);
  const port = Number(m[2]);
  if (port > 65535) throw new AppError('config_invalid', `listen: port ${port} is out of range`);
  return { host: m[1] || '0.0.0.0', port };
}

/** Splits a TCP stream into messages: octet-counted (`LEN SP MSG`) or newline-terminated. */
export class TcpFramer {
  #buf = '';
  push(data: string): string[] {
    this.#buf += data;
    const out: string[] = [];
    for (;;) {
      const m = /^(\d{1,6}) /.exec(this.#buf);
      if (m && this.#buf[0] !== '<') {
        const len = Number(m[1]);
        const start = (m[1] as string).length + 1;
        if (this.#buf.length < start + len) break;
        out.push(this.#buf.slice(start, start + len).replace(/\r?\n$/, ''));
        this.#buf = this.#buf.slice(start + len);
        continue;
      }
      const nl = this.#buf.indexOf('\n');
      if (nl < 0) {
        if (this.#buf.length > MAX_MESSAGE) {
          out.push(this.#buf);
          this.#buf = '';
        }
        break;
      }
      out.push(this.#buf.slice(0, nl).replace(/\r$/, ''));
      this.#buf = this.#buf.slice(nl + 1);
    }
    return out.filter((l) => l !== '');
  }
  rest(): string {
    return this.#buf;
  }
}

export class SyslogSource implements LineSource {
  readonly id: string;
  #o: SyslogOptions;

  constructor(o: SyslogOptions) {
    this.id = o.id;
    this.#o = o;
  }

  async run(_from: Checkpoint | null, sink: BatchSink, signal: AbortSignal): Promise<void> {
    const { host, port } = parseListen(this.#o.listen);
    const batcher = new Batcher(sink, this.id);
    const ports: { udp?: number; tcp?: number } = {};
    let udp: Socket | null = null;
    let tcp: Server | null = null;
    const sockets = new Set<import('node:net').Socket>();
    if (this.#o.protocol !== 'tcp') {
      udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      udp.on('message', (msg) => {
        const text = msg.toString('utf8').replace(/\r?\n$/, '');
        for (const l of text.split('\n')) if (l !== '') batcher.push(l);
      });
      const u = udp;
      await new Promise<void>((resolve, reject) => {
        u.once('error', (e) =>
          reject(
            new AppError('unavailable', `cannot listen on udp ${this.#o.listen}: ${e.message}`, { where: this.id }),
          ),
        );
        u.bind(port, host, () => resolve());
      });
      ports.udp = udp.address().port;
    }
    if (this.#o.protocol !== 'udp') {
      tcp = createServer((sock) => {
        sockets.add(sock);
        const framer = new TcpFramer();
        sock.setEncoding('utf8');
        sock.on('data', (d: string) => {
          for (const l of framer.push(d)) batcher.push(l);
        });
        sock.on('close', () => {
          const rest = framer.rest().trim();
          if (rest !== '') batcher.push(rest);
          sockets.delete(sock);
        });
        sock.on('error', () => sock.destroy());
      });
      const t = tcp;
      await new Promise<void>((resolve, reject) => {
        t.once('error', (e) =>
          reject(
            new AppError('unavailable', `cannot listen on tcp ${this.#o.listen}: ${e.message}`, { where: this.id }),
          ),
        );
        t.listen(ports.udp ?? port, host, () => resolve());
      });
      const a = tcp.address();
      if (a !== null && typeof a === 'object') ports.tcp = a.port;
    }
    this.#o.onListening?.(ports);
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    udp?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
    await batcher.drain();
  }
}

// ---- component: `type: syslog` in `sources:` -------------------------------------------

export const type = 'syslog';

export const schema = z
  .strictObject({
    type: z.literal('syslog').describe('A syslog listener (UDP/TCP).'),
    listen: z.string().default('127.0.0.1:5514').describe('host:port to listen on.'),
    protocol: z.enum(['udp', 'tcp', 'both']).default('both').describe('Transport(s) to accept (RFC 3164 and 5424).'),
    ...sourceFields,
  })
  .describe('A syslog listener, so rsyslog on other servers can forward their logs.');

export type SyslogSourceSpec = z.infer<typeof schema>;

export function create(spec: SyslogSourceSpec, _ctx: SourceContext): SyslogSource {
  return new SyslogSource({ id: spec.id ?? `syslog:${spec.listen}`, listen: spec.listen, protocol: spec.protocol });
}

// Serves the API on HOST:PORT with @hono/node-server, over HTTPS when http.tls names a
// certificate and key; returns the bound port (0 picks one) and a close that waits for open
// requests.

import { serve } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AppError } from '../core/errors.ts';
import type { App } from '../app/context.ts';
import { createApi } from './api.ts';
import { tlsFiles } from '../app/http.ts';

export interface HttpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[0-9a-f:]+\]|[0-9.]+|localhost):(\d{1,5})$/i.exec(listen);
  const port = Number(m?.[2]);
  if (m === null || port > 65535)
    throw new AppError('config_invalid', `listen ${listen}: expected HOST:PORT`, { where: 'http.listen' });
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

export function startHttpServer(app: App, listen: string): Promise<HttpServer> {
  const { host, port } = parseListen(listen);
  const api = createApi(app);
  const tls = tlsFiles(app);
  return new Promise((resolve, reject) => {
    const options =
      tls === null
        ? { fetch: api.fetch, hostname: host, port }
        : { fetch: api.fetch, hostname: host, port, createServer: createHttpsServer, serverOptions: tls };
    const server = serve(options, (info: AddressInfo) => {
      resolve({
        host,
        port: info.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
    // Idle keep-alive connections stay open a minute (Node's 5 s default races clients and
    // reverse proxies that reuse a connection just as the server closes it).
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
    }
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new AppError('unavailable', `cannot listen on ${listen}: ${e.code ?? e.message}`, { where: 'http.listen' }),
      ),
    );
  });
}

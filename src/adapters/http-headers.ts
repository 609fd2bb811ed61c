// Reads the shop's own response headers (Server, X-Powered-By) for the software inventory:
// one HEAD request to its address, a GET when HEAD is refused; no redirect followed (the
// first answer is the shop's own server), a short timeout, the body never read.

import { AppError } from '../core/errors.ts';
import type { HeaderProbe } from '../software/index.ts';

export class HttpHeaderProbe implements HeaderProbe {
  readonly #timeoutMs: number;

  constructor(timeoutMs = 5000) {
    this.#timeoutMs = timeoutMs;
  }

  async headers(url: string): Promise<{ server: string | null; poweredBy: string | null }> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new AppError('usage', `not a web address: ${url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new AppError('usage', `only http and https addresses are read: ${url}`);
    const ask = async (method: 'HEAD' | 'GET') => {
      const r = await fetch(u, {
        method,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: { 'user-agent': 'ripcord-software-inventory' },
      });
      await r.body?.cancel();
      return r;
    };
    let r = await ask('HEAD');
    if (r.status === 405 || r.status === 501) r = await ask('GET');
    return { server: r.headers.get('server'), poweredBy: r.headers.get('x-powered-by') };
  }
}

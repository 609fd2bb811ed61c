// One HTTP POST for the HTTP channels (webhook, Slack/Mattermost, ntfy) through Node's fetch,
// with a timeout and the failure classes of the alerts subsystem: connection errors, timeouts,
// 5xx, 408 and 429 are transient; any other answer but 2xx is permanent. Error messages never
// contain the URL (webhook URLs are secrets).

import { AppError } from '../../core/errors.ts';

export interface PostOptions {
  /** For messages: which channel. */
  channel: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export async function post(o: PostOptions): Promise<void> {
  let res: Response;
  try {
    res = await fetch(o.url, {
      method: 'POST',
      headers: o.headers,
      body: o.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    const code =
      typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    const what = timeout
      ? `no answer within ${o.timeoutMs} ms`
      : `${code || (cause instanceof Error ? cause.message : String(cause))}`;
    // A malformed URL or header is a configuration problem; anything on the network may pass.
    const permanent = cause instanceof TypeError && !timeout && code === '' && /invalid|header/i.test(cause.message);
    throw new AppError(permanent ? 'config_invalid' : 'unavailable', `channel ${o.channel}: ${what}`, {
      transient: !permanent,
      cause: e,
    });
  }
  // The body is drained so the connection can be reused; its text is not shown (it may echo secrets).
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return;
  const transient = res.status >= 500 || res.status === 408 || res.status === 429;
  throw new AppError(
    transient ? 'unavailable' : 'refused',
    `channel ${o.channel}: HTTP ${res.status} ${res.statusText}`.trim(),
    { transient },
  );
}

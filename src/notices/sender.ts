// Sends a campaign: takes the sender lock (one sender per campaign; a dead one's rows are
// recovered: claimed → pending, in-flight → uncertain), claims due rows in small batches, and
// has `concurrency` workers render and send them at most `rate` per second. A row is marked
// `sending` just before the message's end goes to the relay and `sent` only after the relay's
// 250, so after a kill -9 at any moment every row is either certainly unsent (sent again) or in
// doubt (kept for the relay's log or the owner to settle): no customer gets two notices.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors.ts';
import { sleep } from '../core/clock.ts';
import { headerSafe, MAX_ATTEMPTS, noticeMessageId, retryDelayMs } from './campaign.ts';
import {
  SendFailure,
  type CampaignRecord,
  type ClaimedNotice,
  type NoticeMailer,
  type NoticeStore,
  type OutboxCounts,
  type SenderLock,
} from './ports.ts';
import type { NoticeRenderer } from './templates.ts';
import { pidAlive } from '../core/process.ts';

export interface SendOptions {
  /** Messages per second over all connections; 0 = no limit. */
  rate: number;
  concurrency: number;
  /** The sender address (for the Message-ID's domain). */
  from: string;
  now?: () => number;
  /** First retry delay after a transient failure (doubles each time). */
  retryBaseMs?: number;
  /** Stop instead of waiting when only rows due later are left. */
  noWait?: boolean;
  onProgress?: (c: OutboxCounts) => void;
  /** Aborts the send (SIGINT): in-flight messages finish, the rest stay pending. */
  signal?: AbortSignal;
  /** A lock whose heartbeat is older than this is taken over (another host's sender died). */
  staleAfterMs?: number;
  /** Whether the process of a lock on this host is alive (default: signal 0). */
  alive?: (pid: number) => boolean;
}

export interface SendResult {
  campaign: string;
  outcome: 'done' | 'paused' | 'stopped' | 'waiting';
  counts: OutboxCounts;
  /** Rows the previous sender left in doubt when this one took over. */
  recovered: number;
  elapsedMs: number;
}

/** A token bucket shared by the workers: `rate` per second, bursts of one second's worth. */
function limiter(rate: number, now: () => number): () => Promise<void> {
  if (rate <= 0) return async () => {};
  let tokens = 1;
  let last = now();
  const cap = Math.max(1, rate);
  return async function take(): Promise<void> {
    for (;;) {
      const t = now();
      tokens = Math.min(cap, tokens + ((t - last) / 1000) * rate);
      last = t;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) / rate) * 1000));
    }
  };
}

/** Takes the campaign's sender lock, taking over a dead or silent sender's. */
async function takeLock(
  store: NoticeStore,
  c: CampaignRecord,
  mine: SenderLock,
  o: Pick<SendOptions, 'alive' | 'staleAfterMs'>,
): Promise<void> {
  const held = c.sender;
  if (held === null) {
    if (await store.lock(c.id, mine, null)) return;
  } else {
    const dead =
      held.host === mine.host
        ? !(o.alive ?? pidAlive)(held.pid)
        : mine.heartbeat - held.heartbeat > (o.staleAfterMs ?? 120_000);
    if (!dead)
      throw new AppError(
        'conflict',
        `campaign ${c.name} is being sent by process ${held.pid} on ${held.host}; pause it first (\`ripcord notices pause ${c.name}\`) or wait`,
        { where: 'notices send' },
      );
    if (await store.lock(c.id, mine, held)) return;
  }
  throw new AppError('conflict', `another sender took campaign ${c.name} at the same moment`, {
    where: 'notices send',
  });
}

/** Takes a dead sender's lock just long enough to recover its rows (resume settles them next). */
export async function recoverDeadSender(
  store: NoticeStore,
  c: CampaignRecord,
  o: Pick<SendOptions, 'alive' | 'staleAfterMs' | 'now'> = {},
): Promise<number> {
  if (c.sender === null) return 0;
  const mine: SenderLock = {
    token: randomUUID(),
    host: hostname(),
    pid: process.pid,
    heartbeat: (o.now ?? Date.now)(),
  };
  await takeLock(store, c, mine, o);
  try {
    return await store.recover(c.id, mine.token);
  } finally {
    await store.unlock(c.id, mine.token);
  }
}

/** The variables a template sees as `recipient`: the imported columns, then the known fields. */
export function recipientVars(r: ClaimedNotice['recipient']): Record<string, string | null> {
  return {
    ...r.extra,
    email: r.email,
    name: headerSafe(r.name ?? '') || r.email,
    firstName: r.firstName,
    lastName: r.lastName,
    country: r.country,
    region: r.region,
    jurisdiction: r.jurisdiction,
  };
}

export async function sendCampaign(
  store: NoticeStore,
  mailer: NoticeMailer,
  campaign: CampaignRecord,
  renderers: ReadonlyMap<string, NoticeRenderer>,
  o: SendOptions,
): Promise<SendResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const mine: SenderLock = { token: randomUUID(), host: hostname(), pid: process.pid, heartbeat: started };
  await takeLock(store, campaign, mine, o);
  const recovered = await store.recover(campaign.id, mine.token);
  const take = limiter(o.rate, now);
  const queue: ClaimedNotice[] = [];
  let fatal: unknown = null;
  let lastBeat = started;
  let lastProgress = 0;
  const batch = Math.max(8, o.concurrency * 4);
  // while the relay is down or throttling us, nobody sends and no row pays an attempt for it
  const relayBase = o.retryBaseMs ?? 30_000;
  let relayDelay = relayBase;
  let relayUntil = 0;

  const handle = async (n: ClaimedNotice): Promise<void> => {
    const render = renderers.get(n.variant);
    if (render === undefined) {
      await store.markFailed(n.id, mine.token, `no template for variant ${n.variant}`, null);
      return;
    }
    const messageId = noticeMessageId(campaign.id, n.id, campaign.version, o.from);
    let marked = false;
    if (now() < relayUntil) {
      await store.release(n.id, mine.token, relayUntil, null, false);
      return;
    }
    try {
      const r = await render(recipientVars(n.recipient));
      await take();
      const { reply } = await mailer.send(
        {
          to: { name: n.recipient.name === null ? null : headerSafe(n.recipient.name), address: n.recipient.email },
          subject: headerSafe(r.subject),
          text: r.text,
          html: r.html,
          messageId,
          campaign: campaign.name,
        },
        async () => {
          await store.markSending(n.id, mine.token, messageId);
          marked = true;
        },
      );
      await store.markSent(n.id, mine.token, reply, now());
      relayDelay = relayBase;
    } catch (e) {
      const f =
        e instanceof SendFailure ? e : new SendFailure('transient', e instanceof Error ? e.message : String(e), null);
      if (f.kind === 'transient' && f.scope === 'relay') {
        if (now() >= relayUntil) {
          relayUntil = now() + relayDelay;
          relayDelay = Math.min(relayDelay * 2, 300_000);
        }
        await store.release(n.id, mine.token, relayUntil, f.message, false);
      } else if (f.kind === 'uncertain' && marked) await store.markUncertain(n.id, mine.token, f.message);
      else if (f.kind === 'permanent') await store.markFailed(n.id, mine.token, f.message, f.reply);
      else if (f.kind === 'transient' && n.attempts >= MAX_ATTEMPTS)
        await store.markFailed(n.id, mine.token, `gave up after ${n.attempts} tries: ${f.message}`, f.reply);
      else {
        // fatal, or transient: the row goes back; a fatal failure stops the whole send
        await store.release(n.id, mine.token, now() + retryDelayMs(n.attempts, o.retryBaseMs), f.message);
        if (f.kind === 'fatal') fatal ??= f;
      }
    }
  };

  let outcome: SendResult['outcome'] = 'done';
  try {
    for (;;) {
      if (o.signal?.aborted) {
        outcome = 'stopped';
        break;
      }
      if (fatal !== null) break;
      const claimed = await store.claim(campaign.id, mine.token, now(), batch);
      if (claimed.length === 0) {
        const current = await store.campaign(String(campaign.id));
        if (current?.status === 'paused') {
          outcome = 'paused';
          break;
        }
        const due = await store.nextDue(campaign.id);
        if (due === null) break;
        if (o.noWait) {
          outcome = 'waiting';
          break;
        }
        await sleep(Math.max(50, Math.min(due - now(), 5_000)), o.signal);
      } else {
        queue.push(...claimed);
        const workers = Array.from({ length: Math.min(o.concurrency, queue.length) }, async () => {
          for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
            if (fatal !== null || o.signal?.aborted) {
              await store.release(n.id, mine.token, now(), null);
              continue;
            }
            await handle(n);
          }
        });
        await Promise.all(workers);
      }
      if (now() - lastBeat > 10_000) {
        lastBeat = now();
        if (!(await store.heartbeat(campaign.id, mine.token, lastBeat)))
          throw new AppError('conflict', `campaign ${campaign.name} was taken over by another sender`, {
            where: 'notices send',
          });
      }
      // counting is a scan of the outbox: twice a second is plenty for a progress bar
      if (o.onProgress !== undefined && now() - lastProgress >= 500) {
        lastProgress = now();
        o.onProgress(await store.counts(campaign.id));
      }
    }
  } finally {
    await store.unlock(campaign.id, mine.token);
  }
  if (fatal !== null) throw fatal;
  const counts = await store.counts(campaign.id);
  if (outcome === 'done') await store.setStatus(campaign.id, counts.uncertain > 0 ? 'paused' : 'done', ['sending']);
  return { campaign: campaign.name, outcome, counts, recovered, elapsedMs: now() - started };
}

/** What the relay's log proves about the rows in doubt: found → sent, missing → pending. */
export async function settleUncertain(
  store: NoticeStore,
  campaignId: number,
  relayRows: ReadonlySet<string> | null,
  resendAll: boolean,
  now: number,
): Promise<{ sent: number; resend: number; left: number }> {
  let after = 0;
  const out = { sent: 0, resend: 0, left: 0 };
  for (;;) {
    const page = await store.uncertain(campaignId, after, 1000);
    if (page.length === 0) return out;
    for (const u of page) {
      after = u.id;
      if (relayRows?.has(`${campaignId}.${u.id}`)) {
        await store.settle(u.id, 'sent', 'found in the relay log', now);
        out.sent++;
      } else if (relayRows !== null || resendAll) {
        await store.settle(
          u.id,
          'pending',
          resendAll && relayRows === null ? 'sent again on the owner’s word' : 'not in the relay log',
          now,
        );
        out.resend++;
      } else out.left++;
    }
  }
}

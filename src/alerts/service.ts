// Alert delivery as a running service: the dispatcher (findings -> alerts + outbox rows) and the
// sender (outbox -> channels) as two loops, each one step at a time, polling every
// `alerts.pollMs` and woken at once when findings arrive. Also one immediate round for the PAM
// hook's detached helper. All I/O is behind ports: the outbox, the findings, the channels.

import type { Clock } from '../core/clock.ts';
import { effectiveRoutes, type AlertsConfig } from '../core/config/alerts.ts';
import type { Logger } from '../core/log.ts';
import { Dispatcher } from './dispatcher.ts';
import type { MessageContext } from './message.ts';
import type { Channel, FindingSource, OutboxStore } from './ports.ts';
import type { Renderer } from './render.ts';
import { Sender } from './sender.ts';

export interface AlertsServiceDeps {
  /** The outbox, initialised. */
  outbox: OutboxStore;
  findings: FindingSource;
  /** The `alerts` section of the config. */
  config: AlertsConfig;
  channels: Map<string, Channel>;
  /** Loads the templates (a broken template rejects `ready`). */
  renderer: () => Promise<Renderer>;
  context: MessageContext;
  clock: Clock;
  logger: Logger;
  /** How long the dispatcher waits for a gap in finding ids to fill (PostgreSQL sequences: ids appear out of order). */
  gapGraceMs: number;
}

export interface AlertsService {
  /** New findings were committed: dispatch now instead of at the next poll. */
  notify(): void;
  /** Finishes the current step of both loops and stops. */
  stop(): Promise<void>;
  /** Resolves when templates are loaded (rejects on a broken template). */
  ready: Promise<void>;
}

interface Parts {
  dispatcher: Dispatcher;
  sender: Sender;
}

async function build(d: AlertsServiceDeps, overrides: { leaseMs?: number } = {}): Promise<Parts> {
  const a = d.config;
  const renderer = await d.renderer();
  const dispatcher = new Dispatcher({
    store: d.outbox,
    findings: d.findings,
    routes: effectiveRoutes(a),
    channels: [...d.channels.keys()],
    clock: d.clock,
    logger: d.logger,
    context: d.context,
    maxAgeMs: a.maxAge,
    resolveTimeoutMs: a.resolveTimeout,
    gapGraceMs: d.gapGraceMs,
  });
  const sender = new Sender({
    store: d.outbox,
    channels: d.channels,
    renderer,
    clock: d.clock,
    logger: d.logger,
    context: d.context,
    leaseMs: overrides.leaseMs ?? a.delivery.lease,
    backoffMs: a.delivery.backoff,
    maxBackoffMs: a.delivery.maxBackoff,
    giveUpAfterMs: a.delivery.giveUpAfter,
    failingAfter: a.channelFailing.failures,
    failingOlderThanMs: a.channelFailing.olderThan,
  });
  return { dispatcher, sender };
}

/** A loop that runs `step` every `everyMs`, or at once when woken; one step at a time. */
export function loop(name: string, everyMs: number, step: () => Promise<number | null>, logger: Logger) {
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const done = (async () => {
    while (!stopped) {
      woken = false;
      let waitMs = everyMs;
      try {
        const next = await step();
        if (next !== null) waitMs = Math.max(0, Math.min(everyMs, next));
      } catch (e) {
        // A store or channel hiccup must not end the loop; the next round retries.
        logger.error({ loop: name, err: e instanceof Error ? e.message : String(e) }, 'alerts step failed');
        waitMs = Math.max(everyMs, 1000);
      }
      if (stopped || woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();
  return {
    wake,
    async stop() {
      stopped = true;
      wakeUp?.();
      await done;
    },
  };
}

/**
 * Starts alert delivery inside `ripcord run`: the dispatcher polls the findings every
 * `alerts.pollMs` (and at once on `notify()`), the sender delivers whatever is due.
 */
export function startAlertsService(d: AlertsServiceDeps): AlertsService {
  const { logger, clock } = d;
  const pollMs = d.config.pollMs;
  let parts: Parts | null = null;
  const ready = build(d).then((p) => {
    parts = p;
  });
  ready.catch((e: unknown) =>
    logger.error({ err: e instanceof Error ? e.message : String(e) }, 'alerts could not start'),
  );

  const sendLoop = loop(
    'send',
    pollMs,
    async () => {
      await ready;
      if (!parts) return null;
      await parts.sender.tick();
      const due = await parts.sender.nextDue();
      return due === null ? null : due - clock.now();
    },
    logger,
  );
  const dispatchLoop = loop(
    'dispatch',
    pollMs,
    async () => {
      await ready;
      if (!parts) return null;
      const r = await parts.dispatcher.tick();
      if (r.queued > 0) sendLoop.wake();
      // After a lost race with another dispatcher, go again at once.
      return r.conflict ? 0 : null;
    },
    logger,
  );
  return {
    notify: () => dispatchLoop.wake(),
    ready,
    async stop() {
      await Promise.all([dispatchLoop.stop(), sendLoop.stop()]);
      for (const c of d.channels.values()) await c.close?.();
    },
  };
}

/** One dispatch and one delivery round, now (the PAM hook's helper, tests). */
export async function deliverOnce(
  d: AlertsServiceDeps,
  o: { leaseMs?: number } = {},
): Promise<{ queued: number; sent: number; retried: number; failed: number }> {
  try {
    const p = await build(d, o);
    const t = await p.dispatcher.tick();
    const s = await p.sender.tick();
    return { queued: t.queued, ...s };
  } finally {
    for (const c of d.channels.values()) await c.close?.();
  }
}

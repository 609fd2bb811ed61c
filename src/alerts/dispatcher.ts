// The dispatcher: reads new findings by id, routes them, groups and throttles them into
// alerts, and queues the messages that are due in the outbox, writing alerts, outbox rows and
// its cursor in one transaction (OutboxStore.commitDispatch). A crash before the commit
// leaves the findings unread; after it, everything is queued: nothing is lost or doubled.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { RouteSpec } from '../core/config/alerts.ts';
import type { AlertRecord, FindingSource, NewOutbox, OutboxStore, StoredFindingLike } from './ports.ts';
import { groupKeyOf, routesFor, silencedBy } from './match.ts';
import { addToAlert, flush, openAlert } from './group.ts';
import { advance, type Gaps } from './cursor.ts';
import { alertMessage, type MessageContext } from './message.ts';

export interface DispatcherOptions {
  store: OutboxStore;
  findings: FindingSource;
  routes: readonly RouteSpec[];
  /** Names of all channels (routes without `channels` use all of them). */
  channels: readonly string[];
  clock: Clock;
  logger: Logger;
  context: MessageContext;
  /** Findings older than this when first read are recorded as seen but not sent. */
  maxAgeMs: number;
  /** An alert quiet for this long takes no more findings (nor reminders). */
  resolveTimeoutMs: number;
  /** How long a missing finding id is waited for (0 on SQLite: one writer, ids commit in order). */
  gapGraceMs: number;
  batch?: number;
  newUid?: () => string;
}

export interface TickResult {
  findings: number;
  queued: number;
  /** Another dispatcher committed first; the work is redone on the next tick. */
  conflict: boolean;
}

const keyOf = (route: string, groupKey: string): string => `${route}\u0000${groupKey}`;

export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #routes: Map<string, RouteSpec>;
  readonly #gaps: Gaps = { firstSeen: new Map() };
  readonly #batch: number;
  readonly #uid: () => string;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#routes = new Map(o.routes.map((r) => [r.name, r]));
    this.#batch = o.batch ?? 1000;
    this.#uid = o.newUid ?? (() => randomUUID().replaceAll('-', ''));
  }

  /** Handles everything new and due; several batches when the table is far ahead. */
  async tick(): Promise<TickResult> {
    const total: TickResult = { findings: 0, queued: 0, conflict: false };
    for (let i = 0; i < 100; i++) {
      const r = await this.#step(i === 99);
      total.findings += r.findings;
      total.queued += r.queued;
      if (r.conflict) return { ...total, conflict: true };
      if (r.read < this.#batch) break;
    }
    return total;
  }

  /**
   * One batch of findings. While a backlog is drained (a full batch read, more behind it),
   * alerts are grouped but not flushed: a storm read slower than its group wait still makes
   * one message with every finding in it, not one with the first few thousand.
   */
  async #step(last: boolean): Promise<TickResult & { read: number }> {
    const { store } = this.#o;
    const cur = await store.cursor();
    const rows = await this.#o.findings.findingsAfter(cur.afterId, this.#batch);
    const seen = new Set(cur.seen);
    const fresh = rows.filter((r) => !seen.has(r.id));
    const now = this.#o.clock.now();

    const alerts = new Map<string, AlertRecord>();
    const silenced = new Map<number, number>();
    const work: { f: StoredFindingLike; route: RouteSpec; key: string }[] = [];
    let old = 0;
    if (fresh.length > 0) {
      const silences = await store.activeSilences(now);
      const keysByRoute = new Map<string, Set<string>>();
      for (const f of fresh) {
        if (now - f.time > this.#o.maxAgeMs) {
          old++;
          continue;
        }
        const s = silencedBy(silences, f, now);
        if (s !== undefined) {
          silenced.set(s.id, (silenced.get(s.id) ?? 0) + 1);
          continue;
        }
        for (const route of routesFor(this.#o.routes, f)) {
          const key = groupKeyOf(route, f);
          work.push({ f, route, key });
          let ks = keysByRoute.get(route.name);
          if (!ks) keysByRoute.set(route.name, (ks = new Set()));
          ks.add(key);
        }
      }
      for (const [route, keys] of keysByRoute) {
        const existing = await store.openAlerts(route, [...keys], now - this.#o.resolveTimeoutMs);
        for (const a of existing) alerts.set(keyOf(a.route, a.groupKey), a);
      }
      for (const { f, route, key } of work) {
        const k = keyOf(route.name, key);
        const a = alerts.get(k);
        alerts.set(k, a ? addToAlert(a, route, f, now) : openAlert(route, key, f, now, this.#uid()));
      }
    }
    for (const a of await store.dueAlerts(now, 500)) {
      const k = keyOf(a.route, a.groupKey);
      if (!alerts.has(k)) alerts.set(k, a);
    }
    const idle = { findings: 0, queued: 0, conflict: false, read: rows.length };
    if (fresh.length === 0 && alerts.size === 0 && cur.seen.length === 0) return idle;

    const outbox: NewOutbox[] = [];
    const draining = rows.length === this.#batch && !last;
    for (const [k, a] of alerts) {
      if (draining) continue;
      const route = this.#routes.get(a.route);
      if (route === undefined || now - a.updatedAt > this.#o.resolveTimeoutMs) {
        // Its route left the config, or it went quiet long ago: nothing more to say.
        if (a.nextAt !== null) alerts.set(k, { ...a, nextAt: null });
        continue;
      }
      const r = flush(a, route, now);
      alerts.set(k, r.alert);
      if (r.kind === null) continue;
      const message = alertMessage(r.alert, r.kind, r.alert.seq, a.notifiedCount, this.#o.context);
      for (const channel of route.channels ?? this.#o.channels)
        outbox.push({ alertUid: r.alert.uid, channel, message, nextAt: now });
    }

    const cursor = advance(
      cur,
      fresh.map((f) => f.id),
      this.#gaps,
      now,
      this.#o.gapGraceMs,
    );
    if (
      alerts.size === 0 &&
      cursor.afterId === cur.afterId &&
      cursor.seen.length === cur.seen.length &&
      silenced.size === 0
    )
      return idle;
    const ok = await store.commitDispatch({
      version: cur.version,
      cursor,
      alerts: [...alerts.values()],
      outbox,
      silenced: [...silenced].map(([id, count]) => ({ id, count })),
    });
    if (!ok) {
      this.#o.logger.debug({}, 'another dispatcher moved the cursor first; retrying');
      return { findings: 0, queued: 0, conflict: true, read: rows.length };
    }
    if (old > 0) this.#o.logger.info({ old }, 'findings older than alerts.maxAge recorded without a message');
    return { findings: fresh.length, queued: outbox.length, conflict: false, read: rows.length };
  }
}

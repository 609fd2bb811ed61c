// What the alerts subsystem needs from the outside: a durable store for its own state
// (dispatch cursor, alerts, outbox, silences, channel health) and channels that carry a
// message to the owner.
//
// Ownership and idempotency: the dispatcher is the only writer of alerts and of new outbox
// rows for them; `commitDispatch` writes them together with the cursor in one transaction and
// refuses (returns false) when the cursor moved since it was read, so two dispatchers (two
// processes on one database) never queue the same finding twice. The sender owns an outbox
// row only while its lease runs; a row whose lease ran out (the sender died) is claimed again,
// so delivery is at least once and every message carries its idempotency key. Retries of
// failed deliveries are scheduled by the sender (`markRetry`), never inside a channel.

import type { Finding, Severity } from '../detect/index.ts';

/** The slice of a stored finding that alerts read. */
export interface StoredFindingLike extends Finding {
  id: number;
}

/** Where new findings come from: the traffic store's findings table, read by id (logs' EventStore fits). */
export interface FindingSource {
  findingsAfter(afterId: number, limit: number): Promise<StoredFindingLike[]>;
}

export type AlertStatus = 'open' | 'acked';

/** One alert: a group of findings (one route, one group key) told to the owner as one story. */
export interface AlertRecord {
  /** Store id; 0 for an alert not stored yet. */
  id: number;
  /** Random, stable: the base of the idempotency keys of its messages. */
  uid: string;
  route: string;
  groupKey: string;
  status: AlertStatus;
  rule: string;
  category: string;
  /** Highest severity seen in the group. */
  severity: Severity;
  ip: string | null;
  user: string | null;
  service: string | null;
  /** Message of the first finding (attacker-influenced: escape when shown). */
  message: string;
  /** First evidence lines of the group (at most a few; attacker-controlled). */
  evidence: string[];
  count: number;
  /** `count` when the last message was queued. */
  notifiedCount: number;
  /** Messages queued so far (the next one gets `seq + 1`). */
  seq: number;
  firstFindingId: number;
  lastFindingId: number;
  /** Times of the first and last finding (event time). */
  firstAt: number;
  lastAt: number;
  /** Dispatcher clock: when the alert was opened and last got a finding. */
  openedAt: number;
  updatedAt: number;
  /** When the next message is due; null when nothing is pending. */
  nextAt: number | null;
  lastNotifiedAt: number | null;
  ackedAt: number | null;
}

/** The message as queued: everything a template needs, frozen at queue time. */
export interface AlertMessage {
  kind: 'alert' | 'update' | 'reminder' | 'channel-failing' | 'channel-recovered' | 'test';
  /** Idempotency key: equal keys are the same message delivered again. */
  key: string;
  /** Filled from the outbox row when sending. */
  alertId: number | null;
  seq: number;
  site: string;
  host: string;
  route: string;
  title: string;
  summary: string;
  severity: Severity;
  rule: string;
  category: string;
  service: string | null;
  ip: string | null;
  user: string | null;
  count: number;
  /** Findings since the previous message of this alert. */
  newCount: number;
  firstAt: string;
  lastAt: string;
  evidence: string[];
  /** Commands to look further. */
  commands: string[];
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NewOutbox {
  /** The alert it belongs to, by uid (the store resolves new alerts' ids). */
  alertUid: string | null;
  channel: string;
  message: AlertMessage;
  nextAt: number;
}

export interface OutboxItem {
  id: number;
  alertId: number | null;
  channel: string;
  key: string;
  message: AlertMessage;
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  nextAt: number;
  leaseUntil: number | null;
  sentAt: number | null;
  lastError: string | null;
  /** Claim token: only the claimer may settle the row. */
  token: string | null;
}

/** Where the dispatcher stands in the findings table. */
export interface DispatchCursor {
  /** Every finding id up to this one is handled. */
  afterId: number;
  /** Handled ids above `afterId` (only while an id below them is missing: a transaction still open elsewhere). */
  seen: number[];
  /** Bumped on every commit; a commit with a stale version is refused. */
  version: number;
}

export interface DispatchCommit {
  version: number;
  cursor: { afterId: number; seen: number[] };
  /** Alerts to insert (id 0) or update. */
  alerts: AlertRecord[];
  outbox: NewOutbox[];
  /** Findings muted per silence id. */
  silenced: { id: number; count: number }[];
}

export interface SilenceMatch {
  rule?: string;
  category?: string;
  severity?: string;
  ip?: string;
  user?: string;
  service?: string;
  groupKey?: string;
}

export interface Silence {
  id: number;
  match: SilenceMatch;
  startsAt: number;
  endsAt: number;
  comment: string | null;
  createdAt: number;
  /** Findings muted so far. */
  muted: number;
}

export interface ChannelHealth {
  channel: string;
  consecutiveFailures: number;
  /** First failure of the current run of failures. */
  failingSince: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
  /** Whether the owner was told the channel is broken (and not yet that it recovered). */
  reported: boolean;
}

export interface AlertQuery {
  status?: AlertStatus;
  since?: number;
  limit: number;
}

export interface OutboxStore {
  /** Creates tables (idempotent). */
  init(): Promise<void>;

  // dispatcher
  cursor(): Promise<DispatchCursor>;
  /** Open alerts of a route with these group keys, updated since `since`. */
  openAlerts(route: string, keys: readonly string[], since: number): Promise<AlertRecord[]>;
  /** Open alerts whose next message is due at `now`. */
  dueAlerts(now: number, limit: number): Promise<AlertRecord[]>;
  activeSilences(now: number): Promise<Silence[]>;
  /** One transaction: alerts, outbox rows, silence counters and the cursor. False when the cursor moved meanwhile. */
  commitDispatch(c: DispatchCommit): Promise<boolean>;

  // sender
  /** Takes up to `limit` due rows (pending and due, or sending with an expired lease) for `leaseMs`. */
  claim(now: number, leaseMs: number, limit: number): Promise<OutboxItem[]>;
  /** Earliest time a pending row becomes due, or null when none. */
  nextDue(): Promise<number | null>;
  markSent(id: number, token: string, now: number): Promise<boolean>;
  markRetry(id: number, token: string, nextAt: number, error: string): Promise<void>;
  markFailed(id: number, token: string, now: number, error: string): Promise<void>;
  /** Updates a channel's failure count after an attempt and returns its state. */
  recordAttempt(channel: string, ok: boolean, now: number, error: string | null): Promise<ChannelHealth>;
  setReported(channel: string, reported: boolean): Promise<void>;
  channelHealth(): Promise<ChannelHealth[]>;
  /** Oldest undelivered row per channel. */
  oldestUndelivered(): Promise<{ channel: string; createdAt: number }[]>;
  /** A stand-alone alert (a broken channel, a test) with its outbox rows, in one transaction. */
  addAlert(alert: AlertRecord, outbox: NewOutbox[]): Promise<number>;

  // people
  listAlerts(q: AlertQuery): Promise<AlertRecord[]>;
  getAlert(id: number): Promise<AlertRecord | null>;
  outboxOf(alertId: number): Promise<OutboxItem[]>;
  ack(id: number, now: number): Promise<boolean>;
  addSilence(s: Omit<Silence, 'id' | 'muted'>): Promise<number>;
  listSilences(now: number, includeExpired: boolean): Promise<Silence[]>;
  /** Ends a silence now. */
  expireSilence(id: number, now: number): Promise<boolean>;
  outboxCounts(): Promise<Record<OutboxStatus, number>>;
}

/** A rendered message, ready for one channel. */
export interface Rendered {
  subject: string;
  text: string;
  html: string;
  /** Short text for chat (Slack/Mattermost markdown, escaped). */
  chat: string;
  /** Short plain text for push notifications. */
  push: string;
}

/** Delivery failure classes: transient ones are retried, permanent ones fail the row at once. */
export interface DeliveryError {
  transient: boolean;
  message: string;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  /**
   * Delivers one message; resolves when the far end accepted it. Throws an AppError whose
   * `transient` flag says whether a retry can help (5xx, timeouts, refused connections, SMTP
   * 4xx) or not (4xx, SMTP 5xx, bad config). Never retries by itself.
   */
  send(message: AlertMessage, rendered: Rendered): Promise<void>;
  close?(): Promise<void>;
}

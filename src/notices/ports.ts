// The interfaces the notices subsystem needs from the outside: where audiences are kept
// (AudienceStore, SQLite or PostgreSQL) and how customers are read from the shop's own
// database (CustomerReader, read-only). Adapters in src/adapters implement them.

/** One person to notify, as imported; `key` is the normalised address (see address.ts). */
export interface Recipient {
  key: string;
  email: string;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  region: string | null;
  /** Jurisdiction code for the obligations engine (US-CA, EU-DE, GB...), null when unknown. */
  jurisdiction: string | null;
  /** Where it came from: `line 12` of a CSV, `customer 4711` of a shop. */
  source: string;
  /** Further columns, kept for templates (string values only). */
  extra: Record<string, string>;
}

export type ProblemKind = 'invalid' | 'duplicate';

/** An input row not taken into the audience, and why. Never holds the address itself. */
export interface AudienceProblem {
  kind: ProblemKind;
  /** `line 12`, `customer 4711`. */
  source: string;
  message: string;
}

export interface AudienceInfo {
  id: number;
  name: string;
  /** What it was built from: `csv customers.csv`, `shop magento2`. */
  origin: string;
  createdAt: string;
  recipients: number;
  invalid: number;
  duplicates: number;
}

export interface JurisdictionCount {
  jurisdiction: string | null;
  count: number;
}

/**
 * Keeps audiences. Owns recipient uniqueness: (audience, key) is unique, and `addBatch`
 * reports every recipient whose key is already in the audience as a duplicate instead of
 * storing it. Each batch is one transaction, so an interrupted import keeps whole batches.
 */
export interface AudienceStore {
  createAudience(name: string, origin: string): Promise<AudienceInfo>;
  /** Adds recipients and problems; returns the recipients refused as duplicates (by index in `recipients`). */
  addBatch(
    audienceId: number,
    recipients: readonly Recipient[],
    problems: readonly AudienceProblem[],
  ): Promise<{ duplicates: number[] }>;
  audience(idOrName: string): Promise<AudienceInfo | null>;
  audiences(): Promise<AudienceInfo[]>;
  byJurisdiction(audienceId: number): Promise<JurisdictionCount[]>;
  problems(audienceId: number, limit: number): Promise<AudienceProblem[]>;
  /** Recipients in import order, a page at a time (after the given position). */
  recipients(audienceId: number, after: number, limit: number): Promise<{ pos: number; recipient: Recipient }[]>;
}

/** A customer as a shop database preset returns it (all text; null when empty). */
export interface CustomerRow {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  region: string | null;
}

/** Reads customers from the shop's database, read-only, streamed in key order. */
export interface CustomerReader {
  customers(query: CustomerQuery, batchSize: number): AsyncIterable<CustomerRow>;
  close(): Promise<void>;
}

export type ShopPreset = 'magento2' | 'woocommerce' | 'prestashop' | 'custom';

/** Which customers: the incident's facts narrow the audience (all unset: everyone). */
export interface CustomerScope {
  createdFrom?: string;
  createdTo?: string;
  activeFrom?: string;
  activeTo?: string;
  hasCard?: boolean;
  hasPassword?: boolean;
}

export interface CustomerQuery {
  preset: ShopPreset;
  scope: CustomerScope;
  /** Table prefix (WooCommerce `wp_`, PrestaShop `ps_`); default per preset. */
  prefix?: string;
  /** `custom`: a SELECT returning id, email and optionally first_name, last_name, country, region. */
  sql?: string;
}

// ---- campaigns and sending ------------------------------------------------------------------

/** One message to one recipient, rendered; the mailer adds the envelope and headers. */
export interface OutgoingNotice {
  to: { name: string | null; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The campaign's name, for the `X-Ripcord-Campaign` header. */
  campaign: string;
}

/**
 * transient: not taken, try later (4xx, connection trouble before the message's end); permanent:
 * refused for good (5xx); uncertain: the connection broke after the message's end was written,
 * so the relay may have it; fatal: the relay refuses us (authentication, TLS): stop the send.
 */
export type SendFailureKind = 'transient' | 'permanent' | 'uncertain' | 'fatal';

export class SendFailure extends Error {
  readonly kind: SendFailureKind;
  /** The relay's status (`421 4.7.0`), never its full text (it can quote the address). */
  readonly reply: string | null;
  /** relay: the relay as a whole is unreachable or busy (connect failed, 421): back off, the row is not to blame. */
  readonly scope: 'message' | 'relay';
  constructor(kind: SendFailureKind, message: string, reply: string | null, scope: 'message' | 'relay' = 'message') {
    super(message);
    this.name = 'SendFailure';
    this.kind = kind;
    this.reply = reply;
    this.scope = scope;
  }
}

/** Sends notices over SMTP; throws SendFailure. */
export interface NoticeMailer {
  /**
   * Sends one message. `beforeEnd` is awaited just before the message's end is written: the
   * last moment at which the relay certainly does not have it. Resolves with the relay's reply.
   */
  send(m: OutgoingNotice, beforeEnd: () => Promise<void>): Promise<{ reply: string }>;
  close(): Promise<void>;
}

/** A row the sender took, with what it needs to render and send. */
export interface ClaimedNotice {
  id: number;
  attempts: number;
  variant: string;
  recipient: Recipient;
}

export interface OutboxCounts {
  pending: number;
  claimed: number;
  sending: number;
  sent: number;
  failed: number;
  uncertain: number;
}

/** One row of the evidence export. Holds the address: written only where the owner asks. */
export interface OutboxRecord {
  id: number;
  email: string;
  name: string | null;
  jurisdiction: string | null;
  variant: string;
  status: string;
  attempts: number;
  messageId: string | null;
  reply: string | null;
  sentAt: number | null;
  lastError: string | null;
}

/** Who is sending a campaign now: one sender per campaign, taken over only when it is gone. */
export interface SenderLock {
  token: string;
  host: string;
  pid: number;
  heartbeat: number;
}

/**
 * Keeps campaigns and their outbox. Owns the unique key (notice version, address): a recipient
 * gets one message per notice version whatever the campaigns and audiences say.
 */
export interface NoticeStore {
  createCampaign(c: NewCampaign): Promise<CampaignRecord>;
  /**
   * Adds outbox rows of one variant (idempotent); `version` is that variant's notice version
   * (its template and the values): rows whose (version, address) exists already are skipped.
   */
  fillOutbox(
    campaignId: number,
    version: string,
    rows: readonly { pos: number; key: string; variant: string }[],
  ): Promise<void>;
  campaign(idOrName: string): Promise<CampaignRecord | null>;
  campaigns(): Promise<CampaignRecord[]>;
  /** Sets the status when it is one of `from`; returns whether it did. */
  setStatus(id: number, status: CampaignRecord['status'], from: readonly CampaignRecord['status'][]): Promise<boolean>;
  setSkipped(id: number, skipped: number): Promise<void>;
  /** Takes the sender lock when it is free or `stale` is the lock there now; returns whether it did. */
  lock(id: number, mine: SenderLock, stale: SenderLock | null): Promise<boolean>;
  heartbeat(id: number, token: string, at: number): Promise<boolean>;
  unlock(id: number, token: string): Promise<void>;
  /** A dead sender's rows: claimed → pending, sending → uncertain. Returns how many became uncertain. */
  recover(campaignId: number, token: string): Promise<number>;
  /** Up to `limit` due pending rows (by id) become claimed by `token`, while the campaign is sending. */
  claim(campaignId: number, token: string, now: number, limit: number): Promise<ClaimedNotice[]>;
  markSending(id: number, token: string, messageId: string): Promise<void>;
  markSent(id: number, token: string, reply: string, at: number): Promise<void>;
  /** Back to pending, to try at `nextAt`; `counted` false gives back the attempt (the row was not tried). */
  release(id: number, token: string, nextAt: number, error: string | null, counted?: boolean): Promise<void>;
  /** Makes every pending row due now (resume: the owner says try again). */
  dueNow(campaignId: number, now: number): Promise<void>;
  markFailed(id: number, token: string, error: string, reply: string | null): Promise<void>;
  markUncertain(id: number, token: string, error: string): Promise<void>;
  /** Settles an uncertain row: the relay had it (sent) or not (pending). */
  settle(id: number, outcome: 'sent' | 'pending', reply: string, at: number): Promise<void>;
  uncertain(campaignId: number, afterId: number, limit: number): Promise<{ id: number; messageId: string | null }[]>;
  counts(campaignId: number): Promise<OutboxCounts>;
  byVariant(campaignId: number): Promise<{ variant: string; status: string; count: number }[]>;
  /** When the next pending row is due (null: none). */
  nextDue(campaignId: number): Promise<number | null>;
  records(campaignId: number, afterId: number, limit: number): Promise<OutboxRecord[]>;
  /** First and last acceptance, for the incident timeline. */
  sentSpan(campaignId: number): Promise<{ first: number; last: number } | null>;
}

export interface NewCampaign {
  name: string;
  audienceId: number;
  template: string;
  variants: Record<string, string>;
  sources: Record<string, string>;
  values: Record<string, unknown>;
  version: string;
  incident: string | null;
}

export interface CampaignRecord extends NewCampaign {
  id: number;
  status: 'creating' | 'ready' | 'sending' | 'paused' | 'done';
  createdAt: string;
  skipped: number;
  sender: SenderLock | null;
}

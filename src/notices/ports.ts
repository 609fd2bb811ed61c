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

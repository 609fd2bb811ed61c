// Branded ids: plain strings/numbers at run time, distinct types at compile time, so a
// snapshot id can never be passed where an alert id is expected.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SourceId = Brand<string, 'SourceId'>;
export type EventId = Brand<number, 'EventId'>;
export type FindingId = Brand<number, 'FindingId'>;
export type AlertId = Brand<number, 'AlertId'>;
export type SnapshotId = Brand<string, 'SnapshotId'>;
export type BlobId = Brand<string, 'BlobId'>;
export type RuleId = Brand<string, 'RuleId'>;
export type IncidentId = Brand<string, 'IncidentId'>;
export type CampaignId = Brand<string, 'CampaignId'>;

export const sourceId = (s: string): SourceId => s as SourceId;
export const eventId = (n: number): EventId => n as EventId;
export const findingId = (n: number): FindingId => n as FindingId;
export const alertId = (n: number): AlertId => n as AlertId;
export const snapshotId = (s: string): SnapshotId => s as SnapshotId;
export const blobId = (s: string): BlobId => s as BlobId;
export const ruleId = (s: string): RuleId => s as RuleId;
export const incidentId = (s: string): IncidentId => s as IncidentId;
export const campaignId = (s: string): CampaignId => s as CampaignId;

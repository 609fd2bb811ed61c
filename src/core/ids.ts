// Branded ids: plain strings/numbers at run time, distinct types at compile time, so a
// snapshot id can never be passed where another id is expected. Add a brand here when a
// second kind of id needs keeping apart.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type SnapshotId = Brand<string, 'SnapshotId'>;

export const snapshotId = (s: string): SnapshotId => s as SnapshotId;

// The notices subsystem's public face: audiences (CSV or the shop's database, with each
// recipient's jurisdiction) and the ports its adapters implement. Templates, campaigns and
// sending are not built yet (issue 10).

export { checkAddress, type AddressCheck } from './address.ts';
export { fromCsv, fromShop, importAudience, type ImportOptions } from './audience.ts';
export { readCsv, recipientFields, type CsvEncoding, type RecipientField } from './csv.ts';
export { pageSql, presetSql, type PresetSql } from './shop-presets.ts';
export { countryCode, placeOf, usStateCode, type Place } from './jurisdiction.ts';
export type {
  AudienceInfo,
  AudienceProblem,
  AudienceStore,
  CustomerQuery,
  CustomerReader,
  CustomerRow,
  CustomerScope,
  JurisdictionCount,
  ProblemKind,
  Recipient,
  ShopPreset,
} from './ports.ts';
export {
  lintNotice,
  parseTemplate,
  renderNotice,
  type ContentRequirements,
  type LintGap,
  type NoticeTemplate,
  type RenderedNotice,
} from './templates.ts';

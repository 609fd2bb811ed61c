// The notices subsystem's public face: audiences (CSV or the shop's database, with each
// recipient's jurisdiction), templates (preview, lint, compiled rendering), campaigns and their
// outbox, the sender, and the ports its adapters implement.

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
  compileNotice,
  type NoticeRenderer,
  lintNotice,
  parseTemplate,
  renderNotice,
  type ContentRequirements,
  type LintGap,
  type NoticeTemplate,
  type RenderedNotice,
} from './templates.ts';
export {
  AUTO_VARIANTS,
  chooseVariant,
  headerSafe,
  MAX_ATTEMPTS,
  noticeMessageId,
  noticeVersion,
  OUTBOX_STATUSES,
  relayLogRows,
  retryDelayMs,
  testMessageId,
  type OutboxStatus,
} from './campaign.ts';
export {
  recipientVars,
  recoverDeadSender,
  sendCampaign,
  settleUncertain,
  type SendOptions,
  type SendResult,
} from './sender.ts';
export {
  SendFailure,
  type CampaignRecord,
  type ClaimedNotice,
  type NewCampaign,
  type NoticeMailer,
  type NoticeStore,
  type OutboxCounts,
  type OutboxRecord,
  type OutgoingNotice,
  type SendFailureKind,
  type SenderLock,
} from './ports.ts';
export {
  regulatorLetter,
  type Letter,
  type LetterDuty,
  type LetterFacts,
  type SentNotices,
} from './letters.ts';

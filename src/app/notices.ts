// Wiring of customer breach notices: the notices subsystem's audience import over the app's
// store (AudienceStore on SQLite/PostgreSQL), a CSV file stream, and the shop database reader.
// Composition only; the rules live in src/notices. (Moves onto createApp once approot lands.)

import { createReadStream, createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SqlAudienceStore } from '../adapters/db/notices-audience-store.ts';
import { SqlNoticeStore } from '../adapters/db/notices-outbox-store.ts';
import { createNoticeMailer, type NoticeMailerOptions } from '../adapters/mail/notices.ts';
import { openCustomerReader } from '../adapters/shopdb/customers.ts';
import { AppError } from '../core/errors.ts';
import {
  AUTO_VARIANTS,
  chooseVariant,
  compileNotice,
  noticeVersion,
  headerSafe,
  recipientVars,
  recoverDeadSender,
  SendFailure,
  relayLogRows,
  sendCampaign,
  settleUncertain,
  testMessageId,
  type CampaignRecord,
  type NoticeRenderer,
  type OutboxCounts,
  type SendResult,
  fromCsv,
  fromShop,
  importAudience,
  lintNotice,
  parseTemplate,
  readCsv,
  renderNotice,
  type LintGap,
  type NoticeTemplate,
  type RenderedNotice,
  type AudienceInfo,
  type AudienceProblem,
  type CsvEncoding,
  type CustomerScope,
  type JurisdictionCount,
  type Recipient,
  type RecipientField,
  type ShopPreset,
} from '../notices/index.ts';
import type { App } from './context.ts';
import { contentRequirements } from './obligations.ts';

export type {
  AudienceInfo,
  AudienceProblem,
  CsvEncoding,
  CustomerScope,
  JurisdictionCount,
  Recipient,
  RecipientField,
  ShopPreset,
};
export { recipientFields } from '../notices/index.ts';

async function audienceStore(app: App): Promise<SqlAudienceStore> {
  const s = new SqlAudienceStore(await app.db(), () => app.clock.now());
  await s.init();
  return s;
}

export interface CsvImport {
  file: string;
  encoding: CsvEncoding;
  map: Partial<Record<RecipientField, string>>;
}

export interface ShopImport {
  url: string;
  preset: ShopPreset;
  scope: CustomerScope;
  prefix?: string;
  sql?: string;
}

export interface AudienceReport {
  audience: AudienceInfo;
  jurisdictions: JurisdictionCount[];
  problems: AudienceProblem[];
}

export async function importCsvAudience(
  app: App,
  name: string,
  o: CsvImport,
  onProgress?: (rows: number) => void,
): Promise<AudienceInfo> {
  const store = await audienceStore(app);
  const stream = createReadStream(o.file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) =>
      reject(new AppError('not_found', `cannot read the CSV file: ${e.message}`, { where: o.file })),
    );
  });
  await opened;
  const items = fromCsv(readCsv(stream, { encoding: o.encoding, map: o.map, where: o.file }));
  return importAudience(store, name, `csv ${basename(o.file)}`, items, onProgress ? { onProgress } : {});
}

export async function importShopAudience(
  app: App,
  name: string,
  o: ShopImport,
  onProgress?: (rows: number) => void,
): Promise<AudienceInfo> {
  const store = await audienceStore(app);
  const reader = await openCustomerReader(o.url);
  try {
    const q = {
      preset: o.preset,
      scope: o.scope,
      ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
      ...(o.sql !== undefined ? { sql: o.sql } : {}),
    };
    return await importAudience(
      store,
      name,
      `shop ${o.preset}`,
      fromShop(reader.customers(q, 2000)),
      onProgress ? { onProgress, batchSize: 2000 } : { batchSize: 2000 },
    );
  } finally {
    await reader.close();
  }
}

/** A recipient of an audience by position (`1` = first) or by address; null when there is none. */
async function findRecipient(store: SqlAudienceStore, audienceId: number, want: string): Promise<Recipient | null> {
  const n = /^\d+$/.test(want) ? Number(want) : 0;
  const key = want.toLowerCase();
  let seen = 0;
  for (let after = 0; ; ) {
    const page = await store.recipients(audienceId, after, 1000);
    if (page.length === 0) return null;
    for (const p of page) {
      seen++;
      if ((n > 0 && seen === n) || (n === 0 && p.recipient.key === key)) return p.recipient;
    }
    after = page[page.length - 1]?.pos ?? after;
  }
}

async function mustFind(store: SqlAudienceStore, idOrName: string): Promise<AudienceInfo> {
  const a = await store.audience(idOrName);
  if (a === null)
    throw new AppError('not_found', `no audience "${idOrName}" (see \`ripcord notices audience list\`)`, {
      where: 'notices audience',
    });
  return a;
}

export async function audienceReport(app: App, idOrName: string, problemLimit: number): Promise<AudienceReport> {
  const store = await audienceStore(app);
  const audience = await mustFind(store, idOrName);
  return {
    audience,
    jurisdictions: await store.byJurisdiction(audience.id),
    problems: await store.problems(audience.id, problemLimit),
  };
}

export async function listAudiences(app: App): Promise<AudienceInfo[]> {
  return (await audienceStore(app)).audiences();
}

export async function audienceRecipients(
  app: App,
  idOrName: string,
  limit: number,
): Promise<{ audience: AudienceInfo; recipients: Recipient[] }> {
  const store = await audienceStore(app);
  const audience = await mustFind(store, idOrName);
  const page = await store.recipients(audience.id, 0, limit);
  return { audience, recipients: page.map((p) => p.recipient) };
}

// ---- templates: preview and lint -------------------------------------------------------------

/** The shipped notices (templates/notices/NAME.md). */
export const shippedNotices = resolve(import.meta.dirname, '../../templates/notices');

export function noticeTemplateNames(): string[] {
  return readdirSync(shippedNotices)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** A shipped template by name, or an owner's template file (a path ending in .md). */
function loadTemplate(nameOrFile: string): NoticeTemplate {
  const file = nameOrFile.endsWith('.md') ? nameOrFile : join(shippedNotices, `${nameOrFile}.md`);
  if (!nameOrFile.endsWith('.md') && !/^[a-z0-9-]+$/.test(nameOrFile))
    throw new AppError('usage', `no such template: ${nameOrFile} (shipped: ${noticeTemplateNames().join(', ')})`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AppError('not_found', `no such template (shipped: ${noticeTemplateNames().join(', ')})`, {
      where: file,
    });
  }
  return parseTemplate(file, text);
}

/** The notice values file (shop:, incident:), a YAML mapping. */
export function readNoticeValues(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('parse', `cannot read the notice values: ${e instanceof Error ? e.message : String(e)}`, {
      where: file,
    });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new AppError('parse', 'the notice values file must be a mapping (shop:, incident:)', { where: file });
  return v as Record<string, unknown>;
}

export const exampleVars = join(shippedNotices, 'example-vars.yml');

const sampleRecipient = { name: 'Alex Sample', firstName: 'Alex', lastName: 'Sample', email: 'alex@example.com' };

export interface PreviewOptions {
  template: string;
  varsFile: string;
  audience?: string;
  /** Position in the audience (1 = first) or the address. */
  recipient?: string;
}

export async function previewNotice(app: App | null, o: PreviewOptions): Promise<RenderedNotice> {
  const t = loadTemplate(o.template);
  let recipient: Record<string, unknown> = sampleRecipient;
  if (o.audience !== undefined && app !== null) {
    const store = await audienceStore(app);
    const a = await mustFind(store, o.audience);
    const want = o.recipient ?? '1';
    const found = await findRecipient(store, a.id, want);
    if (found === null) throw new AppError('not_found', `no recipient ${want} in audience ${a.name}`);
    recipient = { ...found.extra, ...found, name: found.name ?? found.email };
  }
  return renderNotice(t, { ...readNoticeValues(o.varsFile), recipient });
}

export interface LintResult {
  template: string;
  jurisdictions: string[];
  gaps: (LintGap | { kind: 'placeholder'; jurisdiction: '-'; element: '-'; message: string })[];
}

export async function lintTemplate(template: string, codes: readonly string[], varsFile: string): Promise<LintResult> {
  const t = loadTemplate(template);
  const req = contentRequirements(codes);
  let rendered: RenderedNotice;
  try {
    rendered = await renderNotice(t, { ...readNoticeValues(varsFile), recipient: sampleRecipient });
  } catch (e) {
    if (e instanceof AppError && e.code === 'parse')
      return {
        template,
        jurisdictions: req.jurisdictions,
        gaps: [{ kind: 'placeholder', jurisdiction: '-', element: '-', message: e.message }],
      };
    throw e;
  }
  return { template, jurisdictions: req.jurisdictions, gaps: lintNotice(t, rendered, req) };
}

// ---- campaigns and sending -----------------------------------------------------------------------

async function noticeStore(app: App): Promise<SqlNoticeStore> {
  const s = new SqlNoticeStore(await app.db(), () => app.clock.now());
  await s.init();
  return s;
}

export interface CampaignOptions {
  name?: string;
  audience: string;
  /** A template name or file, or `auto` (by each recipient's jurisdiction). */
  template: string;
  /** `JURISDICTION=TEMPLATE` overrides on top of auto (or of the single template). */
  variants?: Record<string, string>;
  /** The notice values (shop:, incident:); default `notices.values` in the config. */
  valuesFile?: string;
  incident?: string;
}

export interface CampaignView {
  campaign: CampaignRecord;
  audience: string;
  counts: OutboxCounts;
  variants: { variant: string; status: string; count: number }[];
  span: { first: number; last: number } | null;
}

/** The notice values file given, else `notices.values` of the config, resolved; null when neither is set. */
export function noticeValuesFile(app: App, given: string | undefined): string | null {
  const f = given ?? app.config.notices.values;
  return f === undefined ? null : resolve(app.baseDir, f);
}

async function mustCampaign(store: SqlNoticeStore, idOrName: string): Promise<CampaignRecord> {
  const c = await store.campaign(idOrName);
  if (c === null)
    throw new AppError('not_found', `no campaign "${idOrName}" (see \`ripcord notices campaign list\`)`, {
      where: 'notices campaign',
    });
  return c;
}

/** Creates a campaign and fills its outbox; a campaign left half-filled by a crash is completed. */
export async function createCampaign(
  app: App,
  o: CampaignOptions,
  onProgress?: (rows: number) => void,
): Promise<CampaignView> {
  const audiences = await audienceStore(app);
  const store = await noticeStore(app);
  const audience = await mustFind(audiences, o.audience);
  const variants: Record<string, string> =
    o.template === 'auto' ? { ...AUTO_VARIANTS, ...o.variants } : { ...o.variants, '*': o.template };
  const sources: Record<string, string> = {};
  for (const t of new Set(Object.values(variants))) {
    const tpl = loadTemplate(t);
    sources[t] = `---\n${stringifyYaml(tpl.meta)}---\n${tpl.body}`;
  }
  const valuesFile = noticeValuesFile(app, o.valuesFile);
  if (valuesFile === null)
    throw new AppError('usage', 'no notice values: give --values FILE or set notices.values in the config', {
      where: 'notices campaign',
    });
  const values = readNoticeValues(valuesFile);
  if (o.incident !== undefined) {
    const inc = await (await app.incidents()).get(o.incident);
    if (inc === null) throw new AppError('not_found', `no incident ${o.incident}`, { where: 'notices campaign' });
  }
  // the lint's placeholder check, before anything is stored: a notice that cannot render is refused
  for (const [name, src] of Object.entries(sources))
    await renderNotice(parseTemplate(name, src), { ...values, recipient: sampleRecipient });
  const version = noticeVersion(sources, values);
  const name = o.name ?? `${audience.name}-${version.slice(0, 8)}`;
  let c = await store.campaign(name);
  if (c !== null && c.status !== 'creating')
    throw new AppError('conflict', `a campaign named "${name}" exists already`, { where: 'notices campaign' });
  c ??= await store.createCampaign({
    name,
    audienceId: audience.id,
    template: o.template,
    variants,
    sources,
    values,
    version,
    incident: o.incident ?? null,
  });
  let after = 0;
  let rows = 0;
  for (;;) {
    const page = await audiences.recipients(audience.id, after, 2000);
    if (page.length === 0) break;
    // the unique key is each variant's own version: someone who had this very notice is
    // skipped, someone who had another variant of it (moved, corrected) is not
    const byVariant = new Map<string, { pos: number; key: string; variant: string }[]>();
    for (const p of page) {
      const variant = chooseVariant(p.recipient.jurisdiction, variants);
      const list = byVariant.get(variant) ?? [];
      list.push({ pos: p.pos, key: p.recipient.key, variant });
      byVariant.set(variant, list);
    }
    for (const [variant, list] of byVariant)
      await store.fillOutbox(c.id, noticeVersion({ [variant]: c.sources[variant] ?? '' }, c.values), list);
    after = page[page.length - 1]?.pos ?? after;
    rows += page.length;
    onProgress?.(rows);
  }
  const counts = await store.counts(c.id);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  await store.setSkipped(c.id, audience.recipients - total);
  await store.setStatus(c.id, 'ready', ['creating']);
  return campaignView(app, store, await mustCampaign(store, String(c.id)));
}

async function campaignView(app: App, store: SqlNoticeStore, c: CampaignRecord): Promise<CampaignView> {
  const audience = await (await audienceStore(app)).audience(String(c.audienceId));
  return {
    campaign: c,
    audience: audience?.name ?? String(c.audienceId),
    counts: await store.counts(c.id),
    variants: await store.byVariant(c.id),
    span: await store.sentSpan(c.id),
  };
}

export async function listCampaigns(app: App): Promise<CampaignView[]> {
  const store = await noticeStore(app);
  return Promise.all((await store.campaigns()).map((c) => campaignView(app, store, c)));
}

export async function campaignStatus(app: App, idOrName: string): Promise<CampaignView> {
  const store = await noticeStore(app);
  return campaignView(app, store, await mustCampaign(store, idOrName));
}

function mailerOptions(app: App, connections: number): NoticeMailerOptions {
  const n = app.config.notices;
  if (n.smtp === undefined || n.from === undefined)
    throw new AppError('config_invalid', 'notices need a relay: set notices.smtp (host, port, tls) and notices.from', {
      where: 'notices',
    });
  return { smtp: n.smtp, from: n.from, replyTo: n.replyTo, unsubscribe: n.unsubscribe, dkim: n.dkim, connections };
}

function renderersOf(c: CampaignRecord): Map<string, NoticeRenderer> {
  const out = new Map<string, NoticeRenderer>();
  for (const [name, src] of Object.entries(c.sources)) out.set(name, compileNotice(parseTemplate(name, src), c.values));
  return out;
}

export interface SendCampaignOptions {
  rate?: number;
  concurrency?: number;
  noWait?: boolean;
  signal?: AbortSignal;
  onProgress?: (c: OutboxCounts) => void;
  /** Resume only: a relay's log (Postfix, Exim, …) that settles the messages in doubt. */
  relayLog?: string;
  /** Resume only: send the messages in doubt again without a log (the owner's decision). */
  resendUncertain?: boolean;
}

export interface SendReport extends SendResult {
  settled: { sent: number; resend: number; left: number } | null;
}

async function runSend(
  app: App,
  store: SqlNoticeStore,
  c: CampaignRecord,
  o: SendCampaignOptions,
  settled: SendReport['settled'],
): Promise<SendReport> {
  const n = app.config.notices;
  const concurrency = o.concurrency ?? n.concurrency;
  const mailer = await createNoticeMailer(mailerOptions(app, concurrency));
  try {
    const r = await sendCampaign(store, mailer, c, renderersOf(c), {
      rate: o.rate ?? n.rate,
      concurrency,
      retryBaseMs: n.retryDelayMs,
      from: n.from ?? 'localhost',
      now: () => app.clock.now(),
      ...(o.noWait !== undefined ? { noWait: o.noWait } : {}),
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
      ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    });
    return { ...r, settled };
  } finally {
    await mailer.close();
  }
}

/** Sends a ready campaign (or goes on with one being sent whose sender died). */
export async function sendNotices(app: App, idOrName: string, o: SendCampaignOptions): Promise<SendReport> {
  const store = await noticeStore(app);
  const c = await mustCampaign(store, idOrName);
  if (c.status === 'creating')
    throw new AppError('conflict', `campaign ${c.name} is not complete; run \`notices campaign create\` again`);
  if (c.status === 'paused')
    throw new AppError('conflict', `campaign ${c.name} is paused; \`ripcord notices resume ${c.name}\` goes on`);
  mailerOptions(app, 1); // refuse before anything changes when there is no relay
  await store.setStatus(c.id, 'sending', ['ready', 'done']);
  return runSend(app, store, { ...c, status: 'sending' }, o, null);
}

export async function pauseCampaign(app: App, idOrName: string): Promise<CampaignView> {
  const store = await noticeStore(app);
  const c = await mustCampaign(store, idOrName);
  if (!(await store.setStatus(c.id, 'paused', ['sending', 'ready'])) && c.status !== 'paused')
    throw new AppError('conflict', `campaign ${c.name} is ${c.status}; only a campaign being sent can be paused`);
  return campaignView(app, store, await mustCampaign(store, String(c.id)));
}

/** Settles the messages in doubt (relay log, or the owner's word), then goes on sending. */
export async function resumeCampaign(app: App, idOrName: string, o: SendCampaignOptions): Promise<SendReport> {
  const store = await noticeStore(app);
  const c = await mustCampaign(store, idOrName);
  mailerOptions(app, 1);
  let rows: Set<string> | null = null;
  if (o.relayLog !== undefined) {
    rows = new Set();
    try {
      for await (const line of createInterface({ input: createReadStream(o.relayLog), crlfDelay: Infinity }))
        for (const r of relayLogRows(line)) rows.add(r);
    } catch (e) {
      throw new AppError('not_found', `cannot read the relay log: ${(e as Error).message}`, { where: o.relayLog });
    }
  }
  // a dead sender's in-flight rows become uncertain first, so the log can settle them too
  await recoverDeadSender(store, c);
  const settled = await settleUncertain(store, c.id, rows, o.resendUncertain === true, app.clock.now());
  await store.dueNow(c.id, app.clock.now());
  await store.setStatus(c.id, 'sending', ['paused', 'ready', 'done', 'sending']);
  return runSend(app, store, { ...(await mustCampaign(store, String(c.id))), status: 'sending' }, o, settled);
}

/**
 * Sends one recipient's notice (the first, or the one named) to a test address, marked [TEST]:
 * what customers will get, checked in a real mailbox. The outbox is not touched.
 */
export async function testNotice(
  app: App,
  idOrName: string,
  to: string,
  recipient = '1',
): Promise<{ campaign: string; variant: string; reply: string; messageId: string }> {
  const store = await noticeStore(app);
  const c = await mustCampaign(store, idOrName);
  const opts = mailerOptions(app, 1);
  const found = await findRecipient(await audienceStore(app), c.audienceId, recipient);
  if (found === null) throw new AppError('not_found', `no recipient ${recipient} in the campaign's audience`);
  const variant = chooseVariant(found.jurisdiction, c.variants);
  const render = renderersOf(c).get(variant);
  if (render === undefined) throw new AppError('internal', `campaign ${c.name} has no template ${variant}`);
  const r = await render(recipientVars(found));
  const messageId = testMessageId(c.id, app.clock.now(), opts.from);
  const mailer = await createNoticeMailer(opts);
  try {
    const { reply } = await mailer.send(
      {
        to: { name: null, address: to },
        subject: `[TEST] ${headerSafe(r.subject)}`,
        text: r.text,
        html: r.html,
        messageId,
        campaign: c.name,
      },
      async () => {},
    );
    return { campaign: c.name, variant, reply, messageId };
  } catch (e) {
    if (e instanceof SendFailure) throw new AppError('unavailable', `test message not sent: ${e.message}`);
    throw e;
  } finally {
    await mailer.close();
  }
}

const csvCell = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  // a leading = + - @ would be a formula in a spreadsheet: quoted with a leading apostrophe
  const t = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n']/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** The evidence of who was told what, when: one CSV line per outbox row, streamed. */
export async function* exportCampaign(app: App, idOrName: string): AsyncGenerator<string> {
  const store = await noticeStore(app);
  const c = await mustCampaign(store, idOrName);
  yield 'recipient,name,jurisdiction,variant,status,attempts,message_id,smtp_reply,sent_at,last_error\r\n';
  for (let after = 0; ; ) {
    const page = await store.records(c.id, after, 2000);
    if (page.length === 0) return;
    let chunk = '';
    for (const r of page) {
      after = r.id;
      chunk += `${[
        r.email,
        r.name === null ? null : headerSafe(r.name), // as it stood in the To: header
        r.jurisdiction,
        r.variant,
        r.status,
        r.attempts,
        r.messageId,
        r.reply,
        r.sentAt === null ? null : new Date(r.sentAt).toISOString(),
        r.lastError,
      ]
        .map(csvCell)
        .join(',')}\r\n`;
    }
    yield chunk;
  }
}

/** Notices sent for an incident, for its timeline and report: one entry per campaign. */
export async function incidentCampaigns(
  app: App,
  incident: string,
): Promise<
  {
    name: string;
    variants: string[];
    sent: number;
    failed: number;
    uncertain: number;
    span: { first: number; last: number } | null;
  }[]
> {
  const store = await noticeStore(app);
  const out = [];
  for (const c of await store.campaigns()) {
    if (c.incident !== incident) continue;
    const counts = await store.counts(c.id);
    out.push({
      name: c.name,
      variants: Object.keys(c.sources).sort(),
      sent: counts.sent,
      failed: counts.failed,
      uncertain: counts.uncertain,
      span: await store.sentSpan(c.id),
    });
  }
  return out;
}

/** Writes the export to a new file (mode 0600: it holds customer addresses); refuses to overwrite. */
export async function exportCampaignFile(app: App, idOrName: string, file: string): Promise<void> {
  const sink = createWriteStream(file, { mode: 0o600, flags: 'wx' });
  await new Promise<void>((res, rej) => {
    sink.once('open', () => res());
    sink.once('error', (e) => rej(new AppError('io', `cannot write the export: ${e.message}`, { where: file })));
  });
  for await (const chunk of exportCampaign(app, idOrName)) if (!sink.write(chunk)) await once(sink, 'drain');
  sink.end();
  await once(sink, 'finish');
}

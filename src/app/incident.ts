// Application side of the incident record: wires src/incident to the traffic record, the
// findings, the alert outbox, integrity, the repository, backups, the obligations engine and
// the plan's procedures. `declare` freezes the evidence at once; the timeline, checklist,
// status, candidate causes and report are computed from the record each time they are asked
// for, so they show what the subsystems know now.

import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../core/errors.ts';
import { localEvidenceFiles } from '../adapters/evidence/files.ts';
import {
  buildTimeline,
  causesFrom,
  provisionalFacts,
  checklistFor,
  EXPORT_MANIFEST,
  FROZEN_MANIFEST,
  recordEntries,
  reportHtml,
  reportMarkdown,
  seal,
  verifyExport,
  verifySealed,
  type ChecklistStep,
  type CustodyEntry,
  type Evidence,
  type EvidenceFiles,
  type Incident,
  type IncidentSeverity,
  type Timeline,
  type TimelineEntry,
  type TimelineSource,
  type Verification,
} from '../incident/index.ts';
import { readAudit, type Change } from '../integrity/index.ts';
import { who } from '../logs/index.ts';
import { defaultAnswers, goalsFor, parseAnswers, type Answers } from '../plan/index.ts';
import { jurisdictionCodeRe, loadRules, defaultDataDir, type Facts, type Obligation } from '../obligations/index.ts';
import type { App } from './context.ts';
import { regulatorLetter, type Letter } from '../notices/index.ts';
import { integrityCheck, integrityContextIn, whoAmI } from './integrity.ts';
import { assessFacts, readFacts } from './obligations.ts';
import { answersFileFor, readAnswers, readDrills, type Lesson } from './plan.ts';
import { patchList } from './software.ts';

export type { ChecklistStep, Incident, Timeline, TimelineEntry, Verification };

const DAY = 86_400_000;
/** Site files changed since the baseline whose content is copied into the evidence (bytes each). */
const MAX_COPIED_FILE = 10 * 1024 * 1024;
const PAGE = 20_000;

const io: EvidenceFiles = localEvidenceFiles;

const incidentDir = (app: App, id: string) => join(app.config.stateDir, 'incidents', id);
const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export async function getIncident(app: App, id?: string): Promise<Incident> {
  const store = await app.incidents();
  if (id !== undefined) {
    const i = await store.get(id.toUpperCase());
    if (i === null) throw new AppError('not_found', `no incident ${id}`, { details: ['see `ripcord incident list`'] });
    return i;
  }
  const all = await store.list();
  const open = all.find((i) => i.status === 'open');
  if (open !== undefined) return open;
  if (all[0] !== undefined) return all[0];
  throw new AppError('not_found', 'no incident has been declared', {
    details: ['ripcord incident declare --title TEXT'],
  });
}

export async function listIncidents(app: App): Promise<Incident[]> {
  return (await app.incidents()).list();
}

// ---- the shop's particulars: the plan's answers, or defaults for the configured platform

function answersFor(app: App): { answers: Answers; fromPlan: boolean } {
  const file = answersFileFor(app.loaded.file ?? join(app.baseDir, 'ripcord.yml'));
  if (existsSync(file)) return { answers: readAnswers(file), fromPlan: true };
  const platform = app.config.site.platform;
  try {
    return { answers: parseAnswers({ platform }, 'the configured platform'), fromPlan: false };
  } catch {
    return { answers: defaultAnswers(), fromPlan: false };
  }
}

/** The stated facts, else provisional ones from the plan's answers (see incident/causes.ts). */
function factsFor(app: App, i: Incident): { facts: Facts | null; provisional: boolean } {
  if (i.facts !== null) return { facts: i.facts, provisional: false };
  const { answers, fromPlan } = answersFor(app);
  if (!fromPlan) return { facts: null, provisional: true };
  return { facts: provisionalFacts(answers, loadRules(defaultDataDir), i.discoveredAt), provisional: true };
}

export function obligationsOf(app: App, i: Incident): { obligations: Obligation[]; provisional: boolean } {
  const { facts, provisional } = factsFor(app, i);
  if (facts === null) return { obligations: [], provisional };
  return { obligations: assessFacts(facts, { clock: app.clock }).obligations, provisional };
}

// ---- integrity: the file changes since the known-good copy (none without a baseline)

async function fileChanges(app: App): Promise<{ changes: Change[]; gap: string | null }> {
  try {
    const r = await integrityCheck(integrityContextIn(app), { full: false });
    return { changes: r.changes, gap: null };
  } catch (e) {
    return { changes: [], gap: `file changes: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function changeEntry(c: Change, now: number): TimelineEntry {
  const bad = c.findings.map((f) => f.rule);
  return {
    time: c.time ?? now,
    kind: 'file-change',
    source: 'integrity',
    summary: `${c.kinds.join(', ')} ${c.path}${bad.length > 0 ? ` (malicious code: ${[...new Set(bad)].join(', ')})` : ''}`,
    severity: bad.length > 0 ? 'critical' : 'medium',
    requests: c.requests.map((q) => ({ time: q.time, ip: q.ip, method: q.method, path: q.path, status: q.status })),
  };
}

// ---- the timeline's sources, one per subsystem

function sourcesFor(app: App, changes: readonly Change[], incident: string): TimelineSource[] {
  const now = app.clock.now();
  return [
    {
      name: 'findings',
      async entries(from, to) {
        const fs = await (await app.findings()).listFindings({ since: from, until: to + 1, limit: 20_000 });
        return fs.map((f) => ({
          time: f.time,
          kind: 'finding' as const,
          source: f.source ?? 'ripcord',
          summary: `${f.rule}: ${f.message}`,
          severity: f.severity,
          ip: f.ip,
          user: f.user,
        }));
      },
    },
    {
      name: 'logins',
      async entries(from, to) {
        const rows = await who(await app.events(), { since: from, until: to + 1, limit: 5000 });
        return rows
          .filter((r) => r.outcome === 'success')
          .map((r) => ({
            time: r.time,
            kind: 'login' as const,
            source: r.source,
            summary: `${r.service} ${r.action} ${r.user ?? '?'} from ${r.ip ?? 'local'}${r.knownIp === false ? ' (NEW place for this user)' : ''}`,
            ip: r.ip,
            user: r.user,
          }));
      },
    },
    {
      name: 'alerts',
      async entries(from, to) {
        const { listAlerts } = await import('./alerts.ts');
        const rows = await listAlerts(app, { since: from, limit: 5000 });
        return rows
          .filter((a) => a.openedAt <= to)
          .map((a) => ({
            time: a.openedAt,
            kind: 'alert' as const,
            source: 'alerts',
            summary: `alert ${a.id} (${a.route}): ${a.message}${a.count > 1 ? ` ×${a.count}` : ''}`,
            severity: a.severity,
            ip: a.ip,
          }));
      },
    },
    {
      name: 'file changes',
      async entries(from, to) {
        return changes.map((c) => changeEntry(c, now)).filter((e) => e.time >= from && e.time <= to);
      },
    },
    {
      name: 'integrity log',
      async entries(from, to) {
        return readAudit(app.config.stateDir)
          .map((r) => ({ r, time: Date.parse(r.time) }))
          .filter(({ time, r }) => time >= from && time <= to && r.action !== 'refuse')
          .map(({ r, time }) => ({
            time,
            kind: r.action === 'baseline' ? ('backup' as const) : ('file-change' as const),
            source: 'integrity',
            summary: `integrity ${r.action}${r.path !== undefined ? ` ${r.path}` : ''}${r.reason ? `: ${r.reason}` : ''}`,
            user: r.by,
          }));
      },
    },
    {
      name: 'backups',
      async entries(from, to) {
        if (app.config.backup.jobs.length === 0) return [];
        const { backupList } = await import('./backup.ts');
        return (await backupList(app))
          .map((b) => ({ b, time: Date.parse(b.time) }))
          .filter(({ time }) => time >= from && time <= to)
          .map(({ b, time }) => ({
            time,
            kind: 'backup' as const,
            source: 'backup',
            summary: `backup ${b.job} (${b.kind}) snapshot ${b.id.slice(0, 8)}`,
          }));
      },
    },
    {
      name: 'restores',
      async entries(from, to) {
        const { readRestores } = await import('./backup.ts');
        return readRestores(app.config.stateDir)
          .map((r) => ({ r, time: Date.parse(r.time) }))
          .filter(({ time }) => time >= from && time <= to)
          .map(({ r, time }) => ({
            time,
            kind: 'backup' as const,
            source: 'backup',
            summary: `restore: ${r.what} from snapshot ${r.snapshot.slice(0, 8)}`,
          }));
      },
    },
    {
      name: 'customer notices',
      async entries(from, to) {
        const { incidentCampaigns } = await import('./notices.ts');
        return (await incidentCampaigns(app, incident)).flatMap((c) => {
          if (c.span === null || c.span.last < from || c.span.first > to) return [];
          const rest = [c.failed > 0 ? `${c.failed} failed` : '', c.uncertain > 0 ? `${c.uncertain} in doubt` : '']
            .filter((x) => x !== '')
            .join(', ');
          return [
            {
              time: c.span.first,
              kind: 'notice' as const,
              source: 'notices',
              summary: `customer notices "${c.name}" (${c.variants.join(', ')}): sending began`,
            },
            {
              time: c.span.last,
              kind: 'notice' as const,
              source: 'notices',
              summary: `customer notices "${c.name}": ${c.sent} sent${rest !== '' ? `, ${rest}` : ''} (\`ripcord notices export ${c.name} --csv\`)`,
            },
          ];
        });
      },
    },
    {
      name: 'restore drills',
      async entries(from, to) {
        return readDrills(app.config.stateDir)
          .map((d) => ({ d, time: Date.parse(d.time) }))
          .filter(({ time }) => time >= from && time <= to)
          .map(({ d, time }) => ({
            time,
            kind: 'drill' as const,
            source: 'backup',
            summary: `restore drill ${d.ok ? 'passed' : 'FAILED'}`,
          }));
      },
    },
  ];
}

// ---- declare: open the incident and freeze the evidence

export interface DeclareOptions {
  title: string;
  severity?: IncidentSeverity;
  discoveredAt?: number;
  /** How far before discovery the frozen traffic window reaches (ms; default 30 days). */
  windowMs?: number;
  factsFile?: string;
  by?: string;
}

export interface DeclareResult {
  incident: Incident;
  evidence: Evidence;
  obligations: Obligation[];
  provisional: boolean;
  dir: string;
}

export async function declareIncident(app: App, o: DeclareOptions): Promise<DeclareResult> {
  const now = app.clock.now();
  const facts = o.factsFile === undefined ? null : readFacts(o.factsFile);
  const discoveredAt = o.discoveredAt ?? (facts !== null ? Date.parse(facts.discovered) : now);
  if (discoveredAt > now + 60_000) throw new AppError('usage', '--discovered is in the future');
  const by = o.by ?? whoAmI(app.env);
  const store = await app.incidents();
  const incident = await store.create({
    title: o.title,
    severity: o.severity ?? 'high',
    discoveredAt,
    declaredAt: now,
    declaredBy: by,
    facts,
  });
  const evidence = await freezeEvidence(app, incident, discoveredAt - (o.windowMs ?? 30 * DAY), now);
  await store.setEvidence(incident.id, evidence);
  await store.addCustody(incident.id, {
    time: app.clock.now(),
    zone: zone(),
    by,
    action: 'frozen',
    detail: `${evidence.files.length} files, manifest SHA-256 ${evidence.manifestSha256}${evidence.snapshot !== null ? `, site files snapshot ${evidence.snapshot}` : ''}`,
  });
  const withEvidence = { ...incident, evidence };
  const ob = obligationsOf(app, withEvidence);
  return { incident: withEvidence, evidence, ...ob, dir: join(incidentDir(app, incident.id), 'evidence') };
}

async function* pagedJson<T extends { id: number; time: number }>(
  page: (until: number) => Promise<T[]>,
  from: number,
  to: number,
  count: { n: number },
): AsyncIterable<string> {
  // The store pages newest first; written oldest first would need it all in memory, so the
  // file is in store order (newest first) and says so in the manifest's reader notes.
  let until = to + 1;
  const seen = new Set<number>();
  for (;;) {
    const rows = await page(until);
    const fresh = rows.filter((r) => !seen.has(r.id));
    if (fresh.length === 0) {
      if (rows.length < PAGE) return;
      until -= 1; // a page of one millisecond only: step past it
      continue;
    }
    seen.clear();
    for (const r of fresh) {
      seen.add(r.id);
      count.n++;
      yield JSON.stringify(r);
    }
    const oldest = fresh[fresh.length - 1] as T;
    if (rows.length < PAGE || oldest.time < from) return;
    until = oldest.time + 1;
  }
}

async function freezeEvidence(app: App, i: Incident, from: number, to: number): Promise<Evidence> {
  const dir = join(incidentDir(app, i.id), 'evidence');
  const gaps: string[] = [];
  const counts = { requests: 0, logins: 0, findings: 0, fileChanges: 0 };
  const events = await app.events();
  const req = { n: 0 };
  await io.writeLines(
    join(dir, 'requests.jsonl'),
    pagedJson((until) => events.searchHttp({ since: from, until, limit: PAGE }), from, to, req),
  );
  counts.requests = req.n;
  const auth = { n: 0 };
  await io.writeLines(
    join(dir, 'logins.jsonl'),
    pagedJson((until) => events.searchAuth({ since: from, until, limit: PAGE }), from, to, auth),
  );
  counts.logins = auth.n;
  const findings = await (await app.findings()).listFindings({ since: from, until: to + 1, limit: 1_000_000 });
  counts.findings = findings.length;
  await io.writeLines(
    join(dir, 'findings.jsonl'),
    (async function* () {
      for (const f of findings) yield JSON.stringify(f);
    })(),
  );

  const { changes, gap } = await fileChanges(app);
  if (gap !== null) gaps.push(gap);
  counts.fileChanges = changes.length;
  await io.write(join(dir, 'file-changes.json'), `${JSON.stringify(changes, null, 1)}\n`);
  // The changed files as found (the webshell, the skimmed script): their content is evidence.
  for (const c of changes) {
    if (c.after === null || c.path.split('/').some((s) => s === '..' || s === '') || c.path.startsWith('/')) continue;
    const p = join(c.root, c.path);
    try {
      const st = lstatSync(p);
      if (!st.isFile() || st.size > MAX_COPIED_FILE) continue;
      const rootIndex = changes.map((x) => x.root).indexOf(c.root);
      await io.write(join(dir, 'files', String(rootIndex), c.path), readFileSync(p));
    } catch (e) {
      gaps.push(`${c.path}: not copied (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  // The whole site as found, into the repository (deduplicated against the baseline).
  let snapshot: string | null = null;
  try {
    const ctx = integrityContextIn(app);
    if (ctx.roots.length === 0) gaps.push('site files: no site root or integrity paths in the configuration');
    else {
      const repo = await app.repository({ create: true });
      snapshot = (await repo.snapshot(ctx.roots, { tags: ['incident', i.id] })).id;
    }
  } catch (e) {
    gaps.push(`site files snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
  await io.write(
    join(dir, 'README.txt'),
    [
      `Evidence of ${i.id}, frozen ${new Date(to).toISOString()} by Ripcord.`,
      `Window: ${new Date(from).toISOString()} to ${new Date(to).toISOString()}.`,
      'requests.jsonl, logins.jsonl: the traffic record of the window, newest first, one JSON object per line.',
      'findings.jsonl: what detection, integrity and the PAM hook found in the window.',
      'file-changes.json: the site files changed since the known-good baseline, with the requests before each.',
      'files/N/PATH: the content of each changed file as found (N: the site root, in file-changes.json order).',
      snapshot !== null
        ? `The whole site as found is snapshot ${snapshot} in the Ripcord repository (restore it with ripcord repo restore).`
        : 'No snapshot of the site files was taken.',
      'manifest.json: the SHA-256 of every other file here. Check with: ripcord incident evidence verify',
      '',
    ].join('\n'),
  );
  const sealed = await seal(io, dir, FROZEN_MANIFEST, { incident: i.id, created: to });
  return { frozenAt: to, from, snapshot, files: sealed.files, manifestSha256: sealed.manifestSha256, counts, gaps };
}

// ---- timeline, checklist, status, causes

async function stepTextOf(app: App, i: Incident): Promise<(key: string) => string> {
  const steps = await checklist(app, i, []);
  const m = new Map(steps.map((s) => [s.key, `${s.n}. ${s.text}`]));
  return (k) => m.get(k) ?? k;
}

export async function incidentTimeline(
  app: App,
  i: Incident,
  o: { from?: number; to?: number; changes?: Change[] } = {},
): Promise<Timeline> {
  const store = await app.incidents();
  const from = o.from ?? i.evidence?.from ?? i.discoveredAt - 30 * DAY;
  const to = o.to ?? app.clock.now();
  const changes = o.changes ?? (await fileChanges(app)).changes;
  const own = recordEntries(
    i,
    await store.notes(i.id),
    await store.ticks(i.id),
    await store.custody(i.id),
    await stepTextOf(app, i),
  );
  return buildTimeline(sourcesFor(app, changes, i.id), own, from, to);
}

async function checklist(app: App, i: Incident, changes: readonly Change[]): Promise<ChecklistStep[]> {
  const { answers } = answersFor(app);
  const goals = goalsFor(answers, app.config);
  const ticks = await (await app.incidents()).ticks(i.id);
  return checklistFor(
    goals,
    {
      changedFiles: changes.length,
      maliciousFiles: changes.filter((c) => c.findings.length > 0).length,
      obligations: obligationsOf(app, i).obligations,
    },
    ticks,
  );
}

export async function incidentChecklist(app: App, i: Incident): Promise<ChecklistStep[]> {
  return checklist(app, i, (await fileChanges(app)).changes);
}

export async function markStepDone(
  app: App,
  i: Incident,
  n: number,
  by?: string,
): Promise<{ step: ChecklistStep; already: boolean }> {
  if (i.status === 'closed') throw new AppError('conflict', `${i.id} is closed`);
  const steps = await incidentChecklist(app, i);
  const step = steps.find((s) => s.n === n);
  if (step === undefined) throw new AppError('usage', `no step ${n}: the checklist has steps 1 to ${steps.length}`);
  const who = by ?? whoAmI(app.env);
  const added = await (await app.incidents()).tick(i.id, { key: step.key, time: app.clock.now(), by: who });
  const ticks = await (await app.incidents()).ticks(i.id);
  const t = ticks.find((x) => x.key === step.key);
  return { step: { ...step, done: t === undefined ? null : { time: t.time, by: t.by } }, already: !added };
}

export async function addNote(app: App, i: Incident, text: string, by?: string): Promise<void> {
  if (text.trim() === '') throw new AppError('usage', 'the note is empty');
  await (await app.incidents()).addNote(i.id, { time: app.clock.now(), by: by ?? whoAmI(app.env), text });
}

/**
 * States the facts from a file; with an audience (`notices audience import`), the people
 * affected per jurisdiction are that audience's counts instead of the file's, so the law's
 * thresholds see the real numbers. People in places the engine has no code for are counted
 * apart and returned, not dropped.
 */
export async function setIncidentFacts(
  app: App,
  i: Incident,
  file: string,
  audience?: string,
): Promise<{ obligations: Obligation[]; affected: Record<string, number>; unplaced: number }> {
  let facts = readFacts(file);
  let unplaced = 0;
  if (audience !== undefined) {
    const { audienceReport } = await import('./notices.ts');
    const r = await audienceReport(app, audience, 0);
    const affected: Record<string, number> = {};
    for (const j of r.jurisdictions)
      if (j.jurisdiction !== null && jurisdictionCodeRe.test(j.jurisdiction))
        affected[j.jurisdiction] = (affected[j.jurisdiction] ?? 0) + j.count;
      else unplaced += j.count;
    facts = { ...facts, affected };
  }
  await (await app.incidents()).setFacts(i.id, facts);
  return { obligations: obligationsOf(app, { ...i, facts }).obligations, affected: facts.affected, unplaced };
}

export interface Deadline {
  jurisdiction: string;
  duty: string;
  recipient: string;
  dueBy: string | null;
  dueText: string;
  /** Milliseconds left (negative: overdue); null without a fixed date. */
  leftMs: number | null;
  done: boolean;
}

export interface IncidentStatus {
  incident: Incident;
  provisional: boolean;
  steps: { total: number; done: number; open: ChecklistStep[] };
  deadlines: Deadline[];
  fileChanges: number;
}

export async function incidentStatus(app: App, i: Incident): Promise<IncidentStatus> {
  const { changes } = await fileChanges(app);
  const steps = await checklist(app, i, changes);
  const { obligations, provisional } = obligationsOf(app, i);
  const now = app.clock.now();
  const doneDue = new Set(steps.filter((s) => s.done !== null && s.due !== null).map((s) => s.text));
  const deadlines = obligations
    .map((o) => ({
      jurisdiction: o.jurisdiction,
      duty: o.duty,
      recipient: o.recipient,
      dueBy: o.dueBy,
      dueText: o.dueText,
      leftMs: o.dueBy === null ? null : Date.parse(o.dueBy) - now,
      done: [...doneDue].some((t) => t.includes(`${o.jurisdiction}, ${o.citation}`)),
    }))
    .sort((a, b) => (a.leftMs ?? Number.POSITIVE_INFINITY) - (b.leftMs ?? Number.POSITIVE_INFINITY));
  return {
    incident: i,
    provisional,
    steps: {
      total: steps.length,
      done: steps.length - steps.filter((s) => s.done === null).length,
      open: steps.filter((s) => s.done === null),
    },
    deadlines,
    fileChanges: changes.length,
  };
}

/** Candidate causes for the owner to confirm (incident/causes.ts), with the known-vulnerable components. */
export async function candidateCauses(app: App, i: Incident, timeline: Timeline): Promise<string[]> {
  let vulnerable: string[] = [];
  try {
    vulnerable = (await patchList(app)).items.map(
      (v) =>
        `${v.component} ${v.version} (${v.advisories.join(', ')})${v.knocked > 0 ? ` — ${v.knocked} request(s) to its endpoint` : ''}`,
    );
  } catch {
    // No shop tree or no advisory data: nothing to add.
  }
  return causesFrom(timeline.entries, i.discoveredAt, vulnerable);
}

// ---- evidence export and verification

export interface ExportResult {
  out: string;
  files: number;
  manifestSha256: string;
}

export async function exportEvidence(app: App, i: Incident, out: string, by?: string): Promise<ExportResult> {
  if (i.evidence === null) throw new AppError('not_found', `${i.id} has no frozen evidence`);
  const target = resolve(out);
  const archive = target.endsWith('.tar.gz') || target.endsWith('.tgz');
  if (existsSync(target))
    throw new AppError('conflict', 'the export target exists already; name a new one', { where: target });
  const frozen = join(incidentDir(app, i.id), 'evidence');
  const before = await verifySealed(io, frozen, FROZEN_MANIFEST, i.evidence.manifestSha256);
  if (!before.ok)
    throw new AppError('corrupt', 'the frozen evidence no longer matches its manifest; not exported', {
      where: frozen,
      details: before.problems,
    });
  const store = await app.incidents();
  const who = by ?? whoAmI(app.env);
  await store.addCustody(i.id, { time: app.clock.now(), zone: zone(), by: who, action: 'exported', detail: target });
  const tmp = await io.tempDir();
  try {
    const dir = join(tmp.path, `${i.id}-evidence`);
    await io.copyTree(frozen, join(dir, 'evidence'));
    const timeline = await incidentTimeline(app, i);
    await io.write(join(dir, 'timeline.json'), `${JSON.stringify(timeline, null, 1)}\n`);
    await io.write(join(dir, 'incident.json'), `${JSON.stringify(i, null, 1)}\n`);
    await io.write(join(dir, 'notes.json'), `${JSON.stringify(await store.notes(i.id), null, 1)}\n`);
    await io.write(
      join(dir, 'custody.jsonl'),
      `${(await store.custody(i.id)).map((c) => JSON.stringify(c)).join('\n')}\n`,
    );
    const sealed = await seal(io, dir, EXPORT_MANIFEST, {
      incident: i.id,
      created: app.clock.now(),
      frozenManifestSha256: i.evidence.manifestSha256,
    });
    if (archive) await io.pack(dir, target);
    else await io.copyTree(dir, target);
    return { out: target, files: sealed.files.length, manifestSha256: sealed.manifestSha256 };
  } finally {
    await tmp.remove();
  }
}

/**
 * Verifies an export (folder or .tar.gz), or with no path the frozen evidence in the state
 * folder. With the incident in this store, its sealed manifest hash is checked too, and the
 * verification goes into the chain-of-custody log.
 */
export async function verifyEvidence(app: App | null, path?: string, id?: string): Promise<Verification> {
  let record: Incident | null = null;
  if (app !== null && (path === undefined || id !== undefined)) record = await getIncident(app, id);
  let v: Verification;
  if (path === undefined) {
    if (app === null || record === null) throw new AppError('usage', 'name an export to verify');
    if (record.evidence === null) throw new AppError('not_found', `${record.id} has no frozen evidence`);
    v = await verifySealed(
      io,
      join(incidentDir(app, record.id), 'evidence'),
      FROZEN_MANIFEST,
      record.evidence.manifestSha256,
    );
  } else {
    const p = resolve(path);
    if (!existsSync(p)) throw new AppError('not_found', 'no such export', { where: p });
    const expected = record?.evidence?.manifestSha256;
    if (lstatSync(p).isDirectory()) v = await verifyExport(io, p, expected);
    else {
      const tmp = await io.tempDir();
      try {
        v = await verifyExport(io, await io.unpack(p, tmp.path), expected);
      } catch (e) {
        if (e instanceof AppError && e.code === 'corrupt')
          v = { ok: false, incident: null, checked: 0, problems: [e.message] };
        else throw e;
      } finally {
        await tmp.remove();
      }
    }
    if (app !== null && record === null && v.incident !== null) record = await (await app.incidents()).get(v.incident);
  }
  if (app !== null && record !== null) {
    const c: CustodyEntry = {
      time: app.clock.now(),
      zone: zone(),
      by: whoAmI(app.env),
      action: v.ok ? 'verified' : 'verify-failed',
      detail: `${path === undefined ? 'frozen evidence' : resolve(path)}: ${v.ok ? `${v.checked} files match` : `${v.problems.length} problem(s)`}`,
    };
    await (await app.incidents()).addCustody(record.id, c);
  }
  return v;
}

// ---- report and close

export async function incidentReport(app: App, i: Incident): Promise<{ markdown: string; html: string }> {
  const { changes } = await fileChanges(app);
  const timeline = await incidentTimeline(app, i, { changes });
  const steps = await checklist(app, i, changes);
  const { obligations, provisional } = obligationsOf(app, i);
  const causes = await candidateCauses(app, i, timeline);
  const markdown = reportMarkdown({
    incident: i,
    timeline: timeline.entries,
    steps,
    obligations,
    provisional,
    causes,
    now: app.clock.now(),
  });
  return { markdown, html: reportHtml(markdown, i.title) };
}

export async function closeIncident(
  app: App,
  i: Incident,
  o: { lessons: string[]; summary?: string; by?: string },
): Promise<Incident> {
  return (await app.incidents()).close(i.id, {
    at: app.clock.now(),
    by: o.by ?? whoAmI(app.env),
    lessons: o.lessons,
    summary: o.summary ?? null,
  });
}

/** Lessons of the closed incidents, for the plan. */
export async function closedLessons(app: App): Promise<Lesson[]> {
  const out: Lesson[] = [];
  for (const i of await (await app.incidents()).list())
    if (i.status === 'closed' && i.lessons.length > 0)
      out.push({ incident: i.id, title: i.title, closedAt: new Date(i.closedAt).toISOString(), lessons: i.lessons });
  return out;
}

/** Writes a report file (owner-only: it names people and places); a PDF is printed by Chromium. */
export async function writeReport(
  app: App,
  file: string,
  format: 'md' | 'html' | 'pdf',
  r: { markdown: string; html: string },
): Promise<void> {
  if (format === 'pdf') {
    const { htmlToPdf } = await import('../adapters/pdf/chromium.ts');
    await htmlToPdf(r.html, resolve(file), app.env);
  } else writeFileSync(file, format === 'md' ? r.markdown : r.html, { mode: 0o600 });
}

// ---- letters to regulators, agencies and card brands

export interface LettersResult {
  incident: string;
  provisional: boolean;
  letters: Letter[];
  /** Where they were written, when --out was given. */
  dir: string | null;
}

/**
 * One drafted letter per duty towards an authority (regulator, attorney general, consumer
 * reporting agencies, card brands, acquirer), its sections the contents the data set requires,
 * filled from the facts, the notice values and the notices already sent.
 */
export async function incidentLetters(
  app: App,
  o: { id?: string; valuesFile?: string; out?: string },
): Promise<LettersResult> {
  const i = await getIncident(app, o.id);
  const { facts, provisional } = factsFor(app, i);
  if (facts === null)
    throw new AppError('usage', 'no facts yet: state them first (`ripcord incident facts FILE`)', { where: i.id });
  const { obligations } = obligationsOf(app, i);
  const { incidentCampaigns, noticeValuesFile, readNoticeValues } = await import('./notices.ts');
  const valuesFile = noticeValuesFile(app, o.valuesFile);
  const values = valuesFile === null ? {} : readNoticeValues(valuesFile);
  const sent = (await incidentCampaigns(app, i.id)).map((c) => ({
    name: c.name,
    sent: c.sent,
    first: c.span?.first ?? null,
    last: c.span?.last ?? null,
    variants: c.variants,
  }));
  const letters = obligations
    .filter((ob) => ob.duty !== 'notify_individuals' && ob.duty !== 'offer_credit_monitoring')
    .map((ob) =>
      regulatorLetter(
        { ...ob, content: ob.content ?? [] },
        {
          discovered: facts.discovered,
          elements: facts.elements,
          encrypted: facts.encrypted,
          affected: facts.affected,
        },
        values,
        sent,
      ),
    );
  let dir: string | null = null;
  if (o.out !== undefined) {
    dir = resolve(o.out);
    for (const l of letters) await io.write(join(dir, l.file), l.markdown);
  }
  return { incident: i.id, provisional, letters, dir };
}

// The plan document: the shop's particulars, its configuration as it is now, the laws from the
// obligations engine, the notices chosen, the drills done and the lessons of closed incidents
// -> one view model -> PLAN.md (Liquid template, values escaped for Markdown) -> PLAN.html
// (marked, raw HTML never passed through, wrapped in a printable page). Pure: the app reads the
// templates, data set and drill log and writes the files.

import cronstrue from 'cronstrue';
import { Liquid } from 'liquidjs';
import { Marked } from 'marked';
import type { Config } from '../core/config/index.ts';
import { commonExclude, presets, type Platform as PresetPlatform } from '../integrity/index.ts';
import type { RuleSet } from '../obligations/index.ts';
import { contactRoles, platformDefaults, type Answers, type ContactRole } from './answers.ts';
import { cadenceFor } from './cadence.ts';
import { lastGoodDrill, roleNames, type DrillRecord } from './check.ts';
import { presetOf } from './config-gen.ts';
import { lawsFor, type LawSummary } from './laws.ts';
import { chooseNotices, type ChosenNotice, type NoticeInfo } from './notices.ts';
import { escapeMarkdown } from './markdown.ts';
import { goalsFor, type Goal } from './procedures.ts';
import { yearlyTests, type PlannedTest } from './tests.ts';

/** What a closed incident taught, passed in by the app (from the incident record). */
export interface Lesson {
  incident: string;
  title: string;
  closedAt: string;
  lessons: readonly string[];
}

/** A vulnerable component for the plan's "patch these first" list (from `ripcord vulns check`). */
export interface PatchItem {
  component: string;
  version: string;
  ecosystem: string;
  severity: string;
  /** CVE ids where known, else the advisory ids. */
  advisories: readonly string[];
  upgradeTo: string | null;
  /** Requests to its vulnerable endpoints in the traffic record. */
  knocked: number;
}

/** What the advisory check found when the plan was made; `checked` false when there was no advisory data. */
export interface PatchList {
  checked: boolean;
  items: readonly PatchItem[];
}

export interface PlanInputs {
  answers: Answers;
  /** The configuration as loaded now (it may have been edited since `ripcord init`). */
  config: Config;
  /** Where the configuration and answers are, as shown in the plan. */
  configFile: string;
  answersFile: string;
  rules: RuleSet;
  notices: readonly NoticeInfo[];
  drills: readonly DrillRecord[];
  lessons: readonly Lesson[];
  /** Vulnerable components, most urgent first (software's patchFirst order). */
  patchFirst: PatchList;
  now: number;
}

interface BackupRow {
  name: string;
  type: string;
  what: string;
  schedule: string;
  every: string;
  keep: string;
  offsite: string;
}

export interface PlanModel {
  generated: string;
  shop: { name: string; url: string; platform: string; hosting: string; business: string; country: string };
  files: { config: string; answers: string };
  contacts: { role: ContactRole; roleName: string; name: string; reach: string; why: string }[];
  goals: Goal[];
  laws: LawSummary;
  notices: ChosenNotice[];
  backups: {
    rows: BackupRow[];
    repository: string;
    offsite: { name: string; location: string }[];
    cadence: string;
    tier: string;
    lastDrill: string | null;
  };
  watched: {
    sources: { id: string; path: string; format: string }[];
    paths: string[];
    preset: string;
    exclude: string[];
    uploads: string[];
  };
  tests: PlannedTest[];
  lessons: Lesson[];
  patchFirst: { checked: boolean; items: PatchItem[] };
}

const hostingNames: Record<Answers['hosting'], string> = {
  shared: 'shared hosting',
  vps: 'a VPS or dedicated server',
  managed: 'a managed shop platform',
  paas: 'a platform as a service',
};

const contactWhy: Record<ContactRole, string> = {
  owner: 'decides, and signs the notices',
  developer: 'finds and closes the way in, restores the shop',
  host: 'server access, its own logs, taking the server off-line',
  paymentProcessor: 'card data: stops further losses, starts the card-brand process',
  acquirer: 'card data: PCI DSS requires telling the merchant bank at once',
  lawyer: 'which notices are due, their wording, privilege over the investigation',
  insurer: "cover often requires notice within days and the insurer's panel of firms",
};

function describeCron(expr: string | undefined): string {
  if (expr === undefined) return 'only by hand';
  try {
    return cronstrue.toString(expr, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return expr;
  }
}

function keepText(k: Record<string, number | undefined> | undefined): string {
  if (k === undefined) return 'everything';
  const parts = Object.entries(k)
    .filter(([, v]) => v !== undefined)
    .map(([u, v]) => `${v} ${u}`);
  return parts.length === 0 ? 'everything' : parts.join(', ');
}

function jobWhat(j: Config['backup']['jobs'][number]): string {
  const o = j as unknown as Record<string, unknown>;
  if (j.type === 'files') return `files: ${((o['paths'] as string[] | undefined) ?? []).join(', ')}`;
  if (j.type === 'sqlite') return `SQLite database ${String(o['path'] ?? '')}`;
  return `${j.type === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL'} database ${String(o['database'] ?? '')} on ${String(o['host'] ?? '')}`;
}

/** The view model of the plan. */
function planModel(i: PlanInputs): PlanModel {
  const { answers: a, config } = i;
  const cadence = cadenceFor(a.activity);
  const laws = lawsFor(a, i.rules, i.now);
  const places = laws.jurisdictions.map((j) => j.code);
  const platform = config.site.platform;
  const presetName = config.integrity.preset === 'auto' ? platform : config.integrity.preset;
  const preset = presetName in presets ? presets[presetName as PresetPlatform] : undefined;
  return {
    generated: new Date(i.now)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace('T', ' '),
    shop: {
      name: a.shop.name,
      url: a.shop.url,
      platform: platformDefaults[a.platform].label,
      hosting: hostingNames[a.hosting],
      business: a.shop.business.replace('-', ' '),
      country: a.shop.country,
    },
    files: { config: i.configFile, answers: i.answersFile },
    contacts: contactRoles.map((role) => ({
      role,
      roleName: roleNames[role],
      name: a.contacts[role].name,
      reach: a.contacts[role].reach,
      why: contactWhy[role],
    })),
    goals: goalsFor(a, config),
    laws,
    notices: chooseNotices(a, places, i.notices),
    backups: {
      rows: config.backup.jobs.map((j) => ({
        name: j.name,
        type: j.type,
        what: jobWhat(j),
        schedule: j.schedule ?? '-',
        every: describeCron(j.schedule),
        keep: keepText(j.keep),
        offsite: j.offsite ?? 'no',
      })),
      repository: config.repository.location ?? config.repository.path ?? `${config.stateDir}/repository`,
      offsite: Object.entries(config.repository.offsite).map(([name, o]) => ({ name, location: o.location })),
      cadence: cadence.why,
      tier: cadence.tier,
      lastDrill: lastGoodDrill(i.drills),
    },
    watched: {
      sources: config.sources.map((s, n) => {
        const o = s as unknown as Record<string, unknown>;
        return { id: s.id ?? `source ${n + 1}`, path: String(o['path'] ?? s.type), format: s.format };
      }),
      paths: config.integrity.paths.length > 0 ? config.integrity.paths : config.site.root ? [config.site.root] : [],
      preset: presetName === 'none' ? `none (${presetOf(a.platform)})` : presetName,
      exclude: [...commonExclude, ...(preset?.exclude ?? []), ...config.integrity.exclude],
      uploads: [...(preset?.uploads ?? [])],
    },
    tests: yearlyTests(i.now, config),
    lessons: [...i.lessons],
    patchFirst: { checked: i.patchFirst.checked, items: [...i.patchFirst.items] },
  };
}

// ---- rendering ---------------------------------------------------------------------------

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const base = {
  strictVariables: true,
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  relativeReference: false,
  root: [],
};
// Values are escaped for Markdown unless a template marks them `| raw` (commands in code spans,
// whose characters are never markup there).
const mdEngine = new Liquid({ ...base, outputEscape: escapeMarkdown });
const htmlEngine = new Liquid({ ...base, outputEscape: (v: unknown) => escapeHtml(String(v)) });

const marked = new Marked({
  gfm: true,
  renderer: {
    html(token) {
      return escapeHtml(token.text);
    },
  },
});

export interface PlanTemplates {
  markdown: string;
  html: string;
}

export interface RenderedPlan {
  model: PlanModel;
  markdown: string;
  html: string;
}

export async function renderPlan(i: PlanInputs, t: PlanTemplates): Promise<RenderedPlan> {
  const model = planModel(i);
  const markdown = await mdEngine.parseAndRender(t.markdown, model);
  const body = await marked.parse(markdown);
  const html = await htmlEngine.parseAndRender(t.html, { ...model, body });
  return { model, markdown, html };
}

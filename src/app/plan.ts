// Application side of the plan: reads and writes the files around it — ripcord.yml, the answers
// beside it (plan.answers.yml), PLAN.md and PLAN.html — loads the obligations data set, the
// shipped notices and the drill log, and hands them to src/plan. `ripcord init`, `ripcord plan`
// and `ripcord plan check` come through here. Lessons of closed incidents are a parameter: the
// incident record (src/incident) passes them in once it exists.

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { configError, type Config } from '../core/config/index.ts';
import { AppError } from '../core/errors.ts';
import { parseTemplate } from '../notices/index.ts';
import { defaultDataDir, loadRules } from '../obligations/index.ts';
import {
  checkPlan,
  configDocument,
  configYaml,
  defaultAnswers,
  interview,
  parseAnswers,
  renderPlan,
  type Answers,
  type DrillRecord,
  type Lack,
  type Lesson,
  type NoticeInfo,
  type PatchList,
  type PlanModel,
  type Prompter,
  type RenderedPlan,
} from '../plan/index.ts';
import { checkConfig, checkPaths, parseYaml, resolvePath } from './config.ts';
import { shippedNotices } from './notices.ts';

export type { Answers, Lack, Lesson, PatchList, PlanModel };

const templatesDir = resolve(import.meta.dirname, '../../templates/plan');

/** The answers file kept beside a configuration file. */
export function answersFileFor(configFile: string): string {
  return join(dirname(configFile), 'plan.answers.yml');
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('not_found', `cannot read ${what}: ${e instanceof Error ? e.message : String(e)}`, {
      where: file,
    });
  }
}

/** Reads and checks an answers file (YAML); every bad field is named. */
export function readAnswers(file: string): Answers {
  const y = parseYaml(readText(file, 'the answers'));
  if (!y.ok) throw configError(file, y.problems);
  return parseAnswers(y.doc, file);
}

/** Asks the questions, starting from earlier answers when the file exists. */
export async function askAnswers(prompter: Prompter, answersFile: string): Promise<Answers> {
  const start = existsSync(answersFile) ? readAnswers(answersFile) : defaultAnswers();
  return interview(prompter, start);
}

/** The interview in this process's terminal (the prompt library loads only here). */
export async function askInTerminal(configFile: string): Promise<Answers> {
  if (!process.stdin.isTTY)
    throw new AppError(
      'usage',
      'the interview needs a terminal; without one, give the answers: ripcord init --answers FILE',
    );
  const { terminalPrompter } = await import('../adapters/prompt/inquirer.ts');
  return askAnswers(terminalPrompter(), answersFileFor(resolve(configFile)));
}

/** The configuration as it is now: schema-checked (every problem at once), relative paths resolved. */
function readConfig(file: string, env: Readonly<Record<string, string | undefined>>): Config {
  const y = parseYaml(readText(file, 'the configuration'));
  if (!y.ok) throw configError(file, y.problems);
  const c = checkConfig(y.doc, env);
  if (!c.ok) throw configError(file, c.problems);
  return { ...c.config, stateDir: resolvePath(dirname(file), c.config.stateDir) };
}

function shippedNoticeList(): NoticeInfo[] {
  return readdirSync(shippedNotices)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => {
      const t = parseTemplate(f, readFileSync(join(shippedNotices, f), 'utf8'));
      return { name: f.slice(0, -3), title: t.meta.title, description: t.meta.description ?? '' };
    });
}

/** Restore drills recorded by `ripcord backup drill` (`<stateDir>/backup/drills.jsonl`). */
export function readDrills(stateDir: string): DrillRecord[] {
  const file = join(stateDir, 'backup', 'drills.jsonl');
  if (!existsSync(file)) return [];
  const out: DrillRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as { time?: unknown; ok?: unknown };
      if (typeof r.time === 'string' && typeof r.ok === 'boolean') out.push({ time: r.time, ok: r.ok });
    } catch {
      // A line cut short by a crash is not a drill.
    }
  }
  return out;
}

export interface PlanOptions {
  /** Lessons of closed incidents, shown in the plan (from the incident record). */
  lessons?: readonly Lesson[];
  /** Vulnerable components found by the advisory check (app/software.ts patchList); default: not checked. */
  patchFirst?: PatchList;
  now?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Folder of PLAN.md and PLAN.html (default: beside the configuration). */
  outDir?: string;
}

export interface PlanResult {
  markdown: string;
  html: string;
  model: PlanModel;
}

/** Renders the plan in memory; nothing is written until it has rendered. */
async function renderFor(config: Config, configFile: string, answers: Answers, o: PlanOptions): Promise<RenderedPlan> {
  return renderPlan(
    {
      answers,
      config,
      configFile: basename(configFile),
      answersFile: basename(answersFileFor(configFile)),
      rules: loadRules(defaultDataDir),
      notices: shippedNoticeList(),
      drills: readDrills(config.stateDir),
      lessons: o.lessons ?? [],
      patchFirst: o.patchFirst ?? { checked: false, items: [] },
      now: o.now ?? Date.now(),
    },
    {
      markdown: readText(join(templatesDir, 'plan.md.liquid'), 'the plan template'),
      html: readText(join(templatesDir, 'plan.html.liquid'), 'the plan template'),
    },
  );
}

function writePlan(r: RenderedPlan, configFile: string, o: PlanOptions): PlanResult {
  const dir = o.outDir ?? dirname(configFile);
  const markdown = join(dir, 'PLAN.md');
  const html = join(dir, 'PLAN.html');
  writeFileSync(markdown, r.markdown, { mode: 0o644 });
  writeFileSync(html, r.html, { mode: 0o644 });
  return { markdown, html, model: r.model };
}

/** Refuses (before any question is asked) to replace an existing configuration without --force. */
export function refuseToReplace(configFile: string, force: boolean): void {
  const file = resolve(configFile);
  if (existsSync(file) && !force)
    throw new AppError('conflict', 'a configuration is already there; pass --force to replace it', { where: file });
}

export interface InitResult {
  config: string;
  answers: string;
  markdown: string;
  html: string;
  /** Things in the configuration this machine does not have yet (a log folder that is missing). */
  warnings: string[];
}

/**
 * Writes ripcord.yml, the answers, and the plan from the answers. The configuration is checked
 * against the real schema before anything is written; an existing configuration is kept unless
 * `force`.
 */
export async function initFromAnswers(
  answers: Answers,
  configFile: string,
  o: PlanOptions & { force?: boolean } = {},
): Promise<InitResult> {
  const file = resolve(configFile);
  refuseToReplace(file, o.force === true);
  const doc = configDocument(answers);
  const checked = checkConfig(doc, o.env ?? process.env);
  if (!checked.ok) throw configError(`${file} (generated)`, checked.problems);
  const warnings = checkPaths(checked.config, dirname(file)).map((p) => `${p.path}: ${p.message}`);
  const config = { ...checked.config, stateDir: resolvePath(dirname(file), checked.config.stateDir) };
  const rendered = await renderFor(config, file, answers, o);
  const header = `ripcord.yml for ${answers.shop.name}, written by \`ripcord init\` from plan.answers.yml.\nCheck it with \`ripcord config check\`; after editing, run \`ripcord plan\` to bring PLAN.md up to date.`;
  writeFileSync(file, configYaml(doc, header), { mode: 0o644 });
  const answersFile = answersFileFor(file);
  writeFileSync(
    answersFile,
    `# The particulars of ${answers.shop.name} (\`ripcord init\`). Edit and run \`ripcord plan\`.\n${stringify(answers, { lineWidth: 110 })}`,
    { mode: 0o600 },
  );
  const p = writePlan(rendered, file, o);
  return { config: file, answers: answersFile, markdown: p.markdown, html: p.html, warnings };
}

/** `ripcord plan`: regenerates PLAN.md and PLAN.html from the configuration and answers as they are now. */
export async function regeneratePlan(configFile: string, o: PlanOptions = {}): Promise<PlanResult> {
  const file = resolve(configFile);
  const config = readConfig(file, o.env ?? process.env);
  const answersFile = answersFileFor(file);
  if (!existsSync(answersFile))
    throw new AppError('not_found', 'no plan answers beside the configuration: run `ripcord init` first', {
      where: answersFile,
    });
  return writePlan(await renderFor(config, file, readAnswers(answersFile), o), file, o);
}

export interface PlanCheckResult {
  config: string;
  lacks: Lack[];
}

/** `ripcord plan check`: what the plan lacks. */
export function checkPlanFiles(
  configFile: string,
  o: { now?: number; env?: Readonly<Record<string, string | undefined>> } = {},
): PlanCheckResult {
  const file = resolve(configFile);
  const config = readConfig(file, o.env ?? process.env);
  const answersFile = answersFileFor(file);
  const answers = existsSync(answersFile) ? readAnswers(answersFile) : null;
  return {
    config: file,
    lacks: checkPlan({ config, answers, drills: readDrills(config.stateDir), now: o.now ?? Date.now() }),
  };
}

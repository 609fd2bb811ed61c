// Pre-written notices: Markdown with YAML front matter and Liquid placeholders. Liquid runs
// with strict variables (a missing placeholder is an error, never an empty gap in a legal
// notice) and no file access; values are escaped for HTML and Markdown before the Markdown is
// rendered, and raw HTML in a template is escaped too, so neither can inject markup. The lint
// checks a rendered notice against the merged content requirements of the obligations data.

import { Liquid } from 'liquidjs';
import { Marked } from 'marked';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

const frontMatterSchema = z
  .object({
    title: z.string().describe('the notice title, the first heading of the rendered notice'),
    subject: z.string().describe('the e-mail subject (Liquid)'),
    description: z.string().optional().describe('what the template is for'),
    elements: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'content elements (ids from the obligations data) this notice contains, each with the heading of its section',
      ),
  })
  .strict();

type FrontMatter = z.infer<typeof frontMatterSchema>;

export interface NoticeTemplate {
  name: string;
  meta: FrontMatter;
  body: string;
}

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
  /** Headings of the rendered notice, in order (level-1 first). */
  headings: string[];
}

export function parseTemplate(name: string, source: string): NoticeTemplate {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(source);
  if (!m)
    throw new AppError('parse', 'a notice template starts with YAML front matter between --- lines', { where: name });
  let raw: unknown;
  try {
    raw = parseYaml(m[1] as string);
  } catch (e) {
    throw new AppError('parse', `front matter: ${e instanceof Error ? e.message : String(e)}`, { where: name });
  }
  const r = frontMatterSchema.safeParse(raw);
  if (!r.success)
    throw new AppError('parse', 'front matter is not valid', {
      where: name,
      details: r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`),
    });
  return { name, meta: r.data, body: m[2] as string };
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** Backslash-escapes Markdown punctuation so a customer's name cannot become a link or a heading. */
const escapeMd = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`);
const oneLine = (s: string): string => s.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');

const base = { strictVariables: true, strictFilters: true, ownPropertyOnly: true, relativeReference: false, root: [] };
const textEngine = new Liquid(base);
const htmlEngine = new Liquid({ ...base, outputEscape: (v: unknown) => escapeHtml(escapeMd(oneLine(String(v)))) });

const marked = new Marked({
  gfm: true,
  renderer: {
    // HTML written in a template is shown as text, not passed through.
    html(token) {
      return escapeHtml(token.text);
    },
  },
});

async function liquid(engine: Liquid, src: string, vars: object, where: string): Promise<string> {
  try {
    return await engine.parseAndRender(src, vars);
  } catch (e) {
    throw new AppError('parse', `placeholder: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { where });
  }
}

export async function renderNotice(t: NoticeTemplate, vars: object): Promise<RenderedNotice> {
  const subject = oneLine(await liquid(textEngine, t.meta.subject, vars, `${t.name} subject`)).trim();
  const title = `# ${t.meta.title}\n\n`;
  const text = title + (await liquid(textEngine, t.body, vars, t.name));
  const md = title + (await liquid(htmlEngine, t.body, vars, t.name));
  const html = await marked.parse(md);
  const headings = marked
    .lexer(md)
    .flatMap((tok) => (tok.type === 'heading' ? [String((tok as { text: string }).text).replace(/\\(.)/g, '$1')] : []));
  return { subject, text, html, headings };
}

/** The parts of the obligations engine's merged requirements the lint reads. */
export interface ContentRequirements {
  elements: { id: string; texts: { jurisdiction: string; text: string; heading: string | null }[] }[];
  titles: { jurisdiction: string; title: string }[];
  mustNot: { id: string; jurisdiction: string; text: string }[];
  unknown: { jurisdiction: string; note: string }[];
}

export interface LintGap {
  kind: 'missing_element' | 'missing_heading' | 'wrong_title' | 'forbidden' | 'unknown_requirements';
  jurisdiction: string;
  element: string;
  message: string;
}

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Every gap between a rendered notice and what the jurisdictions require of it. */
export function lintNotice(t: NoticeTemplate, r: RenderedNotice, req: ContentRequirements): LintGap[] {
  const gaps: LintGap[] = [];
  const has = new Set(r.headings.map(norm));
  for (const ti of req.titles)
    if (norm(r.headings[0] ?? '') !== norm(ti.title))
      gaps.push({
        kind: 'wrong_title',
        jurisdiction: ti.jurisdiction,
        element: 'title',
        message: `the title must be "${ti.title}"`,
      });
  for (const e of req.elements)
    for (const x of e.texts) {
      const section = t.meta.elements[e.id];
      if (section === undefined)
        gaps.push({ kind: 'missing_element', jurisdiction: x.jurisdiction, element: e.id, message: x.text });
      else if (!has.has(norm(section)))
        gaps.push({
          kind: 'missing_heading',
          jurisdiction: x.jurisdiction,
          element: e.id,
          message: `declared under "${section}", which the notice does not have`,
        });
      if (x.heading !== null && !has.has(norm(x.heading)))
        gaps.push({
          kind: 'missing_heading',
          jurisdiction: x.jurisdiction,
          element: e.id,
          message: `needs the heading "${x.heading}"`,
        });
    }
  for (const m of req.mustNot)
    if (t.meta.elements[m.id] !== undefined)
      gaps.push({ kind: 'forbidden', jurisdiction: m.jurisdiction, element: m.id, message: m.text });
  for (const u of req.unknown)
    gaps.push({ kind: 'unknown_requirements', jurisdiction: u.jurisdiction, element: '-', message: u.note });
  // one gap per (kind, jurisdiction, element, message)
  const seen = new Set<string>();
  return gaps.filter((g) => {
    const k = `${g.kind}|${g.jurisdiction}|${g.element}|${g.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Renders one variant for many recipients. */
export type NoticeRenderer = (recipient: Record<string, string | null>) => Promise<RenderedNotice>;

const SENTINEL = (i: number): string => `Zq${i}xRcptxQz`;
const tricky = (k: string): string => `<b>${k}</b> & "O'Neil" *_[x](y)_*`;

/**
 * A renderer for one template and the campaign's values. Liquid and Markdown run once per
 * recipient shape with a sentinel in each recipient field, and each recipient's values are put
 * in the sentinels' places, escaped as the full render would: a send of 100,000 notices spends
 * its time on SMTP, not on Markdown. Checked at once against a full render of a recipient with
 * markup and quotes; a template that transforms recipient fields (filters) is rendered in full
 * for each recipient instead.
 */
export function compileNotice(t: NoticeTemplate, values: Record<string, unknown>): NoticeRenderer {
  const shapes = new Map<string, Promise<NoticeRenderer>>();
  const full: NoticeRenderer = (r) => renderNotice(t, { ...values, recipient: r });
  const build = async (keys: readonly string[]): Promise<NoticeRenderer> => {
    const sentinel: Record<string, string> = {};
    keys.forEach((k, i) => {
      sentinel[k] = SENTINEL(i);
    });
    const shape = await renderNotice(t, { ...values, recipient: sentinel });
    const fill = (s: string, r: Record<string, string | null>, esc: (v: string) => string): string =>
      keys.reduce((acc, k, i) => acc.split(SENTINEL(i)).join(esc(oneLine(r[k] ?? ''))), s);
    const fast: NoticeRenderer = async (r) => ({
      subject: fill(shape.subject, r, (v) => v).trim(),
      text: fill(shape.text, r, (v) => v),
      html: fill(shape.html, r, escapeHtml),
      headings: shape.headings.map((h) => fill(h, r, (v) => v)),
    });
    const probe: Record<string, string> = {};
    for (const k of keys) probe[k] = tricky(k);
    const [a, b] = await Promise.all([fast(probe), full(probe)]);
    const same = a.subject === b.subject && a.text === b.text && a.html === b.html;
    return same ? fast : full;
  };
  return (r) => {
    const keys = Object.keys(r).sort();
    const sig = keys.join('\u0000');
    let p = shapes.get(sig);
    if (p === undefined) {
      p = build(keys);
      shapes.set(sig, p);
    }
    return p.then((render) => render(r));
  };
}

// The post-incident report: summary, cause, timeline, what was exposed, who was notified when,
// what was restored, lessons and follow-ups, as Markdown, and as HTML (marked) for printing or
// a PDF. Everything that came from logs, files or people is escaped: the report is read in a
// browser and attacker text must stay text.

import { Marked } from 'marked';
import { escapeMarkdown as esc } from '../plan/index.ts';
import type { ChecklistStep } from './checklist.ts';
import type { Incident, TimelineEntry } from './model.ts';
import type { Obligation } from '../obligations/index.ts';

export interface ReportInput {
  incident: Incident;
  timeline: readonly TimelineEntry[];
  steps: readonly ChecklistStep[];
  obligations: readonly Obligation[];
  /** The obligations come from the plan's answers, not from stated facts. */
  provisional: boolean;
  causes: readonly string[];
  now: number;
  /** Timeline entries kept in the report (the rest are in the evidence export). */
  maxTimeline?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Entries worth a line in a report: not every 404 of a scanner. */
function notable(e: TimelineEntry): boolean {
  if (e.kind !== 'finding') return true;
  return e.severity === 'high' || e.severity === 'critical' || e.severity === 'medium';
}

export function reportMarkdown(r: ReportInput): string {
  const i = r.incident;
  const out: string[] = [];
  out.push(`# Incident report: ${esc(i.title)}`, '');
  out.push(`| | |`, `| --- | --- |`);
  out.push(`| Incident | ${i.id} |`);
  out.push(`| Severity | ${i.severity} |`);
  out.push(`| Status | ${i.status} |`);
  out.push(`| Discovered | ${iso(i.discoveredAt)} |`);
  out.push(`| Declared | ${iso(i.declaredAt)} by ${esc(i.declaredBy)} |`);
  if (i.status === 'closed') out.push(`| Closed | ${iso(i.closedAt)} by ${esc(i.closedBy)} |`);
  out.push(`| Report written | ${iso(r.now)} |`, '');

  out.push('## Summary', '');
  if (i.status === 'closed' && i.summary !== null) out.push(esc(i.summary), '');
  else out.push('_Not closed yet: the summary is written when the incident is closed (`ripcord incident close`)._', '');

  out.push('## Cause', '');
  if (r.causes.length === 0) out.push('No candidate cause was found in the record.', '');
  else {
    out.push('Candidate causes from the record (to be confirmed by the owner or the investigator):', '');
    for (const c of r.causes) out.push(`- ${esc(c)}`);
    out.push('');
  }

  out.push('## What was exposed', '');
  if (i.facts === null) out.push('_No facts stated yet (`ripcord incident facts FILE`)._', '');
  else {
    out.push(`Data elements: ${i.facts.elements.map(esc).join(', ')}${i.facts.encrypted ? ' (encrypted)' : ''}.`, '');
    const affected = Object.entries(i.facts.affected);
    if (affected.length > 0) {
      out.push('| Where | People |', '| --- | ---: |');
      for (const [code, n] of affected) out.push(`| ${esc(code)} | ${n} |`);
      out.push(`| **Total** | **${affected.reduce((s, [, n]) => s + n, 0)}** |`, '');
    }
  }

  out.push('## Who was notified, when', '');
  if (r.provisional) out.push('_Provisional: from the plan (where customers live), until the facts are stated._', '');
  const notifySteps = r.steps.filter((s) => s.goal === 'minimise' && s.due !== null);
  if (notifySteps.length === 0) out.push('No notification duty was found.', '');
  else {
    out.push('| Duty | Due | Done |', '| --- | --- | --- |');
    for (const s of notifySteps)
      out.push(
        `| ${s.text} | ${s.due ?? ''} | ${s.done === null ? '**not yet**' : `${iso(s.done.time)} by ${esc(s.done.by)}`} |`,
      );
    out.push('');
  }
  const notices = r.timeline.filter((e) => e.kind === 'notice');
  if (notices.length > 0) {
    out.push('Customer notices sent (the outbox is the record of each message):', '');
    for (const e of notices) out.push(`- ${iso(e.time)} ${esc(e.summary)}`);
    out.push('');
  }

  out.push('## What was restored', '');
  const repairs = r.timeline.filter(
    (e) => e.time >= i.declaredAt && (e.kind === 'backup' || (e.kind === 'file-change' && /revert/.test(e.summary))),
  );
  const repairSteps = r.steps.filter((s) => s.goal === 'repair' && s.done !== null);
  if (repairs.length + repairSteps.length === 0) out.push('Nothing recorded yet.', '');
  else {
    for (const e of repairs) out.push(`- ${iso(e.time)} ${esc(e.summary)}`);
    for (const s of repairSteps) out.push(`- ${iso(s.done?.time ?? 0)} done: ${s.text}`);
    out.push('');
  }

  out.push('## Timeline', '');
  const shown = r.timeline.filter(notable);
  const max = r.maxTimeline ?? 300;
  out.push('| Time (UTC) | What | Source |', '| --- | --- | --- |');
  for (const e of shown.slice(0, max)) {
    out.push(`| ${iso(e.time)} | ${e.kind}: ${esc(e.summary)} | ${esc(e.source)} |`);
    for (const q of e.requests ?? [])
      out.push(
        `| ${iso(q.time)} | ↳ request before it: ${esc(q.method)} ${esc(q.path)} → ${q.status} from ${esc(q.ip)} | |`,
      );
  }
  out.push('');
  if (shown.length > max || shown.length < r.timeline.length)
    out.push(
      `_${r.timeline.length} entries in all; ${Math.min(shown.length, max)} shown (low-severity findings left out). The evidence export has every one._`,
      '',
    );

  out.push('## Lessons and follow-ups', '');
  const lessons = i.status === 'closed' ? i.lessons : [];
  if (lessons.length === 0) out.push('_No lessons recorded yet (`ripcord incident close --lesson TEXT`)._');
  for (const l of lessons) out.push(`- ${esc(l)}`);
  const open = r.steps.filter((s) => s.done === null);
  if (open.length > 0) {
    out.push('', `Steps still open (${open.length}):`, '');
    for (const s of open) out.push(`- [ ] ${s.n}. ${s.text}${s.command !== null ? ` \`${s.command}\`` : ''}`);
  }
  out.push('');
  return out.join('\n');
}

const style = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}`;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Raw HTML in the Markdown is shown as text, never passed through.
const marked = new Marked({ gfm: true, async: false, renderer: { html: (token) => escapeHtml(token.text) } });

/** The report as one self-contained HTML page. */
export function reportHtml(markdown: string, title: string): string {
  const body = marked.parse(markdown, { async: false });
  const t = escapeHtml(title);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Incident report: ${t}</title><style>${style}</style></head><body>\n${body}</body></html>\n`;
}

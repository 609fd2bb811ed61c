// The dashboard's file pages: what changed since the known-good baseline (with the malicious
// code found in it and the requests just before each change), one file's diff, and revert
// with a confirmation that shows exactly what will be written (the bytes, their hash, and the
// diff from now to them). The confirmation carries the hash of the content the person saw:
// if the file changed again in between, nothing is written. Every revert is in the audit log.

import type { Env as HonoEnv, Hono } from 'hono';
import { html } from 'hono/html';
import { join } from 'node:path';
import type { App } from '../app/context.ts';
import { auditWrite, fileChanges, fileDiff, fileRevert } from '../app/http.ts';
import { sessionLabel } from '../app/tokens.ts';
import { toAppError } from '../core/errors.ts';
import {
  csrfField,
  formOk,
  iso,
  ipLink,
  page,
  pageSession,
  refusedForm,
  signInPage,
  stepsTable,
  type Session,
} from './layout.ts';

const fileLink = (root: string, path: string) =>
  html`<a href="/files/diff?p=${encodeURIComponent(join(root, path))}">${path}</a>`;

/** A unified diff, one line per span, coloured by its first character (the text escaped). */
function diffView(diff: string) {
  if (diff === '') return html`<p class="muted">No text difference to show.</p>`;
  return html`<pre class="diff">${diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? html`<span class="add">${l}</span>`
        : l.startsWith('-') && !l.startsWith('---')
          ? html`<span class="del">${l}</span>`
          : l.startsWith('@@')
            ? html`<span class="hunk">${l}</span>`
            : html`${l}\n`,
    )}</pre>`;
}

function problem(title: string, e: unknown) {
  const err = toAppError(e);
  return page(
    `Ripcord: ${title}`,
    html`<h1>${title}</h1><p class="sev-high">${err.describe()}</p>${err.details.map(
      (d) => html`<p class="muted">${d}</p>`,
    )}<p><a href="/files">← file changes</a></p>`,
  );
}

const sessionBy = (s: Session) => sessionLabel(s.id);

export function mountFilePages<E extends HonoEnv>(api: Hono<E>, app: App): void {
  api.get('/files', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    let checked: Awaited<ReturnType<typeof fileChanges>>;
    try {
      checked = await fileChanges(app);
    } catch (e) {
      return c.html(problem('File changes', e), toAppError(e).httpStatus as 400);
    }
    const { changes } = checked;
    return c.html(
      page(
        'Ripcord: file changes',
        html`<h1>File changes (${changes.length})</h1>
<p class="muted">Against the known-good baseline ${checked.baseline.slice(0, 8)} · ${checked.roots.join(', ')}</p>
${
  changes.length === 0
    ? html`<p>Every covered file is as in the baseline.</p>`
    : html`<table><tr><th>File</th><th>What</th><th>When</th><th>Malicious code</th><th>Requests just before</th></tr>${changes.map(
        (ch) =>
          html`<tr><td>${fileLink(ch.root, ch.path)}</td><td>${ch.kinds.join(', ')}</td><td>${
            ch.time === null ? '' : iso(ch.time)
          }</td><td class="${ch.findings.length > 0 ? 'sev-critical' : ''}">${ch.findings
            .map((f) => f.rule)
            .join(', ')}</td><td>${ch.requests
            .slice(0, 3)
            .map((r) => html`<div>${ipLink(r.ip)} ${r.method} ${r.path} ${r.status}</div>`)}</td></tr>`,
      )}</table>`
}`,
      ),
    );
  });

  api.get('/files/diff', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const p = c.req.query('p') ?? '';
    try {
      const d = await fileDiff(app, p);
      // a folder ('not-a-file') may hold added files: the confirmation's dry run tells
      const changed = d.status !== 'unchanged';
      return c.html(
        page(
          `Ripcord: ${d.path}`,
          html`<h1>${d.path}</h1><p class="muted">${d.root} · ${d.status}${d.binary ? ' · binary' : ''}</p>
<table><tr><th></th><th>Size</th><th>SHA-256</th><th>Mode</th></tr>
<tr><td>Baseline</td><td>${d.before?.size ?? '-'}</td><td>${d.before?.hash ?? '-'}</td><td>${
            d.before === null ? '-' : d.before.mode.toString(8)
          }</td></tr>
<tr><td>Now</td><td>${d.after?.size ?? '-'}</td><td>${d.after?.hash ?? '-'}</td><td>${
            d.after === null ? '-' : d.after.mode.toString(8)
          }</td></tr></table>
<h2>Diff</h2>${diffView(d.diff)}
${
  changed
    ? html`<form method="get" action="/files/revert"><input type="hidden" name="p" value="${join(d.root, d.path)}"><button>Revert…</button></form>`
    : ''
}<p><a href="/files">← file changes</a></p>`,
        ),
      );
    } catch (e) {
      return c.html(problem('Diff', e), toAppError(e).httpStatus as 400);
    }
  });

  // the confirmation: exactly what will be written, from a dry run
  api.get('/files/revert', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const p = c.req.query('p') ?? '';
    try {
      const d = await fileDiff(app, p);
      const abs = join(d.root, d.path);
      const plan = await fileRevert(app, {
        path: abs,
        expect: d.after?.hash ?? null,
        by: sessionBy(s),
        dryRun: true,
        quarantineAdded: true,
        current: d,
      });
      const quarantined = plan.steps.filter((st) => st.action === 'quarantine').length;
      const writes = plan.steps.some((st) => st.action === 'restore' || st.action === 'recreate');
      // The reverse of the diff: from what is there now to what will be written.
      const reverse = d.binary || d.diff === '' ? '' : reverseDiff(d.diff);
      return c.html(
        page(
          `Ripcord: revert ${d.path}`,
          html`<h1>Revert ${d.path}?</h1>
${
  writes && d.before !== null
    ? html`<p>Will write <strong>${d.before.size} bytes</strong> (SHA-256 <code>${d.before.hash}</code>, mode ${d.before.mode.toString(8)}), the known-good copy, to <code>${abs}</code>.</p>`
    : ''
}${
  quarantined > 0
    ? html`<p>${quarantined} ${quarantined === 1 ? 'entry is' : 'entries are'} not in the baseline and will be <strong>moved to the quarantine folder</strong> (kept, not destroyed).</p>`
    : ''
}${plan.steps.length === 0 ? html`<p class="muted">Nothing to revert here.</p>` : ''}
<h2>Steps</h2>${stepsTable(plan.steps)}
${reverse === '' ? '' : html`<h2>The change this makes</h2>${diffView(reverse)}`}
${
  plan.steps.length === 0
    ? ''
    : html`<form method="post" action="/files/revert">${csrfField(s)}<input type="hidden" name="p" value="${abs}"><input type="hidden" name="expect" value="${
        d.after?.hash ?? ''
      }"><button class="danger">Revert now</button></form>`
}
<p><a href="/files/diff?p=${encodeURIComponent(abs)}">Cancel</a></p>`,
        ),
      );
    } catch (e) {
      return c.html(problem('Revert', e), toAppError(e).httpStatus as 400);
    }
  });

  api.post('/files/revert', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const form = await formOk(c, s);
    if (form === null) return refusedForm(c);
    const p = form['p'] ?? '';
    let status = 200;
    try {
      const r = await fileRevert(app, {
        path: p,
        expect: form['expect'] === '' || form['expect'] === undefined ? null : form['expect'],
        by: sessionBy(s),
        dryRun: false,
        quarantineAdded: true,
      });
      if (r.failed > 0 || r.refused > 0) status = 422;
      return c.html(
        page(
          'Ripcord: reverted',
          html`<h1>${r.failed + r.refused === 0 ? 'Reverted' : 'Not everything was reverted'}</h1>
${stepsTable(r.steps)}${r.quarantineDir === null ? '' : html`<p class="muted">Quarantine: ${r.quarantineDir}</p>`}
<p><a href="/files">Check the files again</a></p>`,
        ),
        status as 200,
      );
    } catch (e) {
      status = toAppError(e).httpStatus;
      return c.html(problem('Revert', e), status as 400);
    } finally {
      await auditWrite(app, { by: sessionBy(s), method: 'POST', path: `/files/revert ${p}`, status });
    }
  });
}

/** Swaps the sides of a unified diff (baseline→now becomes now→baseline). */
function reverseDiff(diff: string): string {
  const lines = diff.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as string;
    if (l.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
      out.push(`--- ${(lines[i + 1] as string).slice(4)}`, `+++ ${l.slice(4)}`);
      i += 2;
      continue;
    }
    const m = /^@@ -(\S+) \+(\S+) @@(.*)$/.exec(l);
    if (m !== null) out.push(`@@ -${m[2]} +${m[1]} @@${m[3]}`);
    else if (l.startsWith('+')) out.push(`-${l.slice(1)}`);
    else if (l.startsWith('-')) out.push(`+${l.slice(1)}`);
    else out.push(l);
    i++;
  }
  return out.join('\n');
}

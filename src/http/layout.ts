// What every dashboard page shares: the stylesheet, the page frame with its navigation, the
// session check (cookie → session and its CSRF token), the same-origin check for forms, and
// small formatters. hono/html escapes every interpolated value, so attacker-controlled text
// (paths, user agents, user names, file content) is shown as text.

import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { App } from '../app/context.ts';
import { checkSession, hasDashboardUsers } from '../app/tokens.ts';

export const COOKIE = 'rc_session';

/** Sets the session cookie a sign-in opened: HttpOnly, Secure, SameSite=Strict. */
export function sessionCookie(c: Context, s: { session: string; maxAgeS: number }): void {
  setCookie(c, COOKIE, s.session, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/', maxAge: s.maxAgeS });
}

/** The answer to a form that failed the CSRF or same-origin check. */
export const refusedForm = (c: Context) => c.text('refused: this form did not come from this dashboard', 403);

/** A static file of the dashboard, cached by browsers for an hour. */
export function staticFile(c: Context, type: string, body: string) {
  c.header('Content-Type', type);
  c.header('Cache-Control', 'max-age=3600');
  return c.body(body);
}

/** What a revert did or will do, a row a step. */
export const stepsTable = (steps: readonly { action: string; path: string; detail: string | null }[]) =>
  html`<table><tr><th>Action</th><th>Path</th><th>Detail</th></tr>${steps.map(
    (st) => html`<tr><td>${st.action}</td><td>${st.path}</td><td>${st.detail ?? ''}</td></tr>`,
  )}</table>`;

/** Pages: this server's stylesheet only, and scripts only from this server (the charts). */
const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const css = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;padding:0 12px 40px;color:#1c1c1c;background:#fafafa}
h1,h2,p,code,a{overflow-wrap:anywhere}
h1{font-size:20px;margin:16px 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
nav{margin:8px 0;display:flex;flex-wrap:wrap;gap:4px 14px}nav a{color:#0b57d0}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{padding:4px 6px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top;overflow-wrap:anywhere}th{color:#555;font-weight:600}
.sev-critical,.sev-high{color:#b00020;font-weight:600}.new{background:#fde7e9;color:#b00020;padding:0 4px}
.muted{color:#777}button{font:inherit;padding:2px 10px}.inline{display:inline}
.danger{background:#b00020;color:#fff;border:0;padding:6px 14px;border-radius:3px}
pre.diff{font:12px/1.35 ui-monospace,monospace;background:#fff;border:1px solid #ddd;padding:6px;overflow-x:auto;
white-space:pre-wrap;overflow-wrap:anywhere}.add{background:#e6ffec;display:block}.del{background:#ffebe9;display:block}
.hunk{color:#6f42c1;display:block}form.search{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
form.search input{font:inherit;padding:2px 4px;max-width:100%}.chart{width:100%;min-height:220px}
label{display:block;margin:6px 0 2px}input[type=password],input[type=text]{font:inherit;padding:4px;width:min(320px,100%)}
@media (max-width:640px){body{font-size:14px}td,th{padding:3px 4px}table{font-size:12px}}
`;

export const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export const ipPattern = /^[0-9a-f:.]{2,45}$/i;

/** An address links to its page (the path segment is checked to be an address first). */
export const ipLink = (ip: string | null | undefined) =>
  ip === null || ip === undefined || ip === '' ? '' : ipPattern.test(ip) ? html`<a href="/ip/${ip}">${ip}</a>` : ip;

const nav = html`<nav><a href="/">Overview</a><a href="/files">Files</a><a href="/traffic">Traffic</a></nav>`;

export function page(
  title: string,
  body: ReturnType<typeof html>,
  o: { scripts?: string[]; styles?: string[]; nav?: boolean } = {},
) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/static/app.css">${(o.styles ?? []).map(
    (s) => html`<link rel="stylesheet" href="${s}">`,
  )}${(o.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}</head>
<body>${o.nav === false ? '' : nav}${body}</body></html>`;
}

export interface Session {
  id: string;
  csrf: string;
}

export async function session(app: App, c: Context): Promise<Session | null> {
  const id = getCookie(c, COOKIE);
  if (id === undefined) return null;
  const s = await checkSession(app, id);
  return s === null ? null : { id, csrf: s.csrf };
}

/** A page request's session with the pages' CSP set, or null when signed out (answer with signInPage). */
export async function pageSession(app: App, c: Context): Promise<Session | null> {
  const s = await session(app, c);
  if (s !== null) c.header('Content-Security-Policy', CSP);
  return s;
}

/** The sign-in page, with the password form only when some user has a password. */
export async function signInPage(app: App, c: Context, o: { status?: 401 | 429; message?: string } = {}) {
  return signedOut(c, { ...o, passwords: await hasDashboardUsers(app) });
}

/** Same-origin check for forms, beside SameSite=Strict: browsers send Sec-Fetch-Site or Origin. */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('Sec-Fetch-Site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('Origin');
  if (origin === undefined) return true; // not a browser form: the CSRF token alone decides
  return origin === new URL(c.req.url).origin;
}

/** A form's CSRF token is the session's, and the form came from this origin. */
export async function formOk(c: Context, s: Session): Promise<Record<string, string> | null> {
  const form = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === 'string') fields[k] = v;
  return fields['csrf'] === s.csrf && sameOrigin(c) ? fields : null;
}

export const csrfField = (s: Session) => html`<input type="hidden" name="csrf" value="${s.csrf}">`;

/** The sign-in page: the password form (when a user has a password) and the one-time link. */
function signedOut(c: Context, o: { status?: 401 | 429; message?: string; passwords?: boolean } = {}) {
  c.header('Content-Security-Policy', CSP);
  return c.html(
    page(
      'Ripcord: sign in',
      html`<h1>Ripcord</h1>${o.message === undefined ? '' : html`<p class="sev-high">${o.message}</p>`}
${
  o.passwords === false
    ? ''
    : html`<form method="post" action="/login"><label for="user">User</label><input type="text" id="user" name="user" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<p><button>Sign in</button></p></form>`
}
<p class="muted">Or sign in with a one-time link: on the server, run <code>ripcord dashboard link</code> and open the address it prints.</p>`,
      { nav: false },
    ),
    o.status ?? 401,
  );
}

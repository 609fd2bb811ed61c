// The dashboard's first page, server-rendered (hono/html escapes every interpolated value, so
// attacker-controlled paths, user agents and user names are shown as text): what needs
// attention now — open alerts (with an acknowledge button), recent findings, logins with new
// places flagged, notice campaigns and incidents. Sign-in is a one-time link printed on the
// server (`ripcord dashboard link`) that opens a 12-hour session: cookie HttpOnly, Secure,
// SameSite=Strict; every form carries the session's CSRF token and must come from this origin.
// No script at all; the CSP allows only this server's stylesheet. Works on a phone.

import type { Env as HonoEnv, Hono } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { deleteCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import type { App } from '../app/context.ts';
import { ackAlert, alertsStatus, listAlerts } from '../app/alerts.ts';
import { incidentStatus, listIncidents, type IncidentStatus } from '../app/incident.ts';
import { listCampaigns } from '../app/notices.ts';
import { listHosts } from '../app/hosts.ts';
import { endSession, passwordLogin, redeemLoginLink, sessionLabel } from '../app/tokens.ts';
import { addressActivity, auditWrite, backupOverview, logins, recentFindings } from '../app/http.ts';
import {
  COOKIE,
  css,
  csrfField,
  formOk,
  iso,
  ipLink,
  ipPattern,
  page,
  pageSession,
  refusedForm,
  sameOrigin,
  session,
  sessionCookie,
  signInPage,
  staticFile,
} from './layout.ts';
import { LoginLimiter } from './login-limit.ts';
import { mountFilePages } from './dashboard-files.ts';
import { mountTrafficPages } from './dashboard-traffic.ts';

/** Time left on a deadline: `2d 5h`, `3h 10m`, `OVERDUE 4h`, or the text when it has no date. */
function left(ms: number | null): string {
  if (ms === null) return 'no fixed date';
  const a = Math.abs(ms);
  const d = Math.floor(a / 86_400_000);
  const h = Math.floor((a % 86_400_000) / 3_600_000);
  const m = Math.floor((a % 3_600_000) / 60_000);
  const t = d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m`;
  return ms < 0 ? `OVERDUE ${t}` : t;
}

export function mountDashboard<E extends HonoEnv>(api: Hono<E>, app: App): void {
  mountFilePages(api, app);
  mountTrafficPages(api, app);
  const limiter = new LoginLimiter(() => app.clock.now());

  // no icon: an empty answer instead of a 404 in every browser console
  api.get('/favicon.ico', (c) => c.body(null, 204));

  api.get('/static/app.css', (c) => staticFile(c, 'text/css; charset=utf-8', css));

  api.get('/login', async (c) => {
    const s = await redeemLoginLink(app, c.req.query('t') ?? '');
    if (s === null) return signInPage(app, c);
    sessionCookie(c, s);
    return c.redirect('/', 303);
  });

  // password sign-in, rate-limited on failures per address, per user and overall
  api.post('/login', async (c) => {
    if (!sameOrigin(c)) return refusedForm(c);
    const form = await c.req.parseBody();
    const user = typeof form['user'] === 'string' ? form['user'].slice(0, 64) : '';
    const password = typeof form['password'] === 'string' ? form['password'] : '';
    let ip = 'unknown';
    try {
      ip = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // not served by @hono/node-server (unit tests call the app directly)
    }
    const wait = limiter.retryAfterS(ip, user);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return signInPage(app, c, {
        status: 429,
        message: `Too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minutes.`,
      });
    }
    const s = await passwordLogin(app, user, password);
    await auditWrite(app, {
      by: `sign-in ${ip}`,
      method: 'POST',
      path: `/login ${s === null ? 'failed' : 'ok'}`,
      status: s === null ? 401 : 303,
    });
    if (s === null) {
      limiter.failed(ip, user);
      return signInPage(app, c, { message: 'Wrong user or password.' });
    }
    limiter.succeeded(ip, user);
    sessionCookie(c, s);
    return c.redirect('/', 303);
  });

  api.post('/logout', async (c) => {
    const s = await session(app, c);
    if (s !== null && (await formOk(c, s)) !== null) await endSession(app, s.id);
    deleteCookie(c, COOKIE, { path: '/', secure: true });
    return c.redirect('/', 303);
  });

  api.post('/alerts/:id/ack', async (c) => {
    const s = await session(app, c);
    if (s === null) return signInPage(app, c);
    if ((await formOk(c, s)) === null) return refusedForm(c);
    const id = Number(c.req.param('id'));
    if (Number.isInteger(id) && id > 0) {
      const r = await ackAlert(app, id);
      await auditWrite(app, {
        by: sessionLabel(s.id),
        method: 'POST',
        path: `/alerts/${id}/ack`,
        status: r.acked || r.already ? 200 : 404,
      });
    }
    return c.redirect('/', 303);
  });

  // an attacker's timeline: every finding and request of one address, newest first
  api.get('/ip/:ip', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const ip = c.req.param('ip') ?? '';
    if (!ipPattern.test(ip)) return c.text('not an address', 400);
    const { findings, events } = await addressActivity(app, ip, 500);
    return c.html(
      page(
        `Ripcord: ${ip}`,
        html`<h1>${ip}</h1><p><a href="/">← overview</a></p>
<h2>Findings (${findings.length})</h2>
${
  findings.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><tr><th>When</th><th>Severity</th><th>Rule</th><th>What</th></tr>${findings.map(
        (f) =>
          html`<tr><td>${iso(f.time)}</td><td class="sev-${f.severity}">${f.severity}</td><td>${f.rule}</td><td>${f.message}</td></tr>`,
      )}</table>`
}
<h2>Requests and logins (${events.length}${events.length === 500 ? ', newest' : ''})</h2>
${
  events.length === 0
    ? html`<p class="muted">None in the record.</p>`
    : html`<table><tr><th>When</th><th>What</th><th>Status</th><th>Agent</th></tr>${events.map((e) =>
        e.kind === 'http'
          ? html`<tr><td>${iso(e.time)}</td><td>${e.method} ${e.path}${e.query === '' ? '' : `?${e.query}`}</td><td>${e.status}</td><td>${e.userAgent ?? ''}</td></tr>`
          : html`<tr><td>${iso(e.time)}</td><td>${e.service} ${e.action} ${e.user ?? '?'}</td><td>${e.outcome}</td><td></td></tr>`,
      )}</table>`
}`,
      ),
    );
  });

  api.get('/', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const [alerts, findings, who, campaigns, incidents, health, hosts, backups] = await Promise.all([
      listAlerts(app, { status: 'open', limit: 50 }),
      recentFindings(app, 30),
      logins(app, { limit: 30 }),
      listCampaigns(app),
      listIncidents(app),
      alertsStatus(app),
      listHosts(app),
      backupOverview(app),
    ]);
    const open = incidents.find((i) => i.status === 'open');
    const status: IncidentStatus | null = open === undefined ? null : await incidentStatus(app, open);
    const csrf = csrfField(s);
    // several web servers on one store: say which one each finding came from
    const manyHosts = hosts.length > 1;
    return c.html(
      page(
        'Ripcord',
        html`<h1>Ripcord — ${app.config.site.name}</h1>
<div class="muted">${iso(app.clock.now())} UTC · <form method="post" action="/logout" class="inline">${csrf}<button>Sign out</button></form></div>
<h2>Open alerts (${alerts.length})</h2>
${
  alerts.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><tr><th>When</th><th>Severity</th><th>What</th><th>From</th><th></th></tr>${alerts.map(
        (a) =>
          html`<tr><td>${iso(a.openedAt)}</td><td class="sev-${a.severity}">${a.severity}</td><td>${a.message}${
            a.count > 1 ? ` ×${a.count}` : ''
          }</td><td>${ipLink(a.ip)}</td><td><form method="post" action="/alerts/${a.id}/ack">${csrf}<button>Acknowledge</button></form></td></tr>`,
      )}</table>`
}
<h2>Recent findings</h2>
${
  findings.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><tr><th>When</th><th>Severity</th><th>Rule</th><th>What</th><th>IP</th>${
        manyHosts ? html`<th>Server</th>` : ''
      }</tr>${findings.map(
        (f) =>
          html`<tr><td>${iso(f.time)}</td><td class="sev-${f.severity}">${f.severity}</td><td>${f.rule}</td><td>${f.message}</td><td>${ipLink(f.ip)}</td>${
            manyHosts ? html`<td>${f.host ?? ''}</td>` : ''
          }</tr>`,
      )}</table>`
}
<h2>Who logged in</h2>
${
  who.length === 0
    ? html`<p class="muted">Nobody in the record.</p>`
    : html`<table><tr><th>When</th><th>User</th><th>From</th><th>Service</th></tr>${who.map(
        (w) =>
          html`<tr><td>${iso(w.time)}</td><td>${w.user ?? '?'}</td><td>${w.ip === null ? 'local' : ipLink(w.ip)}${
            w.knownIp === false ? raw(' <span class="new">NEW place</span>') : ''
          }</td><td>${w.service}</td></tr>`,
      )}</table>`
}
<h2>Incidents</h2>
${
  incidents.length === 0
    ? html`<p class="muted">None declared.</p>`
    : html`<table><tr><th>Id</th><th>Status</th><th>Title</th></tr>${incidents.map(
        (i) => html`<tr><td>${i.id}</td><td>${i.status}</td><td>${i.title}</td></tr>`,
      )}</table>`
}
${
  status === null
    ? ''
    : html`<h2>Deadlines of ${status.incident.id}${status.provisional ? ' (provisional: from the plan)' : ''}</h2>
${
  status.deadlines.length === 0
    ? html`<p class="muted">No notification duty found (state the facts: <code>ripcord incident facts FILE</code>).</p>`
    : html`<table><tr><th>Left</th><th>Where</th><th>Duty</th><th>To</th><th>Due</th></tr>${status.deadlines.map(
        (d) =>
          html`<tr><td class="${d.leftMs !== null && d.leftMs < 0 && !d.done ? 'sev-critical' : ''}">${
            d.done ? 'done' : left(d.leftMs)
          }</td><td>${d.jurisdiction}</td><td>${d.duty.replace(/^notify_/, '')}</td><td>${d.recipient}</td><td>${
            d.dueBy ?? d.dueText
          }</td></tr>`,
      )}</table>`
}
<p class="muted">${status.steps.done} of ${status.steps.total} steps done.</p>`
}
<h2>Alert channels</h2>
${
  health.channels.length === 0
    ? html`<p class="sev-high">No alert channel is configured: nobody is told when something happens (alerts.channels).</p>`
    : html`<table><tr><th>Channel</th><th>State</th><th>Last success</th><th>Last error</th></tr>${health.channels.map(
        (ch) =>
          html`<tr><td>${ch.channel}</td><td class="${ch.consecutiveFailures > 0 ? 'sev-critical' : ''}">${
            ch.consecutiveFailures > 0
              ? `failing (${ch.consecutiveFailures}×${ch.failingSince !== null ? ` since ${iso(ch.failingSince)}` : ''})`
              : 'ok'
          }</td><td>${ch.lastSuccessAt === null ? '-' : iso(ch.lastSuccessAt)}</td><td>${ch.lastError ?? ''}</td></tr>`,
      )}</table>`
}
${
  backups === null
    ? html`<h2>Backups</h2><p class="sev-high">No backup job is configured (backup.jobs): nothing to restore from.</p>`
    : 'error' in backups
      ? html`<h2>Backups</h2><p class="sev-critical">The backup repository cannot be read: ${backups.error}</p>`
      : html`<h2>Backups</h2><table><tr><th>Job</th><th>Newest backup</th><th>Snapshot</th></tr>${backups.jobs.map(
          (b) =>
            html`<tr><td>${b.job}</td><td class="${b.last === null ? 'sev-critical' : ''}">${
              b.last === null ? 'none yet' : iso(b.last)
            }</td><td>${b.snapshot === null ? '' : b.snapshot.slice(0, 8)}</td></tr>`,
        )}</table>`
}
<h2>Servers</h2>
${
  hosts.length === 0
    ? html`<p class="muted">No server has reported yet (\`ripcord run\`).</p>`
    : html`<table><tr><th>Host</th><th>Role</th><th>Last heard</th><th>State</th></tr>${hosts.map(
        (h) =>
          html`<tr><td>${h.name}</td><td>${h.role}</td><td>${iso(h.lastSeen)}</td><td class="${h.quiet ? 'sev-critical' : ''}">${
            h.quiet ? 'QUIET' : 'ok'
          }</td></tr>`,
      )}</table>`
}
<h2>Customer notices</h2>
${
  campaigns.length === 0
    ? html`<p class="muted">No campaigns.</p>`
    : html`<table><tr><th>Campaign</th><th>Status</th><th>Sent</th><th>Failed</th><th>In doubt</th></tr>${campaigns.map(
        (v) =>
          html`<tr><td>${v.campaign.name}</td><td>${v.campaign.status}</td><td>${v.counts.sent}</td><td>${v.counts.failed}</td><td>${v.counts.uncertain}</td></tr>`,
      )}</table>`
}`,
      ),
    );
  });
}

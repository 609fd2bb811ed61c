// The dashboard's traffic page: a search over the stored requests and logins (address, path
// glob, method, status, window), a chart of requests over the window by status class (uPlot,
// served from this server: the CSP allows scripts from 'self' only), and the window's leading
// addresses and paths. Every value from the record is escaped; the chart's numbers travel in
// an attribute as JSON and are parsed, never evaluated.

import type { Env as HonoEnv, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app/context.ts';
import { dashboardAsset, trafficOverTime, trafficSearch, type DashboardAsset } from '../app/http.ts';
import { toAppError } from '../core/errors.ts';
import { iso, ipLink, ipPattern, page, pageSession, signInPage, staticFile } from './layout.ts';

const windows: Record<string, number> = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 };

export function mountTrafficPages<E extends HonoEnv>(api: Hono<E>, app: App): void {
  const serve = (name: DashboardAsset, type: string) =>
    api.get(`/static/${name}`, (c) => staticFile(c, type, dashboardAsset(name)));
  serve('uplot.js', 'text/javascript; charset=utf-8');
  serve('uplot.css', 'text/css; charset=utf-8');
  serve('traffic.js', 'text/javascript; charset=utf-8');

  api.get('/traffic', async (c) => {
    const s = await pageSession(app, c);
    if (s === null) return signInPage(app, c);
    const q = {
      ip: (c.req.query('ip') ?? '').trim(),
      path: (c.req.query('path') ?? '').trim(),
      method: (c.req.query('method') ?? '').trim(),
      status: (c.req.query('status') ?? '').trim(),
      host: (c.req.query('host') ?? '').trim(),
      window: c.req.query('window') ?? '24h',
    };
    const span = windows[q.window] ?? (windows['24h'] as number);
    const until = app.clock.now();
    const since = until - span;
    const problems: string[] = [];
    if (q.ip !== '' && !ipPattern.test(q.ip)) problems.push('the address is not an IP address');
    const status = q.status === '' ? [] : q.status.split(/[\s,]+/).map(Number);
    if (status.some((n) => !Number.isInteger(n) || n < 100 || n > 599))
      problems.push('statuses are numbers from 100 to 599, separated by commas');
    if (q.method !== '' && !/^[A-Za-z]{1,16}$/.test(q.method)) problems.push('a method is a word such as GET');
    if (q.host !== '' && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(q.host))
      problems.push('a host is a server name such as web1');
    let body: ReturnType<typeof html>;
    try {
      const [chart, found] = await Promise.all([
        trafficOverTime(app, { since, until, buckets: 96, top: 10 }),
        problems.length > 0
          ? Promise.resolve([])
          : trafficSearch(app, {
              since,
              until,
              limit: 200,
              ...(q.ip !== '' ? { ip: q.ip } : {}),
              ...(q.path !== '' ? { path: q.path } : {}),
              ...(q.method !== '' ? { method: q.method } : {}),
              ...(status.length > 0 ? { status } : {}),
              ...(q.host !== '' ? { host: q.host } : {}),
            }),
      ]);
      const series = JSON.stringify({
        time: chart.series.map((b) => b.time),
        s2xx: chart.series.map((b) => b.s2xx),
        s3xx: chart.series.map((b) => b.s3xx),
        s4xx: chart.series.map((b) => b.s4xx),
        s5xx: chart.series.map((b) => b.s5xx),
      });
      const total = chart.series.reduce((n, b) => n + b.s2xx + b.s3xx + b.s4xx + b.s5xx + b.other, 0);
      body = html`<h2>Requests over the last ${q.window in windows ? q.window : '24h'} (${total}, by status, per ${Math.round(
        chart.bucketMs / 60_000,
      )} min)</h2>
<div id="chart" class="chart" data-series="${series}"></div>
<h2>Search</h2>
<form class="search" method="get" action="/traffic">
<input name="ip" placeholder="IP address" value="${q.ip}" aria-label="IP address">
<input name="path" placeholder="path glob, e.g. /admin*" value="${q.path}" aria-label="path">
<input name="method" placeholder="method" value="${q.method}" size="6" aria-label="method">
<input name="status" placeholder="status, e.g. 404,500" value="${q.status}" size="10" aria-label="status">
<input name="host" placeholder="server" value="${q.host}" size="8" aria-label="server">
<select name="window" aria-label="window">${Object.keys(windows).map(
        (w) => html`<option value="${w}"${w === q.window ? ' selected' : ''}>${w}</option>`,
      )}</select><button>Search</button></form>
${problems.map((p) => html`<p class="sev-high">${p}</p>`)}
<table><tr><th>When</th><th>From</th><th>What</th><th>Status</th><th>Agent</th></tr>${found.map((e) =>
        e.kind === 'http'
          ? html`<tr><td>${iso(e.time)}</td><td>${ipLink(e.ip)}</td><td>${e.method} ${e.path}${
              e.query === '' ? '' : `?${e.query}`
            }</td><td>${e.status}</td><td>${e.userAgent ?? ''}</td></tr>`
          : html`<tr><td>${iso(e.time)}</td><td>${ipLink(e.ip)}</td><td>${e.service} ${e.action} ${
              e.user ?? '?'
            }</td><td>${e.outcome}</td><td></td></tr>`,
      )}</table>${found.length === 200 ? html`<p class="muted">The newest 200 shown.</p>` : ''}
<h2>Leading addresses</h2><table><tr><th>Address</th><th>Requests</th></tr>${chart.topIps.map(
        (t) => html`<tr><td>${ipLink(t.value)}</td><td>${t.count}</td></tr>`,
      )}</table>
<h2>Leading paths</h2><table><tr><th>Path</th><th>Requests</th></tr>${chart.topPaths.map(
        (t) => html`<tr><td>${t.value ?? ''}</td><td>${t.count}</td></tr>`,
      )}</table>`;
    } catch (e) {
      body = html`<p class="sev-high">${toAppError(e).describe()}</p>`;
    }
    return c.html(
      page('Ripcord: traffic', html`<h1>Traffic</h1>${body}`, {
        scripts: ['/static/uplot.js', '/static/traffic.js'],
        styles: ['/static/uplot.css'],
      }),
    );
  });
}

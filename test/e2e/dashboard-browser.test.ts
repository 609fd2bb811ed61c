// The dashboard in a real browser (Debian's Chromium through playwright-core) at a phone's
// size: the one-time link signs in (the Secure session cookie is kept on http://127.0.0.1), the
// overview lists the attack as text; hostile markup in every field (path, query, referer, user
// agent, user name, file name) stays text on every page, no script runs; and the Acknowledge
// button acknowledges the alert. Skipped, naming the package, where Chromium is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../helpers/receivers.ts';
import { freePort } from '../helpers/net.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const chromium = '/usr/bin/chromium';

const options = existsSync(chromium)
  ? {}
  : { skip: "needs Debian's chromium (apt-get install chromium); .ci/run installs it" };

test('the dashboard on a phone-sized Chromium: sign in, see the attack as text, acknowledge', options, async () => {
  const { chromium: pw } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-dash-'));
  const port = await freePort();
  let run: ChildProcess | null = null;
  const browser = await pw.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
  try {
    writeFileSync(
      join(dir, 'ripcord.yml'),
      [
        'stateDir: ./state',
        'site: { name: Harbor & Pine, root: ./site }',
        'repository: { passphrase: test-only }',
        `http: { listen: "127.0.0.1:${port}" }`,
        'sources:',
        '  - { type: file, id: web, path: ./access.log, format: nginx }',
        '  - { type: file, id: auth, path: ./auth.log, format: syslog }',
        '',
      ].join('\n'),
    );
    const stamp = new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
    // hostile text in every field a page shows: path, query, referer, user agent, user names, file names
    const x = (n: number) => `<img src=x onerror="window.pwned${n}=1"><script>window.pwned${n}=1</script>`;
    writeFileSync(
      join(dir, 'access.log'),
      [
        `203.0.113.9 - - [${stamp}] "GET /search?q=%3Cscript%3Ewindow.pwned%3D1%3C/script%3E HTTP/1.1" 200 512 "-" "Mozilla/5.0"`,
        `203.0.113.9 - - [${stamp}] "GET /${x(2).replaceAll(' ', '%20').replaceAll('"', '%22')} HTTP/1.1" 404 5 "${x(3).replaceAll('"', "'")}" "${x(4).replaceAll('"', "'")}"`,
        '',
      ].join('\n'),
    );
    const now = new Date();
    const syslogStamp = `${now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(now.getUTCDate()).padStart(2, ' ')} ${now.toISOString().slice(11, 19)}`;
    writeFileSync(
      join(dir, 'auth.log'),
      `${syslogStamp} web1 sshd[4242]: Accepted password for ${x(5).replaceAll(' ', '_')} from 203.0.113.9 port 50000 ssh2\n`,
    );
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.php'), '<?php echo 1;\n');
    const baseline = spawnSync(
      process.execPath,
      [main, '--config', join(dir, 'ripcord.yml'), 'integrity', 'baseline'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    assert.equal(baseline.status, 0, baseline.stderr);
    writeFileSync(join(dir, 'site', `${x(6).replaceAll('/', '_')}.php`), '<?php eval($_POST["x"]);\n');
    run = spawn(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), 'run'], { cwd: dir, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await until('the server answers', async () => {
      try {
        await fetch(`${base}/static/app.css`);
        return true;
      } catch {
        return false;
      }
    });
    const link = spawnSync(
      process.execPath,
      [main, '--config', join(dir, 'ripcord.yml'), 'dashboard', 'link', '--json'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    const { url } = JSON.parse(link.stdout) as { url: string };

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    assert.equal(new URL(page.url()).pathname, '/');
    await page.getByRole('heading', { name: /Ripcord — Harbor & Pine/ }).waitFor();
    // the alert arrives as the daemon reads the log: reload until it is listed
    await until(
      'the alert is on the page',
      async () => {
        await page.reload();
        return (await page.getByRole('button', { name: 'Acknowledge' }).count()) > 0;
      },
      30_000,
    );
    assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
    assert.match(await page.content(), /target &lt;script/);
    // every page that shows the record or the files: the markup is text, no script ran
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    for (const path of ['/', '/ip/203.0.113.9', '/traffic', '/traffic?ip=203.0.113.9', '/files']) {
      await page.goto(`${base}${path}`);
      const pwned = await page.evaluate('[1,2,3,4,5,6].filter((n) => window["pwned" + n] !== undefined)');
      assert.deepEqual(pwned, [], `${path}: no script from the record ran`);
      assert.equal(await page.locator('img[src=x], body script:not([src])').count(), 0, `${path}: no injected element`);
    }
    assert.match(await page.content(), /&lt;img src=x onerror=/, 'the hostile file name is shown as text');
    await page.goto(`${base}/ip/203.0.113.9`);
    const ipText = (await page.textContent('body')) ?? '';
    assert.match(ipText, /<img src=x onerror=/, 'the request path is shown, as text');
    assert.match(ipText, /<script>window\.pwned5=1<\/script>|<img_src=x_onerror=/, 'the user name is shown, as text');
    assert.deepEqual(dialogs, []);
    await page.goto(base);
    // fits a phone: no horizontal scrolling
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    const open = await page.getByRole('button', { name: 'Acknowledge' }).count();
    for (let i = 0; i < open; i++) {
      await page.getByRole('button', { name: 'Acknowledge' }).first().click();
      await page.waitForLoadState();
    }
    assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    assert.match((await page.textContent('body')) ?? '', /Open alerts \(0\)/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    run?.kill('SIGTERM');
    await new Promise((r) => (run === null ? r(null) : run.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});

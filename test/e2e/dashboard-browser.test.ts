// The dashboard in a real browser (Debian's Chromium through playwright-core) at a phone's
// size: the one-time link signs in (the Secure session cookie is kept on http://127.0.0.1), the
// overview lists the attack as text (no script from the log line runs), and the Acknowledge
// button acknowledges the alert. Skipped, naming the package, where Chromium is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
        'site: { name: Harbor & Pine }',
        `http: { listen: "127.0.0.1:${port}" }`,
        'sources: [{ type: file, id: web, path: ./access.log, format: nginx }]',
        '',
      ].join('\n'),
    );
    const stamp = new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
    writeFileSync(
      join(dir, 'access.log'),
      `203.0.113.9 - - [${stamp}] "GET /search?q=%3Cscript%3Ewindow.pwned%3D1%3C/script%3E HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n`,
    );
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
    // fits a phone: no horizontal scrolling
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    await page.getByRole('button', { name: 'Acknowledge' }).first().click();
    await page.waitForLoadState();
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

// The dashboard on the demo shop in Debian's Chromium, at desktop and phone widths: the link
// `ripcord demo` prints signs in; the overview shows the intrusion (the attacker's login from
// a new place); the attacker's page shows the webshell requests; the file pages show the
// skimmer's diff, revert it (after a confirmation showing what will be written) and move the
// webshell to the quarantine, and the check comes back clean; the traffic page draws its chart.
// Screenshots of each page go to test-artifacts/dashboard/. Skipped where Chromium is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../helpers/receivers.ts';
import { freePort } from '../helpers/net.ts';

const root = resolve(import.meta.dirname, '../..');
const main = join(root, 'src/cli/main.ts');
const chromium = '/usr/bin/chromium';
const shots = join(root, 'test-artifacts', 'dashboard');
const skimmed = 'pub/static/frontend/Harbor/pine/en_US/Magento_Checkout/js/view/payment.js';

const options = existsSync(chromium)
  ? { timeout: 240_000 }
  : { skip: "needs Debian's chromium (apt-get install chromium); .ci/run installs it" };

test(
  'the demo intrusion in the dashboard: overview, attacker, skimmer diff, revert, clean check',
  options,
  async () => {
    const { chromium: pw } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'ripcord-demo-dash-'));
    const port = await freePort();
    mkdirSync(shots, { recursive: true });
    let demo: ChildProcess | null = null;
    const browser = await pw.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
    try {
      demo = spawn(process.execPath, [main, 'demo', '--dir', dir, '--listen', `127.0.0.1:${port}`], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let said = '';
      demo.stdout?.on('data', (b: Buffer) => (said += b.toString()));
      demo.stderr?.on('data', (b: Buffer) => (said += b.toString()));
      await until('the demo prints its sign-in link', async () => /\/login\?t=[\w-]{43}/.test(said), 120_000);
      const link = /http:\/\/127\.0\.0\.1:\d+\/login\?t=[\w-]{43}/.exec(said)?.[0] as string;
      assert.ok(link.startsWith(`http://127.0.0.1:${port}/`), said);

      const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      const page = await desktop.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(link);
      await page.getByRole('heading', { name: /Ripcord — Harbor & Pine/ }).waitFor();
      const overview = (await page.textContent('body')) ?? '';
      assert.match(overview, /45\.155\.205\.99/);
      assert.match(overview, /NEW place/);
      // the backups npm start took before the attack: each job's newest snapshot
      assert.match(overview, /Newest backup.*site\d{4}-\d\d-\d\d .*shopdb\d{4}-\d\d-\d\d /s);
      // the same session on a phone: one cookie, both widths
      await phone.addCookies(await desktop.cookies());
      const small = await phone.newPage();
      const shoot = async (name: string, path: string) => {
        await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
        await small.goto(`http://127.0.0.1:${port}${path}`);
        await small.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
        const overflow = Number(await small.evaluate('document.documentElement.scrollWidth')) - 390;
        assert.ok(overflow <= 1, `${name} is ${overflow}px wider than the phone`);
      };
      await shoot('overview', '/');

      // the attacker's timeline: the webshell's requests
      await page.getByRole('link', { name: '45.155.205.99' }).first().click();
      await page.getByRole('heading', { name: '45.155.205.99' }).waitFor();
      assert.match((await page.textContent('body')) ?? '', /POST \/media\/wysiwyg\/\.system\/cache\.php/);
      await shoot('attacker', '/ip/45.155.205.99');

      // the file changes: the skimmer and the webshell
      await page.getByRole('link', { name: 'Files' }).click();
      // the webshell's folder and file (added), and the skimmed checkout script
      await page.getByRole('heading', { name: /File changes \(3\)/ }).waitFor();
      await shoot('files', '/files');
      await page.getByRole('link', { name: skimmed }).click();
      await page.getByRole('heading', { name: skimmed }).waitFor();
      assert.ok((await page.locator('pre.diff .add').count()) > 0, 'the diff shows the added lines');
      await shoot('diff', `/files/diff?p=${encodeURIComponent(join(dir, '.demo/site', skimmed))}`);
      await page.getByRole('button', { name: 'Revert…' }).click();
      await page.getByRole('heading', { name: /^Revert / }).waitFor();
      assert.match((await page.textContent('body')) ?? '', /Will write \d+ bytes/);
      await shoot('revert-confirm', `/files/revert?p=${encodeURIComponent(join(dir, '.demo/site', skimmed))}`);
      await page.getByRole('button', { name: 'Revert now' }).click();
      await page.getByRole('heading', { name: 'Reverted' }).waitFor();
      assert.equal(
        readFileSync(join(dir, '.demo/site', skimmed), 'utf8'),
        readFileSync(join(root, 'examples/demo-shop/www', skimmed), 'utf8'),
      );
      // the webshell and its folder: not in the baseline, so they go to the quarantine
      await page.getByRole('link', { name: 'Check the files again' }).click();
      await page.getByRole('heading', { name: /File changes \(2\)/ }).waitFor();
      for (const left of [1, 0]) {
        await page.locator('table a[href^="/files/diff"]').last().click();
        await page.getByRole('button', { name: 'Revert…' }).click();
        assert.match((await page.textContent('body')) ?? '', /moved to the quarantine folder/);
        await page.getByRole('button', { name: 'Revert now' }).click();
        await page.getByRole('heading', { name: 'Reverted' }).waitFor();
        await page.getByRole('link', { name: 'Check the files again' }).click();
        await page.getByRole('heading', { name: new RegExp(`File changes \\(${left}\\)`) }).waitFor();
      }
      assert.equal(existsSync(join(dir, '.demo/site/pub/media/wysiwyg/.system')), false);
      await page.getByRole('heading', { name: /File changes \(0\)/ }).waitFor();
      assert.match((await page.textContent('body')) ?? '', /Every covered file is as in the baseline/);

      // traffic: the chart is drawn by the served uPlot (scripts from 'self' only)
      await page.getByRole('link', { name: 'Traffic' }).click();
      await page.locator('#chart[data-drawn="yes"] canvas').waitFor();
      await page.fill('input[name=ip]', '45.155.205.99');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#chart[data-drawn="yes"]').waitFor();
      assert.match((await page.textContent('body')) ?? '', /cache\.php/);
      await shoot('traffic', '/traffic');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      demo?.kill('SIGTERM');
      await new Promise((r) => (demo === null || demo.exitCode !== null ? r(null) : demo.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

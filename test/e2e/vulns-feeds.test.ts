// Advisory feeds end to end: `ripcord vulns update` without --from downloads the ecosystems the
// inventory finds from a real HTTP server on loopback (an OSV all.zip for Packagist, the
// Wordfence feed for WordPress plugins), a cut or refused download keeps the stored advisories,
// and the daily check inside `ripcord run` stores a finding for a newly vulnerable plugin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosmicSting, writeZip } from '../helpers/osv.ts';

/** A Wordfence v2 production-feed record (the documented example's shape). */
const wordfenceFeed = {
  '848ccbdc-c6f1-480f-a272-cd459e706713': {
    id: '848ccbdc-c6f1-480f-a272-cd459e706713',
    title: 'Example Plugin <= 1.2.3 - Unauthenticated SQL Injection',
    software: [
      {
        type: 'plugin',
        name: 'Example Plugin',
        slug: 'example-plugin',
        affected_versions: {
          '* - 1.2.3': { from_version: '*', from_inclusive: true, to_version: '1.2.3', to_inclusive: true },
        },
        patched: true,
        patched_versions: ['1.2.4'],
        remediation: 'Update to version 1.2.4, or a newer patched version',
      },
    ],
    informational: false,
    description: 'An example vulnerability',
    references: ['https://www.wordfence.com/threat-intel/vulnerabilities/id/848ccbdc'],
    cwe: { id: 89, name: 'SQL Injection', description: '' },
    cvss: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, rating: 'Critical' },
    cve: 'CVE-2099-0001',
    cve_link: 'https://www.cve.org/CVERecord?id=CVE-2099-0001',
    researchers: ['Someone'],
    published: '2026-01-02 03:04:05',
    updated: '2026-01-03 03:04:05',
  },
};

function shopTree(dir: string, pluginVersion: string): string {
  const shop = join(dir, 'shop');
  mkdirSync(join(shop, 'wp-includes'), { recursive: true });
  mkdirSync(join(shop, 'wp-content', 'plugins', 'example-plugin'), { recursive: true });
  writeFileSync(join(shop, 'wp-includes', 'version.php'), "<?php\n$wp_version = '6.4.3';\n");
  writeFileSync(
    join(shop, 'wp-content', 'plugins', 'example-plugin', 'example-plugin.php'),
    `<?php\n/**\n * Plugin Name: Example Plugin\n * Version: ${pluginVersion}\n */\n`,
  );
  writeFileSync(
    join(shop, 'composer.lock'),
    JSON.stringify({ packages: [{ name: 'magento/product-community-edition', version: '2.4.7' }] }),
  );
  return shop;
}

/** Serves /Packagist/all.zip and /wordfence; records the paths asked for. */
async function feedServer(): Promise<{ server: Server; base: string; asked: string[] }> {
  const asked: string[] = [];
  const zip = writeZip({ 'GHSA-m8cj-3v68-3cxj.json': JSON.stringify(cosmicSting) });
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    if (req.url === '/osv/Packagist/all.zip') {
      res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
    } else if (req.url === '/wordfence') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(wordfenceFeed));
    } else res.writeHead(404).end('not here');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, asked };
}

function writeConfig(dir: string, shop: string, base: string, extra = ''): string {
  const cfg = join(dir, 'ripcord.yml');
  writeFileSync(
    cfg,
    [
      'stateDir: ./state',
      'site:',
      '  platform: woocommerce',
      `  root: ${shop}`,
      'vulns:',
      `  osvUrl: ${base}/osv`,
      `  wordfenceUrl: ${base}/wordfence`,
      extra,
    ].join('\n'),
  );
  return cfg;
}

const cli = (cfg: string, ...args: string[]) =>
  spawnSync(process.execPath, ['bin/ripcord.js', '--config', cfg, ...args], { encoding: 'utf8' });

/** The CLI without blocking this process's event loop (the feed server runs in it). */
function cliAsync(cfg: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/ripcord.js', '--config', cfg, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c));
    p.stderr.on('data', (c: Buffer) => (stderr += c));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('vulns update downloads the inventory’s ecosystems (OSV zip, Wordfence feed); check finds the plugin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-feeds-'));
  const { server, base, asked } = await feedServer();
  try {
    const shop = shopTree(dir, '1.2.3');
    const cfg = writeConfig(dir, shop, base);
    const up = await cliAsync(cfg, 'vulns', 'update', '--ecosystem', 'Packagist', 'WordPress', '--json');
    assert.equal(up.status, 0, up.stderr);
    const out = up.stdout;
    const results = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ecosystems: string[]; records: number });
    assert.deepEqual(
      results.map((r) => [r.ecosystems, r.records]),
      [
        [['Packagist'], 1],
        [['WordPress'], 1],
      ],
    );
    assert.deepEqual(asked, ['/osv/Packagist/all.zip', '/wordfence']);

    const check = cli(cfg, 'vulns', 'check', '--no-system', '--json');
    assert.equal(check.status, 1, check.stderr);
    const found = check.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            component: { name: string };
            upgradeTo: string | null;
            advisories: { aliases: string[] }[];
          },
      );
    const plugin = found.find((v) => v.component.name === 'plugin:example-plugin');
    assert.ok(plugin, check.stdout);
    assert.equal(plugin.upgradeTo, '1.2.4');
    assert.deepEqual(plugin.advisories[0]?.aliases, ['CVE-2099-0001']);
    assert.ok(found.some((v) => v.component.name === 'magento/product-community-edition'));

    // A patched plugin is not reported.
    writeFileSync(
      join(shop, 'wp-content', 'plugins', 'example-plugin', 'example-plugin.php'),
      '<?php\n/**\n * Plugin Name: Example Plugin\n * Version: 1.2.4\n */\n',
    );
    const again = cli(cfg, 'vulns', 'check', '--no-system', '--json');
    assert.ok(!again.stdout.includes('plugin:example-plugin'), again.stdout);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a refused or unreachable download names the address and keeps the stored advisories', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-feeds-'));
  const { server, base } = await feedServer();
  try {
    const shop = shopTree(dir, '1.0.0');
    const cfg = writeConfig(dir, shop, base);
    const first = await cliAsync(cfg, 'vulns', 'update', '--ecosystem', 'Packagist');
    assert.equal(first.status, 0, first.stderr);
    // npm is not served: HTTP 404, refused as a whole before anything is replaced.
    const missing = await cliAsync(cfg, 'vulns', 'update', '--ecosystem', 'Packagist', 'npm');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /npm advisories failed: HTTP 404/);
    server.close();
    const offline = cli(cfg, 'vulns', 'update', '--ecosystem', 'Packagist');
    assert.notEqual(offline.status, 0);
    assert.match(offline.stderr, /cannot download the Packagist advisories \(offline\?\)/);
    assert.match(offline.stderr, /--from/);
    const status = cli(cfg, 'vulns', 'status', '--json');
    assert.deepEqual(JSON.parse(status.stdout), { ecosystem: 'Packagist', records: 1 });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ripcord run checks on its schedule: the vulnerable plugin becomes a finding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-feeds-'));
  const { server, base } = await feedServer();
  const run = { proc: null as ReturnType<typeof spawn> | null };
  try {
    const shop = shopTree(dir, '1.1.0');
    // Every second (croner's six-field form), WordPress only.
    const cfg = writeConfig(
      dir,
      shop,
      base,
      "  schedule: '* * * * * *'\n  ecosystems: [WordPress]\nintegrity:\n  paths: []",
    );
    run.proc = spawn(process.execPath, ['bin/ripcord.js', '--config', cfg, 'run'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    run.proc.stderr?.on('data', (c: Buffer) => (log += c));
    let lines: string[] = [];
    for (let i = 0; i < 120 && lines.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const f = await cliAsync(cfg, 'findings', 'list', '--rule', 'software-vulnerable', '--json');
      lines = f.stdout.trim() === '' ? [] : f.stdout.trim().split('\n');
    }
    assert.equal(lines.length, 1, `a finding from the scheduled check; log:\n${log}`);
    assert.match(lines[0] ?? '', /example-plugin/);
    assert.match(lines[0] ?? '', /CVE-2099-0001/);
  } finally {
    run.proc?.kill('SIGTERM');
    if (run.proc !== null && run.proc.exitCode === null) await new Promise((r) => run.proc?.on('close', r));
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
